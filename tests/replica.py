"""Which database alias a request's queries went to (the replica alias is a test mirror of the default database)."""

from contextlib import ExitStack, contextmanager

from django.db import connections
from django.test.utils import CaptureQueriesContext


@contextmanager
def queries_by_alias(*aliases: str):
    """{alias: [sql, ...]} of the queries run inside the block."""
    captured = {alias: CaptureQueriesContext(connections[alias]) for alias in aliases}
    found: dict[str, list[str]] = {}
    with ExitStack() as stack:
        for context in captured.values():
            stack.enter_context(context)
        yield found
    for alias, context in captured.items():
        found[alias] = [query["sql"] for query in context.captured_queries]


def reads_table(queries: list[str], table: str) -> bool:
    return any(f'"{table}"' in sql for sql in queries)
