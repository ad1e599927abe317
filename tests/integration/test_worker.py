"""A real Celery worker against this machine's Redis and PostgreSQL.

The worker runs in its own process on the test database; the tests commit
(transactional_db) so it sees their rows. Each test ends with the tally equal
to a count straight from the votes.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.utils import timezone

from nominations import mail, outbox, processing, services, tally
from nominations.client import ClientInfo
from nominations.models import TaskRun, Vote
from nominations.tasks import process_votes, reconcile
from portal.celery import app
from tests.factories import NomineeFactory
from tests.integration.broker import use_broker
from tests.nominations.tally_checks import assert_tally_exact

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
        reason="needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)",
    ),
]


class Worker:
    def __init__(self, broker_url: str, queue_name: str, log: Path):
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "TEST_CELERY_QUEUE": queue_name,
            "TESTING": "1",
        }
        self.queue_name = queue_name
        self.log = log
        self.process = None

    def start(self):
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.log, "w")  # noqa: SIM115 (closed in stop(), after the worker exits)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.integration.worker_app",
                "worker",
                "-Q",
                self.queue_name,
                "--pool",
                "prefork",
                "--concurrency",
                "2",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "INFO",
                "-n",
                f"{self.queue_name}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: "ready." in self.log.read_text(), what="worker start", timeout=60)

    def children(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.handle.close()


class Relay:
    """The outbox relay (manage.py outbox_relay's loop) in a thread of this process, so it publishes to the test's queue."""

    def __init__(self):
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            outbox.run_relay(catch_up_seconds=0.5, stop=self.stopping.is_set)
        finally:
            connection.close()

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=10)


def wait_for(condition, *, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def forget_queue(broker_url: str, name: str) -> None:
    """Drop the Redis keys kombu kept for a test's queue (its list and bindings), so runs leave nothing behind."""
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        client.delete(name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")
    finally:
        client.close()


@pytest.fixture
def worker(settings, tmp_path):
    """A worker on this run's broker (CELERY_BROKER_URL, else REDIS_URL, with its database number, as settings
    build it) and on a queue of this test's own, so runs sharing a Redis never take each other's tasks."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    broker_url = settings.CELERY_BROKER_URL
    saved, saved_queue = app.conf.broker_url, app.conf.task_default_queue
    use_broker(broker_url, eager=False, queue=name)
    cache.delete(processing.PROCESS_QUEUED_KEY)
    w = Worker(broker_url, name, ROOT / "test-artifacts" / f"worker-{name}.log")
    w.start()
    relay = Relay()
    yield w
    relay.stop()
    w.stop()
    use_broker(saved, eager=True, queue=saved_queue)
    forget_queue(broker_url, name)
    cache.delete(processing.PROCESS_QUEUED_KEY)  # a run queued for the stopped worker would hold it for 30 s


CLIENTS = [ClientInfo(ip_hash=i, network_hash=i, user_agent=f"agent-{i}") for i in range(100)]


def confirmed_votes(n: int) -> list:
    nominees = [NomineeFactory() for _i in range(3)]
    votes = []
    for i in range(n):
        services.cast_vote(nominee=nominees[i % 3], email=f"v{i}@example.com", client=CLIENTS[i % 100])
        vote = Vote.objects.get(email=f"v{i}@example.com")
        services.confirm_vote(token=mail.confirmation_token(vote))
        votes.append(vote)
    return votes


def settled() -> bool:
    connections.close_all()  # a fresh snapshot of what the worker committed
    return tally.waiting_votes() == 0


def test_worker_counts_confirmed_votes(worker):
    confirmed_votes(12)
    wait_for(settled, what="the worker to tally the confirmations")
    assert_tally_exact()
    assert TaskRun.objects.get(name="process votes").last_finished_at is not None


def test_duplicate_and_concurrent_deliveries_end_exact(worker):
    confirmed_votes(9)
    for _i in range(6):
        process_votes.delay()
    reconcile.delay()
    reconcile.delay()
    wait_for(settled, what="all deliveries to finish")
    time.sleep(1)  # let the duplicates run on an already settled state
    wait_for(settled, what="duplicates")
    assert_tally_exact()


def test_a_worker_killed_mid_task_is_redelivered_and_ends_exact(worker):
    nominees = [NomineeFactory() for _i in range(2)]
    tally.recount_edition(nominees[0].edition)
    tally.recount_edition(nominees[1].edition)
    for i in range(6):
        Vote.objects.create(
            edition=nominees[i % 2].edition,
            category=nominees[i % 2].category,
            nominee=nominees[i % 2],
            email=f"k{i}@example.com",
            email_canonical=f"k{i}@example.com",
            ip_hash=i,
            network_hash=i,
            confirmed_at=timezone.now(),
            standing="counted",
        )
    # Hold a lock on one tally row: the worker's run marks the votes, then blocks writing the tallies.
    import psycopg2

    db = connection.settings_dict
    blocker = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )
    cursor = blocker.cursor()
    cursor.execute("SELECT 1 FROM nominations_tally WHERE nominee_id = %s FOR UPDATE", [nominees[0].pk])
    process_votes.delay()

    def worker_blocked():
        with connections["default"].cursor() as c:
            c.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%%nominations_tally%%'"
            )
            return c.fetchone()[0] > 0

    wait_for(worker_blocked, what="the worker to block inside its transaction")
    for child in worker.children():
        os.kill(child, signal.SIGKILL)
    blocker.rollback()
    blocker.close()
    wait_for(lambda: "WorkerLostError" in worker.log.read_text(), what="the worker to notice the lost child")
    wait_for(settled, what="the redelivered task", timeout=60)
    assert_tally_exact()
    log = worker.log.read_text()
    assert log.index("succeeded") > log.index("WorkerLostError")  # the same message ran again, to the end
    assert sum(n.tally.counted for n in nominees) == 6


def test_the_worker_uses_this_runs_redis_database_and_a_queue_of_its_own(worker):
    import re
    from urllib.parse import urlsplit

    log = worker.log.read_text()
    redis = urlsplit(os.environ["REDIS_URL"])
    where = f"{re.escape(redis.hostname)}:{redis.port or 6379}/{redis.path.lstrip('/') or 0}"
    assert re.search(rf"Connected to redis://(\S*@)?{where}$", log, re.MULTILINE), log
    assert f".> {worker.queue_name} " in log and ".> celery " not in log
    assert app.amqp.default_queue.name == worker.queue_name  # what the tests send goes there too
