"""Django's PostgreSQL backend with a health check that costs no round trip while the connection is known good.

With CONN_HEALTH_CHECKS Django sends `SELECT 1` before the first query of every
request on a persistent connection: a round trip and a statement's CPU on both
sides, per request. Here the check first asks the kernel: an idle connection in
good order has nothing to read on its socket. A server that closed it (restart,
pg_terminate_backend, an idle timeout, PgBouncer) has sent its FATAL message or its
end of stream, which makes the socket readable or hung up. Only then, or when the
client-side state is not "idle, no transaction", does Django's `SELECT 1` run, and
close the connection if it fails. A silently dropped peer (no FIN ever arrives) would
hang `SELECT 1` as long as the request's first query, so it is no loss there.
"""

import select

from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper

# libpq's PQTRANS_IDLE: connected, no transaction open (psycopg2 and psycopg 3 alike).
_TRANSACTION_IDLE = 0
_ANYTHING_TO_READ = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP


class DatabaseWrapper(PostgreSQLDatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not getattr(self, "pool", None)
            and self._known_good()
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _known_good(self) -> bool:
        """Open, idle, and nothing waiting on the socket: no round trip needed."""
        conn = self.connection
        try:
            if conn.closed or conn.info.transaction_status != _TRANSACTION_IDLE:
                return False
            poller = select.poll()
            poller.register(conn.fileno(), _ANYTHING_TO_READ)
            return not poller.poll(0)
        except (OSError, ValueError, AttributeError):
            return False
