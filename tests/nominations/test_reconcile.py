"""The periodic reconcile processes what changed (what no task picked up); the nightly job recounts in full."""

from datetime import timedelta

import pytest
from django.utils import timezone

from nominations import tally
from nominations.models import FraudFlag, Tally, Vote
from nominations.tasks import nightly_recount, reconcile
from tests.factories import NomineeFactory, VoteFactory
from tests.nominations.tally_checks import assert_tally_exact

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted():
    """Two nominees of a live edition with their votes counted; nothing waits."""
    nominee = NomineeFactory()
    other = NomineeFactory(category=nominee.category)
    at = timezone.now() - timedelta(hours=2)
    for i in range(4):
        VoteFactory(nominee=nominee, network=f"a{i}", confirmed_at=at + timedelta(minutes=i))
    VoteFactory(nominee=other, network="b0", confirmed_at=at)
    VoteFactory(nominee=other, network="b1")
    tally.process_pending_votes()
    assert_tally_exact()
    return nominee, other


def test_the_nightly_recount_puts_right_a_tally_no_waiting_vote_points_to(tally_path, counted):
    nominee, other = counted
    # A tampered tally, and a vote whose standing changed without it being marked as waiting.
    Tally.objects.filter(nominee=nominee).update(counted=999, held_reasons={"burst": 2})
    held = Vote.objects.filter(nominee=other, confirmed_at__isnull=False).get()
    Vote.objects.filter(pk=held.pk).update(standing="held")
    FraudFlag.objects.create(vote=held, nominee=other, rule="network")
    assert tally.waiting_votes() == 0
    reconcile()  # counts what changed: nothing is marked, so it leaves the tallies alone
    assert Tally.objects.filter(nominee=nominee).values_list("counted", flat=True).get() == 999
    assert nightly_recount() == 1  # one recount task per live edition (run at once here)
    assert_tally_exact()
    assert Tally.objects.filter(nominee=nominee).values_list("counted", "held_reasons").get() == (4, {})
    assert Tally.objects.filter(nominee=other).values_list("counted", "held", "unconfirmed", "held_reasons").get() == (
        0,
        1,
        1,
        {"network": 1},
    )


def test_nightly_recount_twice_changes_nothing_the_second_time(tally_path, counted):
    Tally.objects.filter(nominee=counted[0]).update(counted=999)
    nightly_recount()
    after_first = list(Tally.objects.order_by("pk").values())
    nightly_recount()
    assert list(Tally.objects.order_by("pk").values()) == after_first
    assert_tally_exact()


def test_after_an_outage_each_run_is_a_bounded_batch(tally_path, settings):
    nominee = NomineeFactory()
    for i in range(12):
        VoteFactory(nominee=nominee, network=f"o{i}", confirmed_at=timezone.now() - timedelta(hours=1))
    assert tally.process_pending_votes(batch_size=5) == (5, True)
    assert Vote.objects.filter(checked_at__isnull=True).count() == 7
    assert Vote.objects.filter(tallied_at__isnull=True).count() == 7  # marked: only the batch
    assert tally.process_pending_votes(batch_size=5) == (5, True)
    assert tally.process_pending_votes(batch_size=5) == (2, False)
    assert_tally_exact()


def test_a_full_recount_writes_a_chunk_of_nominees_per_transaction(tally_path, settings, counted, monkeypatch):
    settings.RECOUNT_CHUNK_NOMINEES = 1
    chunks = []
    write = tally._write_tallies_pg if tally.recounts_in_one_query() else tally._write_tallies
    name = write.__name__

    def recorded(**kwargs):
        chunks.append(kwargs)
        return write(**kwargs)

    monkeypatch.setattr(tally, name, recorded)
    Tally.objects.update(counted=999)
    assert tally.recount_edition(counted[0].edition) == 2
    assert len(chunks) == 2
    assert_tally_exact()


def test_reconcile_counts_what_changed(tally_path, counted):
    nominee, _other = counted
    Vote.objects.filter(nominee=nominee).update(standing="rejected", tallied_at=None)
    assert reconcile() == 4
    assert Tally.objects.get(nominee=nominee).counted == 0
    assert_tally_exact()
