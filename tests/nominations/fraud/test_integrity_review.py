"""An integrity review: opened by the assessment, holding its group, blocking qualification, settled by an auditor."""

import os
import time
import uuid
from datetime import UTC, datetime

import psycopg2
import pytest
from django.db import connection

from audit.models import AuditEntry
from demo import fraudsim
from nominations import services, tally
from nominations.exceptions import NotAllowed
from nominations.fraud.scan import scan_edition
from nominations.models import (
    FraudDecision,
    FraudFlag,
    FraudRule,
    IntegrityReview,
    ReviewState,
    SettlementState,
    Standing,
    Vote,
)
from nominations.selectors import nominees_under_integrity_review, review_chart_svg
from nominations.services import flags
from nominations.tally import process_all_pending_votes
from portal import locks
from portal.background import QUEUES
from portal.celery import app
from tests.factories import UserFactory
from tests.integration.broker import use_broker
from tests.integration.test_worker import forget_queue

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

START = datetime(2026, 2, 2, tzinfo=UTC)


@pytest.fixture
def review():
    """A nominee lifted by scripted confirmations (6-25 s) in a small edition: the assessment opens a review."""
    sim = fraudsim.Generator(votes=1500, seed=5, start=START, days=7)
    sim.sim.categories = 2
    sim.sim.nominees = {0: [0, 1, 2], 1: [3, 4, 5]}
    sim.genuine(1200)
    sim.campaign("scripted_delay", 0, 1, 120)
    edition, categories, nominees = fraudsim.create_edition(sim.sim, start=START, days=7)
    fraudsim.copy_rows(
        sim.sim.rows,
        list(range(len(sim.sim.rows))),
        edition_id=edition.pk,
        category_ids=categories,
        nominee_ids=nominees,
    )
    scan_edition(edition)
    process_all_pending_votes()
    [review] = IntegrityReview.objects.filter(edition=edition)
    assert review.nominee_id == nominees[1]
    return review


def test_an_open_review_holds_its_group_and_blocks_qualification(review):
    held = FraudFlag.objects.filter(nominee=review.nominee, rule=FraudRule.INTEGRITY, decision=FraudDecision.PENDING)
    assert held.count() == review.held_votes >= 100
    assert not Vote.objects.filter(pk__in=held.values("vote_id"), standing=Standing.COUNTED).exists()
    assert nominees_under_integrity_review([review.nominee_id]) == {review.nominee_id}
    groups = review.evidence["groups"]
    assert groups[0]["dimension"] == "delay" and groups[0]["measures"]["fast_delays"] >= 10
    assert "<svg" in review_chart_svg(review) and "style=" not in review_chart_svg(review)


def test_the_auditor_holds_a_group_in_one_logged_decision_and_the_review_settles(review):
    auditor = UserFactory(groups=["Auditor"])
    label = f"{review.evidence['groups'][0]['dimension']}:{review.evidence['groups'][0]['key']}"
    hold = services.settle_group(review=review, group=label, decision=FraudDecision.FRAUD, by=auditor)
    assert hold.state == SettlementState.QUEUED and hold.total > 0
    entry = AuditEntry.objects.get(action="integrityreview.hold")
    assert entry.after["group"] == label and entry.after["votes"] == hold.total
    settled = flags.run_settlement(settlement_id=hold.pk).settled  # the worker's task
    assert settled == hold.total
    still_held = FraudFlag.objects.filter(
        nominee=review.nominee, rule=FraudRule.INTEGRITY, decision=FraudDecision.PENDING
    ).exists()
    # The review stays open while any of its groups is still held, and settles with the last.
    expected = ReviewState.OPEN if still_held else ReviewState.SETTLED
    assert IntegrityReview.objects.get(pk=review.pk).state == expected
    if still_held:
        release = services.settle_group(review=review, group=None, decision=FraudDecision.GENUINE, by=auditor)
        flags.run_settlement(settlement_id=release.pk)
    review.refresh_from_db()
    assert review.state == ReviewState.SETTLED and review.held_votes == 0 and review.settled_by == auditor
    assert AuditEntry.objects.filter(action="integrityreview.settle").count() == 1
    assert nominees_under_integrity_review([review.nominee_id]) == set()
    process_all_pending_votes()
    assert Vote.objects.filter(nominee=review.nominee, standing=Standing.REJECTED).count() == settled


@pytest.mark.django_db(transaction=True)  # the fixture's processing committed: its lock is free for the holder
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="publishes to a real broker (REDIS_URL)")
def test_the_decision_does_not_wait_for_the_processing_lock(review, settings):
    """A long batch run holds the lock: the admin's request only queues (the issue's 502 and nothing settled)."""
    auditor = UserFactory(groups=["Auditor"])
    # A real broker, on a queue of this test's own that no worker reads: the request only publishes
    # (eager mode would run the task at the commit, inside the request).
    queue = f"test-{uuid.uuid4().hex[:8]}"
    saved, saved_queue = app.conf.broker_url, app.conf.task_default_queue
    use_broker(settings.CELERY_BROKER_URL, eager=False, queue=queue)
    db = connection.settings_dict
    holder = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"] or "127.0.0.1", port=db["PORT"]
    )
    try:
        with holder.cursor() as cursor:
            cursor.execute("SET lock_timeout = '30s'")  # a mistake in the test fails it, never hangs the suite
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [locks.lock_key(tally.PROCESS_LOCK)])
        started = time.monotonic()
        settlement = services.settle_group(review=review, group=None, decision=FraudDecision.GENUINE, by=auditor)
        # Far below the lock's bounded wait (60 s): it never waited.
        assert time.monotonic() - started < 10
        assert settlement.state == SettlementState.QUEUED
    finally:
        holder.close()
        use_broker(saved, eager=True, queue=saved_queue)
        for name in (queue, *(f"{queue}-{kind}" for kind in QUEUES)):
            forget_queue(settings.CELERY_BROKER_URL, name)


def test_settling_a_review_needs_the_auditor_permission(review):
    with pytest.raises(NotAllowed):
        services.settle_group(review=review, group=None, decision=FraudDecision.GENUINE, by=UserFactory())
    assert IntegrityReview.objects.get(pk=review.pk).state == ReviewState.OPEN
