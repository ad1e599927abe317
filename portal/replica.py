"""Reads of frozen, public data from a read replica (REPLICA_DATABASE_URL), through a database router.

Only pages whose data no longer changes once results are frozen read from the replica:
the published results and ledgers, the registry of certificates and the verification
page and API. They run inside `replica_reads()` (the `reads_from_replica` decorator);
everything else, and every write, goes to the primary. The replica may lag the primary
by its replication delay (well under a second on a healthy streaming replica): a
revocation shows on the verification page after that delay, and the results page reads
the edition's release state on the primary first, so a release shows at once.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


def replica_alias() -> str:
    """The alias reads may go to (settings.READ_REPLICA), or "" when there is no replica."""
    return getattr(settings, "READ_REPLICA", "")


@contextmanager
def replica_reads() -> Iterator[None]:
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def stream_from_replica(content: Iterable) -> Iterator:
    # A streamed response is produced after the view returned: read each chunk inside the context too.
    iterator = iter(content)
    while True:
        with replica_reads():
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


def reads_from_replica(view: Callable) -> Callable:
    """The view's reads (and a streamed body's) go to the replica, when one is configured."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with replica_reads():
            response = view(request, *args, **kwargs)
        if getattr(response, "streaming", False) and not getattr(response, "is_async", False):
            response.streaming_content = stream_from_replica(response.streaming_content)
        return response

    return wrapped


class ReplicaRouter:
    """Reads inside `replica_reads()` go to the replica; every write, and every other read, to the primary."""

    def db_for_read(self, model, **hints):
        alias = replica_alias()
        if alias and _replica_reads.get():
            return alias
        # An object read from the replica and used later outside the context reads on the primary.
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        # Never the replica, even for an object that was read from it.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary's migrations through replication.
        return False if db == "replica" else None
