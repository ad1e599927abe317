"""Settling flags from the admin is queued: the request takes no lock, a task settles in chunks, its progress shows."""

import os
import time
import uuid
from datetime import timedelta

import psycopg2
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from nominations import services, tally
from nominations.exceptions import NotAllowed, ResultsReleased
from nominations.models import FlagSettlement, FraudDecision, FraudFlag, Standing
from nominations.services import flags
from nominations.tasks import reconcile
from portal import locks
from portal.background import QUEUES
from portal.celery import app
from tests.factories import NomineeFactory, UserFactory, VoteFactory
from tests.integration.broker import use_broker
from tests.integration.test_worker import forget_queue
from tests.nominations.tally_checks import assert_tally_exact

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor():
    return UserFactory(groups=["Auditor"])


@pytest.fixture
def flagged():
    nominee = NomineeFactory()
    now = timezone.now() - timedelta(hours=1)
    for i in range(5):
        VoteFactory(nominee=nominee, email=f"x{i}@mailinator.com", confirmed_at=now, network=f"m{i}")
    tally.process_pending_votes()
    return nominee


def flag_ids():
    return list(FraudFlag.objects.values_list("pk", flat=True))


def test_a_queued_settlement_settles_in_chunks_and_shows_its_progress(
    flagged, auditor, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(flags, "SETTLE_CHUNK", 2)
    with django_capture_on_commit_callbacks(execute=True):
        settlement = services.request_flag_settlement(flag_ids=flag_ids(), decision=FraudDecision.GENUINE, by=auditor)
    settlement.refresh_from_db()
    assert (settlement.state, settlement.done, settlement.total, settlement.settled) == ("done", 5, 5, 5)
    assert settlement.finished_at is not None
    assert flagged.tally.__class__.objects.get(nominee=flagged).counted == 5
    assert not FraudFlag.objects.filter(decision=FraudDecision.PENDING).exists()
    assert_tally_exact()


def test_running_a_settlement_twice_changes_nothing_the_second_time(flagged, auditor):
    settlement = services.request_flag_settlement(flag_ids=flag_ids(), decision=FraudDecision.FRAUD, by=auditor)
    flags.settle_flags_task(settlement.pk)
    FlagSettlement.objects.filter(pk=settlement.pk).update(state="running")  # as if redelivered after a kill
    flags.settle_flags_task(settlement.pk)
    settlement.refresh_from_db()
    assert (settlement.state, settlement.settled) == ("done", 5)
    assert set(flagged.votes.values_list("standing", flat=True)) == {Standing.REJECTED}


@pytest.mark.django_db(transaction=True)  # the fixture's processing ran in committed transactions
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL only")
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="publishes to a real broker (REDIS_URL)")
def test_the_request_does_not_wait_for_the_processing_lock(flagged, auditor, settings):
    # A real broker, on a queue of this test's own that no worker reads: the request only publishes.
    queue = f"test-{uuid.uuid4().hex[:8]}"
    saved, saved_queue = app.conf.broker_url, app.conf.task_default_queue
    use_broker(settings.CELERY_BROKER_URL, eager=False, queue=queue)
    db = connection.settings_dict
    holder = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"] or "127.0.0.1", port=db["PORT"]
    )
    try:
        with holder.cursor() as cursor:  # a long batch run holds the lock
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [locks.lock_key(tally.PROCESS_LOCK)])
        started = time.monotonic()
        settlement = services.request_flag_settlement(flag_ids=flag_ids(), decision=FraudDecision.FRAUD, by=auditor)
        # Far below the lock's bounded wait (60 s): it never waited (a loaded CI machine needs the margin).
        assert time.monotonic() - started < 10
        assert settlement.state == "queued"
    finally:
        holder.close()
        use_broker(saved, eager=True, queue=saved_queue)
        for name in (queue, *(f"{queue}-{kind}" for kind in QUEUES)):
            forget_queue(settings.CELERY_BROKER_URL, name)


def test_a_settlement_is_refused_up_front_for_released_results_or_without_the_permission(flagged, auditor):
    with pytest.raises(NotAllowed):
        services.request_flag_settlement(flag_ids=flag_ids(), decision=FraudDecision.FRAUD, by=UserFactory())
    flagged.edition.__class__.objects.filter(pk=flagged.edition_id).update(results_released_at=timezone.now())
    with pytest.raises(ResultsReleased):
        services.request_flag_settlement(flag_ids=flag_ids(), decision=FraudDecision.FRAUD, by=auditor)
    assert not FlagSettlement.objects.exists()


def test_a_settlement_whose_results_were_released_meanwhile_fails_with_the_reason(flagged, auditor):
    settlement = services.request_flag_settlement(flag_ids=flag_ids(), decision=FraudDecision.FRAUD, by=auditor)
    flagged.edition.__class__.objects.filter(pk=flagged.edition_id).update(results_released_at=timezone.now())
    flags.settle_flags_task(settlement.pk)
    settlement.refresh_from_db()
    assert settlement.state == "failed" and "released" in settlement.error
    assert FraudFlag.objects.filter(decision=FraudDecision.PENDING).count() == 5


def test_a_settlement_whose_task_never_arrived_is_queued_again_by_the_reconcile(flagged, auditor):
    settlement = services.request_flag_settlement(flag_ids=flag_ids(), decision=FraudDecision.GENUINE, by=auditor)
    FlagSettlement.objects.filter(pk=settlement.pk).update(requested_at=timezone.now() - timedelta(minutes=5))
    reconcile()
    settlement.refresh_from_db()
    assert settlement.state == "done"


def test_the_auditor_sees_the_progress_in_the_admin(client, flagged, auditor):
    settlement = services.request_flag_settlement(flag_ids=flag_ids(), decision=FraudDecision.GENUINE, by=auditor)
    client.force_login(auditor)
    page = client.get(reverse("admin:nominations_flagsettlement_changelist")).content.decode()
    assert "0/5" in page
    flags.settle_flags_task(settlement.pk)
    page = client.get(reverse("admin:nominations_flagsettlement_change", args=[settlement.pk])).content.decode()
    assert "done" in page.lower()
