import importlib
from contextlib import contextmanager

import pytest
from django.db import connection

from tests.factories import UserFactory

hash_chain_migration = importlib.import_module("audit.migrations.0002_hash_chain")

# For the transactional tests here (threads, other database roles, migrations).
TRANSACTIONAL = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="session", autouse=True)
def _serialized_transactional_tests_leave_the_migrated_data():
    """A transactional test ends with a flush, which also empties what migrations created (the roles' groups).

    The tests marked TRANSACTIONAL put it back after their flush, so the transactional tests
    of other apps that run after them (pytest-django runs them last) find it as they would
    have without them.
    """
    from unittest import mock

    from django.db import connections
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown

    def fixture_teardown(self):
        original(self)
        if self.serialized_rollback:
            for alias in self._databases_names(include_mirrors=False):
                contents = getattr(connections[alias], "_test_serialized_contents", None)
                if contents:
                    connections[alias].creation.deserialize_db_from_string(contents)

    with mock.patch.object(TransactionTestCase, "_fixture_teardown", fixture_teardown):
        yield


@pytest.fixture
def auditor(db):
    return UserFactory(username="anna", groups=["Auditor"])


@pytest.fixture
def manager(db):
    return UserFactory(username="maria", groups=["Programme manager"])


@contextmanager
def triggers_lifted():
    """What the owner of the table can do by hand and the app's role cannot: edit the log with its triggers off."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no ALTER TABLE with deferred checks pending
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        else:
            for statement in hash_chain_migration.SQLITE_DROP:
                cursor.execute(statement)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER USER")
            else:
                for statement in [*hash_chain_migration.SQLITE_APPEND_ONLY, hash_chain_migration.SQLITE_IN_ORDER]:
                    cursor.execute(statement)


def by_hand(sql: str, params=()) -> None:
    with triggers_lifted(), connection.cursor() as cursor:
        cursor.execute(sql, params)
