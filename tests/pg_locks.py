"""Waiting for what PostgreSQL's pg_locks shows, with a bounded timeout, never for a fixed time."""

import time

from django.db import connection


def wait_until(condition, *, what: str, timeout: float = 10) -> None:
    """Poll `condition` until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


def advisory_lock_held(key: int) -> bool:
    """Whether any session holds this advisory lock (one bigint key) in the test database.

    Advisory locks belong to a database, so runs on other databases of the same server,
    which take the same keys, do not count.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT EXISTS (
                SELECT 1 FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND objsubid = 1
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND classid = (%(key)s >> 32)::oid AND objid = (%(key)s & 4294967295)::oid
            )
            """,
            {"key": key},
        )
        return cursor.fetchone()[0]


def waits_for_a_lock(pid: int) -> bool:
    """Whether the backend `pid` is blocked waiting for a lock (a row, a transaction, an advisory lock)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", [pid])
        return cursor.fetchone()[0]


def backend_pid(conn=connection) -> int:
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]
