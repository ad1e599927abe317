"""Locks that cannot leak: no session-level lock, a bounded wait, a dead holder frees them, cache locks expire."""

import threading
import zlib

import psycopg2
import pytest
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from nominations import tally
from nominations.tasks import reconcile
from portal import locks
from tests.factories import NomineeFactory, VoteFactory
from tests.pg_locks import advisory_lock_held, backend_pid, wait_until, waits_for_a_lock


def other_session():
    db = connection.settings_dict
    return psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"] or "127.0.0.1", port=db["PORT"]
    )


@pytest.mark.django_db
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL only")
def test_a_session_lock_left_by_a_lingering_backend_does_not_stop_the_reconcile():
    """A killed worker's backend that lingers (or a PgBouncer server connection) keeps its session locks."""
    VoteFactory(nominee=NomineeFactory(), confirmed_at=timezone.now())
    lingering = other_session()
    try:
        with lingering.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [zlib.crc32(b"nominations.reconcile")])
        assert reconcile() == 1
        assert tally.waiting_votes() == 0
    finally:
        lingering.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL only")
def test_a_lock_held_by_a_dead_backend_stops_blocking_when_the_backend_is_gone():
    VoteFactory(nominee=NomineeFactory(), confirmed_at=timezone.now())
    holder = other_session()  # a worker in the middle of a batch
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [locks.lock_key(tally.PROCESS_LOCK)])
        cursor.execute("SELECT pg_backend_pid()")
        holder_pid = cursor.fetchone()[0]
    outcome = {}

    def run():  # another worker's reconcile, on its own connection
        try:
            outcome["pid"] = backend_pid(connections["default"])
            outcome["processed"] = reconcile()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    wait_until(lambda: "pid" in outcome and waits_for_a_lock(outcome["pid"]), what="the reconcile to wait")
    with connection.cursor() as cursor:  # the worker was killed: its backend is terminated
        cursor.execute("SELECT pg_terminate_backend(%s)", [holder_pid])
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert outcome["processed"] == 1
    assert tally.waiting_votes() == 0
    assert not advisory_lock_held(locks.lock_key(tally.PROCESS_LOCK))
    holder.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL only")
def test_a_wait_for_a_hung_holder_is_bounded(monkeypatch):
    monkeypatch.setattr(locks, "LOCK_WAIT", "200ms")
    holder = other_session()
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [locks.lock_key(tally.PROCESS_LOCK)])
        with pytest.raises(OperationalError, match="lock timeout"):
            tally.process_pending_votes()
        with transaction.atomic():  # the timeout was for the lock only: the transaction's setting is put back
            assert locks.advisory_lock("another", wait=True)
            with connection.cursor() as cursor:
                cursor.execute("SHOW lock_timeout")
                assert cursor.fetchone()[0] == "0"
    finally:
        holder.close()


def test_a_run_lock_whose_holder_died_expires_with_its_time_to_live(settings):
    name = "test.single-instance"
    dead = locks.single_instance(name, ttl=1)
    assert dead.__enter__() is True  # and never leaves: the worker was killed
    with locks.single_instance(name, ttl=1) as acquired:
        assert not acquired  # an overlapping run does nothing

    def free():
        with locks.single_instance(name, ttl=1) as acquired:
            return acquired

    wait_until(free, what="the dead holder's lock to expire", timeout=5)
