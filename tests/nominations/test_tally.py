"""The tally equals a count straight from the votes after every kind of fault."""

import random
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.utils import timezone

from nominations import tally
from nominations.models import FraudFlag, Tally, Vote
from tests.factories import CategoryFactory, NomineeFactory, VoteFactory
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


def test_processing_counts_confirmed_and_unconfirmed_votes(tally_path):
    some_votes()
    tally.process_pending_votes()
    assert_tally_exact()
    assert Tally.objects.count() == 3
    assert tally.waiting_votes() == 0


def test_running_twice_gives_the_same_numbers(tally_path):
    some_votes()
    tally.process_pending_votes()
    first = list(Tally.objects.values_list("nominee_id", "counted", "unconfirmed").order_by("nominee_id"))
    assert tally.process_pending_votes() == (0, False)
    assert list(Tally.objects.values_list("nominee_id", "counted", "unconfirmed").order_by("nominee_id")) == first
    assert_tally_exact()


def test_a_run_cut_off_half_way_leaves_everything_waiting_and_the_next_run_is_exact(tally_path, monkeypatch):
    some_votes()

    def killed(nominee_ids):
        raise SystemExit("worker killed")  # after the votes were marked, before the tallies were written

    with monkeypatch.context() as patched:  # undone on its own, leaving tally_path's choice in place
        patched.setattr(tally, "recompute_tallies", killed)
        with pytest.raises(SystemExit):
            tally.process_pending_votes()
    assert Vote.objects.filter(tallied_at__isnull=True).count() == 30  # rolled back
    tally.process_pending_votes()
    assert_tally_exact()


def test_batches_smaller_than_the_backlog_report_more_and_finish(tally_path):
    some_votes(40)
    rounds = 0
    more = True
    while more:
        _handled, more = tally.process_pending_votes(batch_size=7)
        rounds += 1
    assert rounds >= 4
    assert tally.waiting_votes() == 0
    assert_tally_exact()


def test_confirming_after_a_run_makes_the_vote_wait_again(tally_path):
    nominee = NomineeFactory()
    vote = VoteFactory(nominee=nominee)
    tally.process_pending_votes()
    with transaction.atomic():
        Vote.objects.filter(pk=vote.pk).update(confirmed_at=timezone.now(), standing="counted", tallied_at=None)
    assert tally.waiting_votes() == 1
    tally.process_pending_votes()
    assert Tally.objects.get(nominee=nominee).counted == 1
    assert_tally_exact()


def test_full_recount_repairs_a_tampered_tally(tally_path):
    nominees = some_votes()
    tally.process_pending_votes()
    Tally.objects.filter(nominee=nominees[0]).update(counted=999)
    tally.recount_edition(nominees[0].edition)
    assert_tally_exact()


def test_recount_includes_nominees_without_votes(tally_path):
    nominee = NomineeFactory()
    tally.recount_edition(nominee.edition)
    assert Tally.objects.get(nominee=nominee).counted == 0


@pytest.fixture
def flagged():
    """One category: a nominee with votes of every standing and pending flags under two rules, one with a counted vote, one with none.

    The votes are fraud-checked already, so only the tally runs over them. `expected` holds, per nominee,
    counted, held, rejected, unconfirmed and the held reasons (pending flags per rule; settled flags are no reason).
    """
    category = CategoryFactory()
    busy, quiet, silent = (NomineeFactory(category=category) for _i in range(3))
    at = timezone.now() - timedelta(hours=1)

    def vote(nominee, standing, pending=(), settled=()):
        confirmed = None if standing == "unconfirmed" else at
        cast = VoteFactory(nominee=nominee, confirmed_at=confirmed, checked_at=confirmed, standing=standing)
        flags = [FraudFlag.objects.create(vote=cast, nominee=nominee, rule=rule) for rule in pending]
        for rule, decision in settled:
            FraudFlag.objects.create(vote=cast, nominee=nominee, rule=rule, decision=decision, decided_at=at)
        return flags

    vote(busy, "counted")
    vote(busy, "counted")
    vote(busy, "counted", settled=[("fast", "genuine")])
    vote(busy, "held", pending=["network", "disposable"])
    [only_flag] = vote(busy, "held", pending=["network"])
    vote(busy, "rejected", settled=[("burst", "fraud")])
    vote(busy, "unconfirmed")
    vote(busy, "unconfirmed")
    vote(quiet, "counted")
    return SimpleNamespace(
        edition=category.edition,
        busy=busy,
        quiet=quiet,
        silent=silent,
        only_flag=only_flag,
        expected={
            busy.pk: (3, 2, 1, 2, {"network": 2, "disposable": 1}),
            quiet.pk: (1, 0, 0, 0, {}),
            silent.pk: (0, 0, 0, 0, {}),
        },
    )


def written():
    return {t.nominee_id: (t.counted, t.held, t.rejected, t.unconfirmed, t.held_reasons) for t in Tally.objects.all()}


def test_processing_writes_every_standing_and_the_pending_flags_as_reasons(tally_path, flagged):
    tally.process_pending_votes()
    assert written() == {pk: flagged.expected[pk] for pk in (flagged.busy.pk, flagged.quiet.pk)}
    tally.recount_edition(flagged.edition)
    assert written() == flagged.expected
    assert_tally_exact()


def test_a_settled_flag_stops_being_a_reason_at_the_next_run(tally_path, flagged):
    from nominations.services import settle_flags
    from tests.factories import UserFactory

    tally.recount_edition(flagged.edition)
    settle_flags(flag_ids=[flagged.only_flag.pk], decision="genuine", by=UserFactory(groups=["Auditor"]))
    tally.process_pending_votes()
    assert written()[flagged.busy.pk] == (4, 1, 1, 2, {"network": 1, "disposable": 1})
    assert_tally_exact()


def test_a_full_recount_puts_right_tampered_figures_and_reasons(tally_path, flagged):
    tally.recount_edition(flagged.edition)
    Tally.objects.filter(nominee=flagged.busy).update(counted=0, rejected=7, held_reasons={"network": 1, "burst": 1})
    Tally.objects.filter(nominee=flagged.quiet).update(held_reasons={"fast": 3})
    Tally.objects.filter(nominee=flagged.silent).delete()
    tally.recount_edition(flagged.edition)
    assert written() == flagged.expected


def test_a_recount_with_nothing_changed_rewrites_nothing(tally_path, flagged):
    tally.recount_edition(flagged.edition)
    before = dict(Tally.objects.values_list("nominee_id", "updated_at"))
    tally.recount_edition(flagged.edition)
    with transaction.atomic():
        tally.recompute_tallies(before)
    assert dict(Tally.objects.values_list("nominee_id", "updated_at")) == before


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


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-query recount is PostgreSQL's")
def test_the_postgresql_recount_writes_what_the_portable_one_writes():
    from django.db.models import Q

    from nominations.models import FraudFlag, Standing

    nominees = some_votes(n=40, seed=7)
    tally.process_pending_votes()
    # Every standing and several reasons, set by hand so that both paths see the same votes.
    confirmed = list(Vote.objects.filter(confirmed_at__isnull=False).order_by("pk"))
    for vote, (standing, rules) in zip(  # noqa: B905 (more votes than standings: the rest keep theirs)
        confirmed,
        [
            (Standing.HELD, ["disposable", "burst"]),
            (Standing.HELD, ["burst"]),
            (Standing.REJECTED, []),
            (Standing.HELD, ["fast"]),
        ],
    ):
        Vote.objects.filter(pk=vote.pk).update(standing=standing)
        for rule in rules:
            FraudFlag.objects.create(vote=vote, nominee_id=vote.nominee_id, rule=rule, evidence={})
    editions = {n.edition for n in nominees}

    def recount():
        return sum(tally.recount_edition(edition) for edition in editions)

    def written():
        return {
            t.nominee_id: (t.counted, t.held, t.rejected, t.unconfirmed, t.held_reasons) for t in Tally.objects.all()
        }

    Tally.objects.all().delete()
    with transaction.atomic():
        for edition in editions:
            tally._write_tallies(
                nominees=Q(edition=edition), votes=Q(edition=edition), flags=Q(nominee__edition=edition)
            )
    portable = written()
    # The case is not trivial: held and rejected votes, unconfirmed ones, and more than one reason.
    assert all(any(figures[i] for figures in portable.values()) for i in range(4))
    assert sum(len(figures[4]) for figures in portable.values()) >= 3
    Tally.objects.all().delete()
    assert recount() == 3
    assert written() == portable
    assert_tally_exact()
    # Nothing changed: nothing is rewritten; one tampered figure or reason is put right.
    before = dict(Tally.objects.values_list("nominee_id", "updated_at"))
    recount()
    assert dict(Tally.objects.values_list("nominee_id", "updated_at")) == before
    Tally.objects.filter(nominee=nominees[1]).update(held_reasons={"burst": 9})
    Tally.objects.filter(nominee=nominees[2]).update(unconfirmed=77)
    recount()
    assert written() == portable
