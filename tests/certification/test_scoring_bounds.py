"""The edges of the scoring rules, where mutation testing found nothing watching: grades 1 and 5, counts at their minimum, rounding half up."""

from decimal import Decimal

import pytest

from certification.exceptions import CheckRefused
from certification.vetting import scoring

QUALITIES = ("fast", "personalised", "competent", "friendly", "helpful")


def evaluate(kind, inputs):
    return scoring.evaluate(kind=kind, inputs=inputs, survey_threshold=80, pending_flags=0, settled_flags=0)


@pytest.mark.parametrize("grade", [1, 5])
def test_the_lowest_and_highest_grades_are_accepted(grade):
    outcome = evaluate("mystery_shopping", dict.fromkeys(QUALITIES, grade))
    assert outcome.score == Decimal(grade)


@pytest.mark.parametrize("grade", [0, 6])
def test_a_grade_outside_1_to_5_is_refused(grade):
    with pytest.raises(CheckRefused, match="from 1 to 5"):
        evaluate("mystery_shopping", {**dict.fromkeys(QUALITIES, 3), "helpful": grade})


def test_scores_round_half_up_not_to_even():
    assert scoring.two_places("2.345") == Decimal("2.35")
    assert scoring.two_places("2.125") == Decimal("2.13")
    assert scoring.one_place("3.45") == Decimal("3.5")
    assert scoring.one_place("3.25") == Decimal("3.3")


def test_a_survey_of_one_customer_is_enough_and_none_is_refused():
    assert evaluate("survey", {"sample_size": 1, "satisfied": 1}).result == "pass"
    with pytest.raises(CheckRefused):
        evaluate("survey", {"sample_size": 0, "satisfied": 0})
