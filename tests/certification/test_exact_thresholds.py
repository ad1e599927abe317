"""Thresholds are compared exactly: a figure that only rounds to the limit does not pass it."""

from decimal import Decimal
from types import SimpleNamespace

from certification.vetting import qualification, scoring


def test_a_survey_just_under_the_threshold_fails_though_it_rounds_to_it():
    outcome = scoring.evaluate(
        kind="survey",
        inputs={"sample_size": 20000, "satisfied": 15999},
        survey_threshold=80,
        pending_flags=0,
        settled_flags=0,
    )
    assert outcome.details["percent"] == 80.0  # shown rounded: 79.995 %
    assert outcome.result == "fail"


def test_a_survey_at_the_threshold_passes():
    outcome = scoring.evaluate(
        kind="survey",
        inputs={"sample_size": 20000, "satisfied": 16000},
        survey_threshold=80,
        pending_flags=0,
        settled_flags=0,
    )
    assert outcome.result == "pass"


def edition(max_share="0.20"):
    return SimpleNamespace(min_counted_votes=1, min_voter_networks=1, max_flagged_share=Decimal(max_share))


def test_a_flagged_share_just_over_the_maximum_does_not_qualify_though_it_rounds_to_it():
    # 4001 of 20000 is 0.20005: four places would round it to 0.2000 (half-even) and let it pass.
    measure = {"counted": 15999, "networks": 50, "flagged": 4001, "confirmed": 20000}
    assert qualification._shortfalls(measure, edition()) == [
        "20% of the votes still held for review, more than the 20% allowed: "
        "the nominee can qualify once an auditor has settled them."
    ]


def test_a_flagged_share_at_the_maximum_qualifies():
    measure = {"counted": 16000, "networks": 50, "flagged": 4000, "confirmed": 20000}
    assert qualification._shortfalls(measure, edition()) == []
