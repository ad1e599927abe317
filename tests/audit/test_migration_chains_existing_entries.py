"""audit 0002 hashes the entries already in the log, in id order, and closes them with a chain_started entry."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from audit import chain
from audit import services as audit
from audit.models import AuditEntry

from .conftest import TRANSACTIONAL, triggers_lifted

pytestmark = TRANSACTIONAL

BEFORE = [("audit", "0001_initial")]
AFTER = [("audit", "0002_hash_chain")]


@pytest.fixture
def unchained_log():
    """The database as it was before 0002, with three entries, the third written a moment before the second."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    OldEntry = executor.loader.project_state(BEFORE).apps.get_model("audit", "AuditEntry")
    now = timezone.now() - timedelta(hours=1)
    common = {"actor_name": "system", "object_type": "nominations.edition", "object_id": "1", "object_repr": "2027"}
    ids = [
        OldEntry.objects.create(at=at, action=action, after={"n": n}, **common).pk
        for n, (at, action) in enumerate(
            [
                (now, "test.first"),
                (now + timedelta(seconds=2), "test.second"),
                (now + timedelta(seconds=1), "test.third"),
            ]
        )
    ]
    try:
        yield ids
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        with triggers_lifted():  # the test's flush would be refused (SQLite)
            AuditEntry.objects.all().delete()


def test_existing_entries_are_chained_in_id_order_and_verify(unchained_log):
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    entries = list(AuditEntry.objects.order_by("pk"))
    assert [e.pk for e in entries[:3]] == unchained_log
    assert [e.prev_hash for e in entries] == [chain.GENESIS] + [e.hash for e in entries[:-1]]
    started = entries[3]
    assert started.action == chain.CHAIN_STARTED
    assert started.after == {"entries": 3, "out_of_order": [unchained_log[2]]}
    assert audit.verify_log().ok


def test_new_entries_follow_the_chained_ones(unchained_log, edition):
    MigrationExecutor(connection).migrate(AFTER)
    entry = audit.record(actor=None, action="test.new", obj=edition)
    assert entry.prev_hash == AuditEntry.objects.get(action=chain.CHAIN_STARTED).hash
    verdict = audit.verify_log()
    assert (verdict.ok, verdict.count, verdict.head) == (True, 5, entry.hash)


def test_only_the_listed_old_entries_are_excused_from_the_time_order(unchained_log, edition):
    MigrationExecutor(connection).migrate(AFTER)
    head = audit.chain_head()
    forged = AuditEntry(
        at=head.at - timedelta(days=1),
        actor=None,
        actor_name="system",
        action="test.forged",
        object_type="nominations.edition",
        object_id="1",
        object_repr="2027",
        prev_hash=head.hash,
    )
    forged.hash = chain.entry_hash(forged, forged.prev_hash)
    with triggers_lifted():
        forged.save(force_insert=True)
    verdict = audit.verify_log()
    assert (verdict.broken_id, verdict.problems) == (forged.pk, [chain.OUT_OF_ORDER])


def test_the_migration_can_be_undone_and_done_again(unchained_log):
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    assert AuditEntry.objects.filter(action=chain.CHAIN_STARTED).count() == 1
    assert audit.verify_log().ok
