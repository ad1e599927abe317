from datetime import timedelta

import pytest
from django.utils import timezone

from nominations import services
from nominations.models import FraudDecision, FraudFlag, Standing, Tally
from nominations.tally import process_pending_votes
from tests.factories import NomineeFactory, UserFactory, VoteFactory
from tests.nominations.tally_checks import assert_tally_exact

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor():
    return UserFactory(groups=["Auditor"])


@pytest.fixture
def flagged():
    """A nominee with two clean votes and three from a disposable domain, checked and tallied."""
    nominee = NomineeFactory()
    now = timezone.now() - timedelta(hours=1)
    for i in range(2):
        VoteFactory(nominee=nominee, confirmed_at=now, network=f"n{i}")
    for i in range(3):
        VoteFactory(nominee=nominee, email=f"x{i}@mailinator.com", confirmed_at=now, network=f"m{i}")
    process_pending_votes()
    return nominee


def tally(nominee):
    return Tally.objects.get(nominee=nominee)


def test_flagged_votes_are_held_out_of_the_count(flagged):
    assert (tally(flagged).counted, tally(flagged).held) == (2, 3)
    assert tally(flagged).held_reasons == {"disposable": 3}
    assert tally(flagged).flagged_share == pytest.approx(0.6)


def test_votes_confirmed_as_fraud_stay_out_and_nothing_is_deleted(flagged, auditor):
    ids = list(FraudFlag.objects.values_list("pk", flat=True))
    assert services.settle_flags(flag_ids=ids, decision=FraudDecision.FRAUD, by=auditor) == 3
    process_pending_votes()
    assert (tally(flagged).counted, tally(flagged).held, tally(flagged).rejected) == (2, 0, 3)
    assert flagged.votes.count() == 5
    assert set(flagged.votes.values_list("standing", flat=True)) == {Standing.COUNTED, Standing.REJECTED}
    flag = FraudFlag.objects.first()
    assert flag.decided_by == auditor and flag.decided_at is not None
    assert_tally_exact()


def test_votes_found_genuine_count_again(flagged, auditor):
    ids = list(FraudFlag.objects.values_list("pk", flat=True))
    services.settle_flags(flag_ids=ids, decision=FraudDecision.GENUINE, by=auditor)
    process_pending_votes()
    assert (tally(flagged).counted, tally(flagged).held) == (5, 0)
    assert_tally_exact()


def test_a_settled_flag_is_not_raised_again_by_a_rescan(flagged, auditor):
    from nominations.fraud.scan import scan_edition

    ids = list(FraudFlag.objects.values_list("pk", flat=True))
    services.settle_flags(flag_ids=ids, decision=FraudDecision.GENUINE, by=auditor)
    scan_edition(flagged.edition)
    process_pending_votes()
    assert tally(flagged).counted == 5
    assert FraudFlag.objects.filter(decision=FraudDecision.PENDING).count() == 0


def test_a_vote_with_one_pending_flag_stays_held(flagged, auditor):
    vote = flagged.votes.filter(standing=Standing.HELD).first()
    FraudFlag.objects.create(vote=vote, nominee=flagged, rule="fast", evidence={})
    services.settle_flags(flag_ids=[vote.flags.get(rule="disposable").pk], decision=FraudDecision.GENUINE, by=auditor)
    vote.refresh_from_db()
    assert vote.standing == Standing.HELD


def test_settling_twice_changes_nothing_the_second_time(flagged, auditor):
    ids = list(FraudFlag.objects.values_list("pk", flat=True))
    services.settle_flags(flag_ids=ids, decision=FraudDecision.FRAUD, by=auditor)
    assert services.settle_flags(flag_ids=ids, decision=FraudDecision.GENUINE, by=auditor) == 0
    assert set(FraudFlag.objects.values_list("decision", flat=True)) == {FraudDecision.FRAUD}


def test_settling_takes_the_process_lock(flagged, auditor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL only")
    ids = list(FraudFlag.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        services.settle_flags(flag_ids=ids, decision=FraudDecision.GENUINE, by=auditor)
    assert any("pg_advisory_xact_lock" in q["sql"] for q in ctx.captured_queries)


@pytest.mark.parametrize("group", [None, "Programme manager"])
def test_only_an_auditor_settles_flags(flagged, group):
    from nominations.exceptions import NotAllowed

    someone = UserFactory(groups=[group] if group else [])
    ids = list(FraudFlag.objects.values_list("pk", flat=True))
    with pytest.raises(NotAllowed):
        services.settle_flags(flag_ids=ids, decision=FraudDecision.GENUINE, by=someone)
    assert not FraudFlag.objects.exclude(decision=FraudDecision.PENDING).exists()
    assert tally(flagged).held == 3
