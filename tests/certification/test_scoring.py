from decimal import Decimal
from types import SimpleNamespace

import pytest

from certification.exceptions import CheckRefused
from certification.vetting import scoring


def evaluate(kind, inputs, pending=0):
    return scoring.evaluate(kind=kind, inputs=inputs, survey_threshold=80, pending_flags=pending, settled_flags=0)


def test_registration_passes_only_when_active():
    assert evaluate("registration", {"active": True}).result == "pass"
    assert evaluate("registration", {}).result == "fail"
    assert evaluate("registration", {"active": True}).score is None


def test_charter_passes_with_all_four_items_and_scores_one_plus_items():
    full = evaluate(
        "charter", {"published": True, "expectations": True, "standards": True, "complaint_procedure": True}
    )
    assert (full.result, full.score) == ("pass", Decimal("5.00"))
    partial = evaluate("charter", {"published": True, "standards": True})
    assert (partial.result, partial.score) == ("fail", Decimal("3.00"))


def test_complaints_score_is_the_mean_of_the_five_as():
    outcome = evaluate(
        "complaints", {"sample_size": 12, "acknowledge": 5, "apologise": 4, "assess": 3, "act": 2, "follow_up": 2}
    )
    assert (outcome.result, outcome.score) == ("pass", Decimal("3.20"))
    assert outcome.details["sample_size"] == 12


def test_mystery_shopping_below_three_fails():
    outcome = evaluate("mystery_shopping", {"fast": 2, "personalised": 3, "competent": 3, "friendly": 2, "helpful": 3})
    assert (outcome.result, outcome.score) == ("fail", Decimal("2.60"))


@pytest.mark.parametrize("bad", [0, 6, None, "x"])
def test_a_quality_score_must_be_1_to_5(bad):
    with pytest.raises(CheckRefused, match="from 1 to 5"):
        evaluate("mystery_shopping", {"fast": bad, "personalised": 3, "competent": 3, "friendly": 3, "helpful": 3})


def test_survey_passes_at_the_editions_threshold_and_maps_percent_to_1_5():
    at = evaluate("survey", {"sample_size": 50, "satisfied": 40})
    assert (at.result, at.score, at.details["percent"]) == ("pass", Decimal("4.20"), 80.0)
    below = evaluate("survey", {"sample_size": 50, "satisfied": 39})
    assert below.result == "fail"


def test_survey_refuses_more_satisfied_than_surveyed():
    with pytest.raises(CheckRefused):
        evaluate("survey", {"sample_size": 5, "satisfied": 6})


def test_vote_integrity_is_computed_from_the_flags_not_the_input():
    assert evaluate("vote_integrity", {"active": True, "result": "pass"}, pending=2).result == "fail"
    assert evaluate("vote_integrity", {}, pending=0).result == "pass"


def test_vote_integrity_cannot_be_marked_not_applicable():
    with pytest.raises(CheckRefused):
        evaluate("vote_integrity", {"not_applicable": True})


def test_registration_cannot_be_marked_not_applicable():
    with pytest.raises(CheckRefused):
        evaluate("registration", {"not_applicable": True})


def test_any_other_check_can_be_not_applicable_without_a_score():
    outcome = evaluate("survey", {"not_applicable": True})
    assert (outcome.result, outcome.score) == ("na", None)


def check(kind, score, result="pass"):
    return SimpleNamespace(kind=kind, score=None if score is None else Decimal(score), result=result)


def test_vetting_score_is_the_mean_over_kinds_with_mystery_shopping_counted_once():
    checks = [
        check("registration", None),
        check("charter", "5"),
        check("mystery_shopping", "2"),
        check("mystery_shopping", "4"),
        check("mystery_shopping", "3"),
    ]
    # (5 + mean(2, 4, 3)) / 2 = 4.0
    assert scoring.vetting_score(checks) == Decimal("4.0")


def test_vetting_score_rounds_half_up_to_one_decimal():
    assert scoring.vetting_score([check("charter", "3.25"), check("survey", "3.20")]) == Decimal("3.2")
    assert scoring.vetting_score([check("charter", "3.50"), check("survey", "3.40")]) == Decimal("3.5")


def test_no_scored_check_means_no_score():
    assert scoring.vetting_score([check("registration", None)]) is None
