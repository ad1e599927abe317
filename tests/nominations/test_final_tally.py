"""When voting closes, the final tally is recounted from the votes, whatever the stored tally says."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from nominations import tally
from nominations.models import Edition, Nominee, NomineeState, Tally, Vote
from nominations.tasks import finalise_closed_editions
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, VoteFactory
from tests.nominations.tally_checks import assert_tally_exact

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed():
    """An edition whose voting has just closed: a nominee with 4 votes from 3 networks, one with a single vote."""
    now = timezone.now()
    edition = EditionFactory(
        voting_opens_at=now - timedelta(days=5),
        voting_closes_at=now + timedelta(days=1),
        min_counted_votes=3,
        min_voter_networks=2,
        max_flagged_share=Decimal("0.25"),
    )
    category = CategoryFactory(edition=edition)
    strong = NomineeFactory(category=category, firm__name="Strong")
    weak = NomineeFactory(category=category, firm__name="Weak")
    at = now - timedelta(hours=2)
    for i in range(4):
        VoteFactory(nominee=strong, network=f"s{i % 3}", confirmed_at=at)
    VoteFactory(nominee=weak, network="w0", confirmed_at=at)
    tally.process_pending_votes()
    Edition.objects.filter(pk=edition.pk).update(voting_closes_at=now - timedelta(seconds=1))
    return strong, weak


def test_the_final_tally_is_recounted_from_the_votes_even_when_the_stored_one_is_stale(
    tally_path, closed, django_capture_on_commit_callbacks
):
    strong, weak = closed
    # Stale: the stored tally lost the strong nominee's votes, and a vote of the weak one
    # was taken out of the count without being marked as waiting.
    Tally.objects.filter(nominee=strong).update(counted=0)
    Vote.objects.filter(nominee=weak).update(standing="rejected")
    assert tally.waiting_votes() == 0
    with django_capture_on_commit_callbacks(execute=True):  # qualification is queued on commit
        assert finalise_closed_editions() == 1
    assert_tally_exact()
    assert Tally.objects.filter(nominee=strong).values_list("counted", flat=True).get() == 4
    assert Tally.objects.filter(nominee=weak).values_list("counted", "rejected").get() == (0, 1)
    assert Edition.objects.get(pk=strong.edition_id).final_tally_at is not None
    # Qualification read the recounted tally, not the stale one.
    assert Nominee.objects.get(pk=strong.pk).state == NomineeState.QUALIFIED
