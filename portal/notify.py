"""PostgreSQL LISTEN/NOTIFY: a writer announces committed work, a relay process wakes on it.

NOTIFY is transactional: sent inside the writer's transaction, it is delivered when
(and only if) that transaction commits, and identical notifications of one
transaction are delivered once. So a listener never hears of work that rolled back,
and a burst of writes wakes it once per transaction at most. A listener may still
miss a notification (it was not connected at the time), so every listener here
also wakes on a timeout and looks for work on its own (the catch-up).
"""

import select
from contextlib import suppress

from django.conf import settings
from django.db import connection

# In a hand-written statement: `SELECT ..., pg_notify(%s, '')` with the channel as a parameter.
NOTIFY_SQL = "pg_notify(%s, '')"


def notify(channel: str) -> None:
    """Announce work on this channel, delivered when the current transaction commits (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {NOTIFY_SQL}", [channel])


class Listener:
    """A connection of its own that LISTENs on a channel, outside Django's connection handling.

    LISTEN is session state, which a transaction-mode pooler (PgBouncer) does not keep: the
    connection goes to settings.LISTEN_DATABASE_URL (PostgreSQL itself) when set, else to
    the default database's address.

    wait() returns after a notification or after the timeout; either way the caller
    looks for work, so a missed notification delays work by one timeout at most.
    """

    def __init__(self, channel: str):
        import psycopg2
        import psycopg2.extensions

        self.channel = channel
        if settings.LISTEN_DATABASE_URL:
            self._conn = psycopg2.connect(settings.LISTEN_DATABASE_URL)
        else:
            self._conn = psycopg2.connect(**connection.get_connection_params())
        self._conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
        with self._conn.cursor() as cursor:
            cursor.execute(f'LISTEN "{channel}"')  # a direct session: see the class's docstring

    def wait(self, timeout: float) -> int:
        """Block until a notification arrives or timeout seconds pass; returns how many arrived (0: timed out)."""
        if not self._conn.notifies:
            readable, _w, _x = select.select([self._conn], [], [], timeout)
            if readable:
                self._conn.poll()
        count = len(self._conn.notifies)
        self._conn.notifies.clear()
        return count

    def close(self) -> None:
        with suppress(Exception):
            self._conn.close()
