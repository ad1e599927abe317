from datetime import timedelta

import pytest
from django.utils import timezone

from certification.certificates.winners import propose_winners, ranking
from certification.exceptions import WinnersNotFinal
from nominations.models import Nominee, NomineeState
from tests.certification.conftest import make_candidate
from tests.factories import VoteFactory

pytestmark = pytest.mark.django_db


def winners_of(edition, category):
    return [n.pk for n in propose_winners(edition=edition)[category]]


def test_the_approved_nominee_with_most_counted_votes_wins(closed_edition, banking):
    first = make_candidate(banking, votes=50, score=4)
    make_candidate(banking, votes=49, score=5)
    assert winners_of(closed_edition, banking) == [first.pk]


def test_a_rejected_top_voted_nominee_never_wins(closed_edition, banking):
    make_candidate(banking, votes=900, score=5, state=NomineeState.REJECTED)
    make_candidate(banking, votes=800, state=NomineeState.UNDER_REVIEW)
    make_candidate(banking, votes=700, state=NomineeState.QUALIFIED)
    approved = make_candidate(banking, votes=10, score=3.5)
    assert winners_of(closed_edition, banking) == [approved.pk]


def test_a_tie_on_votes_goes_to_the_higher_vetting_score(closed_edition, banking):
    make_candidate(banking, votes=50, score=4)
    better = make_candidate(banking, votes=50, score=4.5)
    assert winners_of(closed_edition, banking) == [better.pk]


def test_a_tie_on_votes_and_score_goes_to_the_earliest_nomination(closed_edition, banking):
    later = make_candidate(banking, votes=50, score=4)
    earlier = make_candidate(banking, votes=50, score=4)
    Nominee.objects.filter(pk=earlier.pk).update(created_at=timezone.now() - timedelta(days=3))
    Nominee.objects.filter(pk=later.pk).update(created_at=timezone.now() - timedelta(days=1))
    assert winners_of(closed_edition, banking) == [earlier.pk]


def test_a_full_tie_goes_to_the_lowest_id(closed_edition, banking):
    first = make_candidate(banking, votes=50, score=4)
    second = make_candidate(banking, votes=50, score=4)
    Nominee.objects.filter(pk__in=[first.pk, second.pk]).update(created_at=timezone.now())
    assert winners_of(closed_edition, banking) == [min(first.pk, second.pk)]


def test_the_number_of_winners_per_category_is_a_setting(closed_edition, banking, settings):
    settings.CERTIFICATES_PER_CATEGORY = 2
    first = make_candidate(banking, votes=50)
    second = make_candidate(banking, votes=40)
    make_candidate(banking, votes=30)
    assert winners_of(closed_edition, banking) == [first.pk, second.pk]


def test_an_issued_certificate_keeps_its_place(closed_edition, banking):
    certified = make_candidate(banking, votes=10, state=NomineeState.CERTIFIED)
    make_candidate(banking, votes=50)
    assert winners_of(closed_edition, banking) == [certified.pk]


def test_a_category_without_approved_nominees_has_no_winner(closed_edition, banking):
    make_candidate(banking, votes=50, state=NomineeState.REJECTED)
    assert winners_of(closed_edition, banking) == []


def test_no_winners_while_voting_is_open(edition, category):
    with pytest.raises(WinnersNotFinal, match="has not closed"):
        propose_winners(edition=edition)


def test_no_winners_while_votes_wait_for_the_count(closed_edition, banking):
    nominee = make_candidate(banking, votes=5)
    VoteFactory(nominee=nominee, confirmed_at=timezone.now() - timedelta(days=2), standing="counted")
    with pytest.raises(WinnersNotFinal, match="not final"):
        propose_winners(edition=closed_edition)


def test_the_ranking_takes_a_fixed_number_of_queries(closed_edition, banking, django_assert_num_queries):
    for votes in range(10):
        make_candidate(banking, votes=votes, score=4)
    # edition checks (waiting votes), the released figures, categories, nominees, their checks
    with django_assert_num_queries(5):
        ranked = ranking(edition=closed_edition)
    assert [c.counted for c in ranked[banking]] == list(range(9, -1, -1))
