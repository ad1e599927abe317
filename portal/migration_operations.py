"""Migration operations for big tables: indexes built without blocking writes on PostgreSQL.

`CREATE INDEX CONCURRENTLY` lets votes go on while an index on the vote table is built
(minutes at national scale); SQLite (`make run`, one of CI's suites) has no such thing and
gets a plain index. Use in a migration with `atomic = False`; tests/portal/test_concurrent_indexes.py
requires it for the big tables.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.migrations.operations import AddIndex, RemoveIndex
from django.db.migrations.operations.base import Operation


class AddIndexWithoutBlocking(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class RemoveIndexWithoutBlocking(RemoveIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


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
