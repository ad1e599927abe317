"""Migration operations for big tables: indexes built without blocking writes on PostgreSQL.

`CREATE INDEX CONCURRENTLY` lets votes go on while an index on the vote table is built
(minutes at national scale); SQLite (`make run`, one of CI's suites) has no such thing and
gets a plain index. Use in a migration with `atomic = False`; tests/portal/test_concurrent_indexes.py
requires it for the big tables. On a partitioned table (the vote table, docs/partitioning.md)
PostgreSQL refuses CONCURRENTLY on the parent: the index is built partition by partition.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.migrations.operations import AddIndex, RemoveIndex
from django.db.migrations.operations.base import Operation


def _partitions(schema_editor, table: str) -> list[str] | None:
    """The partitions of a partitioned table, or None when the table is a plain one."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
        if not (row and row[0]):
            return None
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [table],
        )
        return [name for (name,) in cursor.fetchall()]


def partition_index_name(partition: str, index_name: str) -> str:
    return f"{partition}_{index_name}"[:63]


def add_partitioned_index(schema_editor, model, index, partitions: list[str]) -> None:
    """CREATE INDEX CONCURRENTLY is refused on a partitioned table: the index is made ON ONLY the parent
    (invalid, empty, instant), built concurrently on each partition, and each attached; once every
    partition has its index the parent's is valid. Votes go on throughout."""
    quote, table = schema_editor.quote_name, model._meta.db_table
    parent_sql = str(index.create_sql(model, schema_editor))
    on = f" ON {quote(table)}"
    assert on in parent_sql, parent_sql
    schema_editor.execute(parent_sql.replace(on, f" ON ONLY {quote(table)}", 1))
    for partition in partitions:
        built = index.clone()
        built.name = partition_index_name(partition, index.name)
        statement = built.create_sql(model, schema_editor, concurrently=True)
        statement.rename_table_references(table, partition)
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {quote(built.name)}")  # a build that failed half-way
        schema_editor.execute(str(statement))
        schema_editor.execute(f"ALTER INDEX {quote(index.name)} ATTACH PARTITION {quote(built.name)}")


def drop_partitioned_index(schema_editor, index) -> None:
    """DROP INDEX CONCURRENTLY is refused on a partitioned index: a plain DROP, which takes the table's
    lock for the moment it takes to drop (no scan), with each partition's index."""
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index.name)}")


class AddIndexWithoutBlocking(AddIndexConcurrently):
    """AddIndexConcurrently on PostgreSQL (per partition on a partitioned table); AddIndex elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        partitions = _partitions(schema_editor, model._meta.db_table)
        if partitions is None:
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        self._ensure_not_in_transaction(schema_editor)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            add_partitioned_index(schema_editor, model, self.index, partitions)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if _partitions(schema_editor, model._meta.db_table) is None:
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        drop_partitioned_index(schema_editor, self.index)


class RemoveIndexWithoutBlocking(RemoveIndexConcurrently):
    """RemoveIndexConcurrently on PostgreSQL (a plain DROP on a partitioned table); RemoveIndex elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        if _partitions(schema_editor, model._meta.db_table) is None:
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
        drop_partitioned_index(schema_editor, index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        partitions = _partitions(schema_editor, model._meta.db_table)
        if partitions is None:
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        self._ensure_not_in_transaction(schema_editor)
        index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
        add_partitioned_index(schema_editor, model, index, partitions)


class SkipOnPostgreSQL(Operation):
    """The wrapped operation's state change everywhere, its schema change everywhere but PostgreSQL.

    For a migration whose PostgreSQL side is hand-written (nominations 0025 rebuilds the vote
    table partitioned, with the new constraints built there): SQLite gets Django's own change.
    """

    reduces_to_sql = False

    def __init__(self, operation):
        self.operation = operation
        super().__init__()

    def deconstruct(self):
        return self.__class__.__qualname__, [self.operation], {}

    def describe(self):
        return f"{self.operation.describe()} (not on PostgreSQL)"

    @property
    def reversible(self):
        return self.operation.reversible

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def references_model(self, name, app_label):
        return self.operation.references_model(name, app_label)
