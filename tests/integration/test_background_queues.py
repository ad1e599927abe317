"""Background that cannot stall, with real workers: a queue per kind, a killed worker's votes, mails beside a long tally."""

import os
import signal
import time
import uuid

import psycopg2
import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.utils import timezone

import tests.integration.test_worker as workers
from nominations import outbox, processing, services, tally
from nominations.models import Vote
from nominations.tasks import process_votes
from portal.background import MAIL, QUEUES, TALLIES
from portal.celery import app
from tests.factories import NomineeFactory
from tests.integration.broker import use_broker
from tests.nominations.tally_checks import assert_tally_exact

pytestmark = workers.pytestmark


@pytest.fixture
def queues(settings):
    """A name for this test's queues, the app pointed at them; stops every worker started through `start`."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    saved, saved_queue = app.conf.broker_url, app.conf.task_default_queue
    use_broker(settings.CELERY_BROKER_URL, eager=False, queue=name)
    cache.delete(processing.PROCESS_QUEUED_KEY)
    started = []

    def start(kinds, concurrency=1):
        log = workers.ROOT / "test-artifacts" / f"worker-{name}-{'-'.join(kinds)}-{len(started)}.log"
        worker = workers.Worker(settings.CELERY_BROKER_URL, name, log, kinds=kinds, concurrency=concurrency)
        worker.start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    use_broker(saved, eager=True, queue=saved_queue)
    for queue in (name, *(f"{name}-{kind}" for kind in QUEUES)):
        workers.forget_queue(settings.CELERY_BROKER_URL, queue)
    cache.delete(processing.PROCESS_QUEUED_KEY)


def confirmed_waiting_votes(nominees, n):
    for i in range(n):
        Vote.objects.create(
            edition=nominees[i % len(nominees)].edition,
            category=nominees[i % len(nominees)].category,
            nominee=nominees[i % len(nominees)],
            email=f"w{i}@example.com",
            email_canonical=f"w{i}@example.com",
            ip_hash=i,
            network_hash=i,
            confirmed_at=timezone.now(),
            standing="counted",
        )


def hold_tally_row(nominee):
    """A second session locks a tally row: a process run marks its votes, then blocks writing that tally."""
    db = connection.settings_dict
    blocker = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )
    blocker.cursor().execute("SELECT 1 FROM nominations_tally WHERE nominee_id = %s FOR UPDATE", [nominee.pk])
    return blocker


def tally_blocked() -> bool:
    with connections["default"].cursor() as c:
        c.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%%nominations_tally%%'"
        )
        return c.fetchone()[0] > 0


def test_a_whole_worker_killed_mid_batch_has_its_votes_counted_within_a_minute(queues):
    nominees = [NomineeFactory() for _i in range(2)]
    for nominee in nominees:
        tally.recount_edition(nominee.edition)
    confirmed_waiting_votes(nominees, 6)
    blocker = hold_tally_row(nominees[0])
    first = queues([TALLIES])
    process_votes.delay()
    workers.wait_for(tally_blocked, what="the worker to block inside its batch")
    # The whole worker dies (main process and child): nobody is left to re-queue its message,
    # which stays unacknowledged in Redis until the visibility timeout (minutes).
    killed_at = time.monotonic()
    children = first.children()
    first.process.send_signal(signal.SIGKILL)
    for child in children:
        os.kill(child, signal.SIGKILL)
    first.process.wait()
    blocker.rollback()
    blocker.close()
    assert tally.waiting_votes() == 6  # its transaction rolled back with its backend
    queues([TALLIES])  # the replacement (compose restarts it): its start sweeps at once
    workers.wait_for(workers.settled, what="the votes of the killed worker", timeout=60)
    print(f"counted {time.monotonic() - killed_at:.1f} s after the kill")
    assert time.monotonic() - killed_at < 60
    assert_tally_exact()
    assert sum(n.tally.confirmed for n in nominees) == 6  # counted, or held by a fraud rule: in the tally


def test_a_mail_is_sent_while_every_tally_slot_is_stuck(queues):
    nominee = NomineeFactory()
    tally.recount_edition(nominee.edition)
    confirmed_waiting_votes([nominee], 3)
    blocker = hold_tally_row(nominee)
    queues([TALLIES], concurrency=1)
    queues([MAIL], concurrency=1)
    try:
        process_votes.delay()
        workers.wait_for(tally_blocked, what="the tally worker to block")
        services.cast_vote(nominee=nominee, email="voter@example.com", client=workers.CLIENTS[1])
        outbox.relay_once()  # what the relay process does on the vote's NOTIFY: hand the mail to the mail queue

        def mailed():
            connections.close_all()
            return Vote.objects.filter(email="voter@example.com", email_sent_at__isnull=False).exists()

        workers.wait_for(mailed, what="the confirmation mail while the tally is stuck", timeout=30)
        assert tally_blocked()  # the tally was still stuck when the mail went
    finally:
        blocker.rollback()
        blocker.close()

    def all_tallied():
        connections.close_all()
        return not Vote.objects.filter(tallied_at__isnull=True).exists()

    workers.wait_for(all_tallied, what="the tally once unblocked (the new vote's unconfirmed count too)")
    assert_tally_exact()
