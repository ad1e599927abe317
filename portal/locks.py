"""PostgreSQL advisory locks: one run at a time for background work that must not overlap.

SQLite serialises writers anyway, so there both are no-ops.
"""

import zlib
from contextlib import contextmanager

from django.db import connection


def lock_key(name: str) -> int:
    return zlib.crc32(name.encode())


def advisory_lock(name: str, *, wait: bool) -> bool:
    """A transaction-scoped lock, released with the transaction; without `wait`, False if it is taken."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_key(name)])
        return cursor.fetchone()[0]


@contextmanager
def single_instance(name: str):
    """A session-level lock around a periodic job: a second beat, or an overlapping run, does nothing."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
