"""Reading a large table in pages by key instead of through a server-side cursor.

A streamed download or a long check outlives any one transaction; behind PgBouncer in
transaction mode a server-side cursor cannot (DISABLE_SERVER_SIDE_CURSORS is on there),
and without it psycopg2 would fetch the whole result into memory. Pages by an indexed,
unique key keep memory flat and every query short, with or without a pooler.
"""

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet


def by_key(queryset: QuerySet, *, key: str = "pk", page: int = 10000) -> Iterator[Any]:
    """The queryset's rows in `key` order, one page per query. `key` must be unique and the first value of a values_list row (or a field of the objects)."""
    last = None
    while True:
        chunk = queryset.order_by(key)
        if last is not None:
            chunk = chunk.filter(**{f"{key}__gt": last})
        rows = list(chunk[:page])
        yield from rows
        if len(rows) < page:
            return
        tail = rows[-1]
        last = tail[0] if isinstance(tail, tuple) else getattr(tail, key)
