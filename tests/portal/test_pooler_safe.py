"""Code and settings that work behind PgBouncer in transaction mode: no session state outlives a transaction."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from portal.paging import by_key

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "audit", "nominations", "certification")

# Session state a pooled server connection would carry to the next client, or lose.
SESSION_STATE = {
    "a session advisory lock": re.compile(r"pg_(try_)?advisory_lock\("),
    "a session setting (use SET LOCAL)": re.compile(r"""["']SET (?!LOCAL\b)(?!CONSTRAINTS\b)"""),
    "LISTEN on a pooled connection": re.compile(r"""["']LISTEN """, re.I),
    "a prepared statement": re.compile(r"""["']PREPARE """, re.I),
    "a temporary table": re.compile(r"CREATE TEMP(ORARY)? TABLE", re.I),
}
# A server-side cursor outlives its transaction in autocommit: read big tables with portal.paging.by_key.
SERVER_SIDE_CURSOR = re.compile(r"\.iterator\(")
# Read inside the caller's transaction (a cursor that ends with it is safe behind a pooler).
ITERATOR_INSIDE_A_TRANSACTION = {"nominations/ledger/core.py"}
# The session lock the processing lock takes today; issue 11 item 5 replaces it with
# transaction-scoped or Redis TTL locks: delete this entry with it.
SESSION_LOCK_BEING_REPLACED = "portal/locks.py: a session advisory lock"
# The outbox relay's listener connects past the pooler (settings.LISTEN_DATABASE_URL).
DIRECT_SESSION = "portal/notify.py: LISTEN on a pooled connection"


def python_files():
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_no_session_state_in_the_code():
    found = []
    for path in python_files():
        text = path.read_text()
        for what, pattern in SESSION_STATE.items():
            if pattern.search(text):
                found.append(f"{path.relative_to(ROOT)}: {what}")
    assert [entry for entry in found if entry not in (SESSION_LOCK_BEING_REPLACED, DIRECT_SESSION)] == []


def test_no_server_side_cursor_outside_a_transaction():
    found = [
        str(path.relative_to(ROOT))
        for path in python_files()
        if SERVER_SIDE_CURSOR.search(path.read_text())
        and str(path.relative_to(ROOT)) not in ITERATOR_INSIDE_A_TRANSACTION
    ]
    assert found == []


@pytest.mark.parametrize("value,expected", [("1", "True"), ("", "False")])
def test_transaction_mode_turns_server_side_cursors_off(value, expected):
    env = {**os.environ, "DATABASE_POOLER_TRANSACTION_MODE": value, "REPLICA_DATABASE_URL": "postgres://r@replica/db"}
    code = "from django.conf import settings as s; d = s.DATABASES; print(d['default']['DISABLE_SERVER_SIDE_CURSORS'], d['replica']['DISABLE_SERVER_SIDE_CURSORS'], s.READ_REPLICA)"
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**env, "DJANGO_SETTINGS_MODULE": "portal.settings", "TESTING": "1"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == [expected, expected, "replica"]


@pytest.mark.django_db
def test_paging_by_key_reads_every_row_once_in_order(django_assert_num_queries):
    names = [f"group-{i}" for i in range(5)]
    Group.objects.bulk_create(Group(name=name) for name in names)
    rows = Group.objects.filter(name__startswith="group-").values_list("pk", "name")
    with django_assert_num_queries(3):  # pages of 2, 2 and 1
        assert [name for _pk, name in by_key(rows, page=2)] == names


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_relay_listens_on_a_direct_connection_when_one_is_given(settings):
    from django.db import connection

    from portal.notify import Listener

    if connection.vendor != "postgresql":
        pytest.skip("LISTEN is PostgreSQL's")
    params = connection.get_connection_params()
    settings.LISTEN_DATABASE_URL = (
        f"postgresql://{params.get('user', '')}@{params.get('host') or '127.0.0.1'}:{params.get('port') or 5432}"
        f"/{params.get('database') or params['dbname']}?application_name=relay-direct"
    )
    listener = Listener("test_direct_listen")
    try:
        with listener._conn.cursor() as cursor:
            cursor.execute("SELECT current_setting('application_name')")
            assert cursor.fetchone()[0] == "relay-direct"
    finally:
        listener.close()
