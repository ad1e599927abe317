"""The role the web, worker and beat log in as cannot switch the audit log's protection off, and the app works under it.

grant_app_role gives it DML on the tables and only SELECT and INSERT on the audit log;
it owns nothing, so DDL, disabling triggers and session_replication_role are refused.
"""

import uuid
from contextlib import contextmanager
from io import StringIO

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from psycopg2 import errors

from audit import services as audit
from nominations import mail, services
from nominations.client import ClientInfo
from nominations.models import Tally, Vote
from nominations.tally import process_pending_votes, recount_edition
from tests.factories import NomineeFactory

from .conftest import TRANSACTIONAL

pytestmark = [
    pytest.mark.postgres,
    TRANSACTIONAL,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]

PASSWORD = "app-role-test-password"
REFUSED_TO_THE_APP = [
    "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL",
    "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_auditentry_append_only",
    "DROP TRIGGER audit_auditentry_append_only ON audit_auditentry",
    "SET session_replication_role = replica",
    "UPDATE audit_auditentry SET reason = 'rewritten'",
    "DELETE FROM audit_auditentry",
    "TRUNCATE audit_auditentry",
    "CREATE TABLE audit_shadow (id int)",
    "ALTER TABLE nominations_vote ADD COLUMN extra int",
    "TRUNCATE nominations_vote",
    "SELECT setval(pg_get_serial_sequence('audit_auditentry', 'id'), 1)",
]


@pytest.fixture
def app_role(monkeypatch):
    """A role made by grant_app_role (run twice: it is idempotent), unique to this run, dropped afterwards."""
    name = f"test_portal_app_{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("APP_DB_PASSWORD", PASSWORD)
    for _run in range(2):
        call_command("grant_app_role", "--role", name, stdout=StringIO())
    try:
        yield name
    finally:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{name}"')
            cursor.execute(f'DROP ROLE "{name}"')


def connect_as(role):
    settings = connection.settings_dict
    raw = psycopg2.connect(
        dbname=settings["NAME"],
        user=role,
        password=PASSWORD,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    )
    raw.autocommit = True
    return raw


@contextmanager
def django_as(role):
    """The app's own database connection, logged in as `role` for the block."""
    settings = connection.settings_dict
    saved = settings["USER"], settings["PASSWORD"]
    connection.close()
    settings["USER"], settings["PASSWORD"] = role, PASSWORD
    try:
        yield
    finally:
        connection.close()
        settings["USER"], settings["PASSWORD"] = saved


@pytest.mark.parametrize("statement", REFUSED_TO_THE_APP)
def test_the_app_role_cannot_lift_the_protection_of_the_log(app_role, edition, statement):
    audit.record(actor=None, action="test.one", obj=edition, reason="why")
    raw = connect_as(app_role)
    try:
        with raw.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app_role
            with pytest.raises(errors.InsufficientPrivilege):
                cursor.execute(statement)
            cursor.execute("SELECT count(*), min(reason) FROM audit_auditentry")
            assert cursor.fetchone() == (1, "why")
    finally:
        raw.close()


def test_the_app_role_owns_nothing_and_is_no_superuser(app_role):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, "
            "(SELECT count(*) FROM pg_class WHERE relowner = pg_roles.oid) FROM pg_roles WHERE rolname = %s",
            [app_role],
        )
        assert cursor.fetchone() == (False, False, False, False, 0)


def test_the_app_works_under_the_app_role(app_role, client, edition):
    from tests.factories import UserFactory

    manager = UserFactory(username="maria", groups=["Programme manager"])
    nominee = NomineeFactory()
    with django_as(app_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app_role
        # A voter votes and confirms; the batch run and a full recount count it.
        services.cast_vote(nominee=nominee, email="jan.kowalski@example.com", client=ClientInfo(1, 2, "pytest"))
        vote = Vote.objects.get(nominee=nominee)
        services.confirm_vote(token=mail.confirmation_token(vote))
        process_pending_votes()
        assert recount_edition(nominee.edition) >= 1
        tally = Tally.objects.get(nominee=nominee)
        assert tally.counted + tally.held == 1
        # The audit log: appended to through the services, read and checked.
        audit.record(actor=manager, action="test.one", obj=edition, after={"n": 1})
        audit.record_many(
            actor=None,
            action="test.many",
            changes=[audit.Change(obj=edition, before={}, after={"n": n}) for n in range(3)],
        )
        verdict = audit.verify_log()
        assert verdict.ok and verdict.count == 4
        # The admin: a session is written, the log's page read.
        client.force_login(manager)
        page = client.get(reverse("admin:audit_auditentry_changelist")).content.decode()
        assert audit.chain_head().hash in page
