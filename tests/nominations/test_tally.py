"""The tally equals a count straight from the votes after every kind of fault."""

import random
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from nominations import tally
from nominations.models import Tally, Vote
from tests.factories import NomineeFactory, VoteFactory
from tests.nominations.tally_checks import assert_tally_exact

pytestmark = pytest.mark.django_db


def some_votes(n=30, seed=1):
    rng = random.Random(seed)
    nominees = [NomineeFactory() for _i in range(3)]
    now = timezone.now() - timedelta(hours=2)
    for i in range(n):
        VoteFactory(
            nominee=rng.choice(nominees),
            network=f"net{i}",
            confirmed_at=now + timedelta(minutes=i) if rng.random() < 0.7 else None,
        )
    return nominees


def test_processing_counts_confirmed_and_unconfirmed_votes():
    some_votes()
    tally.process_pending_votes()
    assert_tally_exact()
    assert Tally.objects.count() == 3
    assert tally.waiting_votes() == 0


def test_running_twice_gives_the_same_numbers():
    some_votes()
    tally.process_pending_votes()
    first = list(Tally.objects.values_list("nominee_id", "counted", "unconfirmed").order_by("nominee_id"))
    assert tally.process_pending_votes() == (0, False)
    assert list(Tally.objects.values_list("nominee_id", "counted", "unconfirmed").order_by("nominee_id")) == first
    assert_tally_exact()


def test_a_run_cut_off_half_way_leaves_everything_waiting_and_the_next_run_is_exact(monkeypatch):
    some_votes()

    def killed(nominee_ids):
        raise SystemExit("worker killed")  # after the votes were marked, before the tallies were written

    monkeypatch.setattr(tally, "recompute_tallies", killed)
    with pytest.raises(SystemExit):
        tally.process_pending_votes()
    assert Vote.objects.filter(tallied_at__isnull=True).count() == 30  # rolled back
    monkeypatch.undo()
    tally.process_pending_votes()
    assert_tally_exact()


def test_batches_smaller_than_the_backlog_report_more_and_finish():
    some_votes(40)
    rounds = 0
    more = True
    while more:
        _handled, more = tally.process_pending_votes(batch_size=7)
        rounds += 1
    assert rounds >= 4
    assert tally.waiting_votes() == 0
    assert_tally_exact()


def test_confirming_after_a_run_makes_the_vote_wait_again(client):
    nominee = NomineeFactory()
    vote = VoteFactory(nominee=nominee)
    tally.process_pending_votes()
    with transaction.atomic():
        Vote.objects.filter(pk=vote.pk).update(confirmed_at=timezone.now(), integrity="ok", tallied_at=None)
    assert tally.waiting_votes() == 1
    tally.process_pending_votes()
    assert Tally.objects.get(nominee=nominee).counted == 1
    assert_tally_exact()


def test_full_recount_repairs_a_tampered_tally():
    nominees = some_votes()
    tally.process_pending_votes()
    Tally.objects.filter(nominee=nominees[0]).update(counted=999)
    tally.recount_edition(nominees[0].edition)
    assert_tally_exact()


def test_recount_includes_nominees_without_votes():
    nominee = NomineeFactory()
    tally.recount_edition(nominee.edition)
    assert Tally.objects.get(nominee=nominee).counted == 0


def test_results_are_refused_while_confirmed_votes_wait(client):
    from django.contrib.auth import get_user_model

    from nominations import services
    from nominations.exceptions import ResultsNotReleasable

    nominee = NomineeFactory()
    VoteFactory(nominee=nominee, confirmed_at=timezone.now())
    nominee.edition.voting_closes_at = timezone.now() - timedelta(seconds=1)
    nominee.edition.save()
    boss = get_user_model().objects.create_superuser("boss", "b@example.com", "long-password-123")
    with pytest.raises(ResultsNotReleasable, match="waiting"):
        services.release_results(edition=nominee.edition, by=boss)
    tally.process_pending_votes()
    services.release_results(edition=nominee.edition, by=boss)
