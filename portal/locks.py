"""Locks for background work that cannot leak.

Two kinds, neither of which outlives its holder:

- `advisory_lock`: a PostgreSQL advisory lock scoped to the transaction. It is
  released at commit or rollback, and by the server when the backend ends, so
  a killed worker or PgBouncer's transaction pooling (which hands the server
  connection to someone else between transactions) can never leave it held.
  A wait is bounded by `lock_timeout`: a holder that hangs makes the waiter
  fail (a DatabaseError its task retries), not wait for ever.
- `single_instance`: "one run at a time" for a periodic job that spans several
  transactions, as a key in the cache (Redis) with a time to live. A killed
  worker's key expires on its own; an overlapping run just does nothing. It
  only saves duplicate work: correctness never rests on it, as each step takes
  its advisory lock.

SQLite serialises writers anyway, so there advisory locks are no-ops.
"""

import secrets
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache
from django.db import connection

# How long a transaction waits for an advisory lock before giving up (and its task retries).
LOCK_WAIT = "60s"


def lock_key(name: str) -> int:
    return zlib.crc32(name.encode())


def advisory_lock(name: str, *, wait: bool, timeout: str | None = None) -> bool:
    """A transaction-scoped lock, released with the transaction; without `wait`, False if it is taken.

    Must be called inside `transaction.atomic()`. The wait is bounded by `timeout`
    (PostgreSQL's lock_timeout, set for this transaction only and put back after).
    """
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute(
                "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)", [timeout or LOCK_WAIT]
            )
            previous = cursor.fetchone()[0]
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [lock_key(name)])
        return cursor.fetchone()[0]


@contextmanager
def single_instance(name: str, *, ttl: int) -> Iterator[bool]:
    """Yields whether this run holds `name`; the lock lives at most `ttl` seconds (set it to the task's hard limit).

    Released at the end by its holder only (a token), so a run that outlived its
    ttl does not free a later run's lock.
    """
    key = f"lock:{name}"
    token = secrets.token_hex(8)
    acquired = bool(cache.add(key, token, timeout=ttl))
    try:
        yield acquired
    finally:
        if acquired and cache.get(key) == token:
            cache.delete(key)
