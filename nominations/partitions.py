"""The vote table's partitions on PostgreSQL (docs/partitioning.md).

`nominations_vote` is `PARTITION BY LIST (edition_id)` (migration 0025): one partition
per edition, `nominations_vote_e<id>`, made when the edition is made (before any vote can
arrive), and a default partition that catches a vote of an edition without one. A
finished, released edition's partition can be detached, so its rows and index pages
leave the tables the running editions write. SQLite keeps one plain table: every
function here does nothing there.
"""

import logging
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

log = logging.getLogger(__name__)

PARENT = "nominations_vote"
DEFAULT = "nominations_vote_default"
# Making or detaching a partition takes an ACCESS EXCLUSIVE lock on the vote table for a
# moment. Waiting for it queues every vote behind the request, so give up quickly instead
# (the nightly task or the operator tries again).
LOCK_TIMEOUT = "2s"


def partition_name(edition_id: int) -> str:
    return f"nominations_vote_e{int(edition_id)}"


def flags_archive_name(edition_id: int) -> str:
    return f"nominations_fraudflag_e{int(edition_id)}"


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", [PARENT])
        row = cursor.fetchone()
    return bool(row and row[0])


def attached_edition_ids() -> set[int]:
    """The editions with a partition of their own attached to the vote table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [PARENT],
        )
        names = [name for (name,) in cursor.fetchall()]
    prefix = partition_name(0)[:-1]
    return {int(name[len(prefix) :]) for name in names if name.startswith(prefix) and name[len(prefix) :].isdigit()}


def _exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return cursor.fetchone()[0]


def ensure_partition(*, edition_id: int) -> str:
    """Make the edition's partition if it has none: "created", "exists", "busy" (the lock was not had
    within LOCK_TIMEOUT), "in default" (votes of it already sit in the default partition, where they
    stay; docs/partitioning.md says how to move them), or "" on a database without partitions.

    In the caller's transaction when there is one (a savepoint of its own), so an edition and its
    partition are made together.
    """
    if not is_partitioned():
        return ""
    name = partition_name(edition_id)
    if _exists(name):
        return "exists"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {DEFAULT} WHERE edition_id = %s)", [edition_id])
            if cursor.fetchone()[0]:
                log.warning("Votes of edition %s are in the default partition; no partition made for it.", edition_id)
                return "in default"
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {PARENT} FOR VALUES IN ({int(edition_id)})")
    except DatabaseError as error:
        if _exists(name):
            return "exists"  # made by a concurrent call
        log.warning("No partition for edition %s yet (%s); the nightly task tries again.", edition_id, error)
        return "busy"
    return "created"


def ensure_partitions(edition_ids) -> dict[str, int]:
    """ensure_partition for each edition, as counts per outcome."""
    outcomes: dict[str, int] = {}
    if not is_partitioned():
        return outcomes
    attached = attached_edition_ids()
    for edition_id in edition_ids:
        outcome = "exists" if edition_id in attached else ensure_partition(edition_id=edition_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@dataclass(frozen=True)
class Detached:
    partition: str
    votes: int
    flags_archive: str
    flags: int


def detach(*, edition_id: int) -> Detached:
    """Take the edition's partition out of the vote table, and its flags out of the flag table.

    The flags' foreign key (edition_id, vote_id) points into the vote table, so PostgreSQL
    refuses to detach a partition whose votes have flags: they move, in the same transaction,
    to a table of their own beside it (`nominations_fraudflag_e<id>`), with the same two-column
    key into the detached partition. The caller has checked the edition is finished, released
    and without a pending flag (deleting settled flags changes no vote: the trigger of migration
    0019 finds every vote's pending bits already 0). Not CONCURRENTLY: the default partition
    forbids it; the ACCESS EXCLUSIVE lock is held for the copy of the edition's flags.
    """
    partition, archive = partition_name(edition_id), flags_archive_name(edition_id)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute(f"LOCK TABLE {PARENT} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(
            f"CREATE TABLE {archive} (LIKE nominations_fraudflag INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            "INCLUDING INDEXES)"
        )
        cursor.execute(
            f"WITH moved AS (DELETE FROM nominations_fraudflag WHERE edition_id = %s RETURNING *) "
            f"INSERT INTO {archive} SELECT * FROM moved",
            [edition_id],
        )
        flags = cursor.rowcount
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {partition}")
        cursor.execute(
            f"ALTER TABLE {archive} ADD CONSTRAINT {archive}_vote FOREIGN KEY (edition_id, vote_id) "
            f"REFERENCES {partition} (edition_id, id)"
        )
        cursor.execute(f"SELECT count(*) FROM {partition}")
        votes = cursor.fetchone()[0]
    return Detached(partition=partition, votes=votes, flags_archive=archive, flags=flags)
