"""New indexes on the big tables are built concurrently (AddIndexConcurrently in a non-atomic migration).

A plain CREATE INDEX on the vote table holds a lock that blocks every vote for as long as
the build takes (minutes at national scale). The migrations that existed before this rule
(built on small tables, before launch) are listed; every later one must build concurrently.
"""

import pytest
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader
from django.db.models import UniqueConstraint

# Tables that grow with votes: (app label, model name in lower case).
BIG_TABLES = {
    ("nominations", "vote"),
    ("nominations", "fraudflag"),
    ("nominations", "ledgerline"),
    ("audit", "auditentry"),
}
BEFORE_THE_RULE = {
    ("audit", "0002_hash_chain"),
    ("nominations", "0001_initial"),
    ("nominations", "0002_vetting_state_and_thresholds"),
    ("nominations", "0004_fraudflag_pending_reasons"),
    ("nominations", "0007_fraud_batch_indexes"),
    ("nominations", "0009_one_vocabulary_for_standings"),
    ("nominations", "0012_released_results"),
}


def blocking_index_builds(loader: MigrationLoader) -> list[str]:
    found = []
    for (app, name), migration in loader.disk_migrations.items():
        if (app, name) in BEFORE_THE_RULE:
            continue
        for operation in migration.operations:
            model = getattr(operation, "model_name", "").lower()
            if (app, model) not in BIG_TABLES:
                continue
            builds_index = isinstance(operation, operations.AddIndex) or (
                isinstance(operation, operations.AddConstraint) and isinstance(operation.constraint, UniqueConstraint)
            )
            if isinstance(operation, AddIndexConcurrently):
                if migration.atomic:
                    found.append(f"{app}.{name}: AddIndexConcurrently needs atomic = False")
            elif builds_index:
                found.append(f"{app}.{name}: {operation.describe()} (use AddIndexConcurrently)")
    return found


def test_indexes_on_big_tables_are_built_concurrently():
    assert blocking_index_builds(MigrationLoader(None, ignore_no_migrations=True)) == []


def test_the_rule_catches_a_plain_add_index():
    from django.db import migrations, models

    loader = MigrationLoader(None, ignore_no_migrations=True)

    class Migration(migrations.Migration):
        operations = [
            migrations.AddIndex(model_name="vote", index=models.Index(fields=["created_at"], name="vote_created"))
        ]

    loader.disk_migrations[("nominations", "9999_plain_index")] = Migration("9999_plain_index", "nominations")
    assert blocking_index_builds(loader) == [
        "nominations.9999_plain_index: Create index vote_created on field(s) created_at of model vote (use AddIndexConcurrently)"
    ]


@pytest.mark.django_db(transaction=True)
def test_the_portable_operation_builds_the_index_on_either_database():
    """Built and dropped outside a transaction (CONCURRENTLY on PostgreSQL, a plain index on SQLite)."""
    from django.apps import apps
    from django.db import connection, models
    from django.db.migrations.state import ProjectState

    from portal.migration_operations import AddIndexWithoutBlocking

    operation = AddIndexWithoutBlocking("vote", models.Index(fields=["email_sent_at"], name="vote_test_sent"))
    before = ProjectState.from_apps(apps)
    after = before.clone()
    operation.state_forwards("nominations", after)
    with connection.schema_editor(atomic=False) as editor:
        operation.database_forwards("nominations", editor, before, after)
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "nominations_vote")
    assert "vote_test_sent" in indexes
    with connection.schema_editor(atomic=False) as editor:
        operation.database_backwards("nominations", editor, after, before)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_the_partitioned_vote_table_each_partition_is_built_concurrently_and_attached():
    """CREATE INDEX CONCURRENTLY is refused on a partitioned table: ON ONLY the parent, then per partition."""
    from django.apps import apps
    from django.db import connection, models
    from django.db.migrations.state import ProjectState
    from django.test.utils import CaptureQueriesContext

    from nominations import partitions
    from portal.migration_operations import AddIndexWithoutBlocking, RemoveIndexWithoutBlocking
    from tests.factories import EditionFactory, VoteFactory

    for _ in range(2):
        partitions.ensure_partition(edition_id=EditionFactory().pk)
    VoteFactory()  # and one in the default partition
    children = {partitions.partition_name(i) for i in partitions.attached_edition_ids()} | {partitions.DEFAULT}

    def built() -> dict[str, bool]:
        """The index's partitions' indexes, attached to it, and whether the parent's is valid."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.relname FROM pg_inherits i JOIN pg_index x ON x.indexrelid = i.inhrelid "
                "JOIN pg_class t ON t.oid = x.indrelid WHERE i.inhparent = to_regclass('vote_test_sent')"
            )
            attached = {name for (name,) in cursor.fetchall()}
            cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('vote_test_sent')")
            row = cursor.fetchone()
        return {"attached": attached, "valid": bool(row and row[0])}

    operation = AddIndexWithoutBlocking("vote", models.Index(fields=["email_sent_at"], name="vote_test_sent"))
    before = ProjectState.from_apps(apps)
    after = before.clone()
    operation.state_forwards("nominations", after)
    with CaptureQueriesContext(connection) as queries, connection.schema_editor(atomic=False) as editor:
        operation.database_forwards("nominations", editor, before, after)
    statements = [q["sql"] for q in queries]
    assert any('ON ONLY "nominations_vote"' in s for s in statements)
    assert sum("CREATE INDEX CONCURRENTLY" in s for s in statements) == len(children)
    assert built() == {"attached": children, "valid": True}

    removal = RemoveIndexWithoutBlocking("vote", "vote_test_sent")
    with connection.schema_editor(atomic=False) as editor:
        removal.database_forwards("nominations", editor, after, before)
    assert built() == {"attached": set(), "valid": False}
    with connection.schema_editor(atomic=False) as editor:
        removal.database_backwards("nominations", editor, before, after)
    assert built() == {"attached": children, "valid": True}
    with connection.schema_editor(atomic=False) as editor:
        operation.database_backwards("nominations", editor, after, before)
    assert built() == {"attached": set(), "valid": False}
