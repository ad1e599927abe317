"""The database backend's health check: no `SELECT 1` per request while the connection is known good, yet a
connection the server closed is noticed before the request's first query, as with Django's check."""

import time

import psycopg2
import pytest
from django.db import connection, connections

from portal.postgresql.base import DatabaseWrapper

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's own check"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def health_checks(monkeypatch):
    """Django's SELECT 1, observed: every call is recorded and then run as usual."""
    calls = []
    original = DatabaseWrapper.is_usable

    def recording(self):
        calls.append(self.alias)
        return original(self)

    monkeypatch.setattr(DatabaseWrapper, "is_usable", recording)
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    connection.health_check_enabled = True
    yield calls
    connection.health_check_enabled = connection.settings_dict["CONN_HEALTH_CHECKS"]


def next_request_query():
    """What a request's first query does: the start-of-request reset, then the check, then the query."""
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_the_settings_use_this_backend():
    assert isinstance(connections["default"], DatabaseWrapper)


def test_a_good_connection_costs_no_select_1(health_checks):
    first = next_request_query()
    assert next_request_query() == first
    assert health_checks == []


def test_a_connection_the_server_closed_is_replaced_before_the_first_query(health_checks):
    doomed = next_request_query()
    db = connection.settings_dict
    admin = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [doomed])
        # Until the backend is gone, its FATAL message may not have reached our socket yet.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [doomed])
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.02)
    admin.close()
    assert next_request_query() != doomed  # reconnected, not a failed request
