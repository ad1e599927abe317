"""The database refuses UPDATE and DELETE on the audit log (PostgreSQL and SQLite).

Note for SQLite: a later migration that rebuilds certification_auditentry drops
these triggers; tests/certification/test_audit_log_append_only.py would then fail.
"""

from django.db import migrations

POSTGRES_CREATE = """
CREATE FUNCTION certification_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER certification_auditentry_append_only BEFORE UPDATE OR DELETE ON certification_auditentry
    FOR EACH ROW EXECUTE FUNCTION certification_auditentry_append_only();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS certification_auditentry_append_only ON certification_auditentry;
DROP FUNCTION IF EXISTS certification_auditentry_append_only();
"""

SQLITE_CREATE = [
    """
    CREATE TRIGGER certification_auditentry_no_update BEFORE UPDATE ON certification_auditentry
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END;
    """,
    """
    CREATE TRIGGER certification_auditentry_no_delete BEFORE DELETE ON certification_auditentry
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END;
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS certification_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS certification_auditentry_no_delete;",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("certification", "0001_vetting")]
    operations = [migrations.RunPython(create, drop)]
