"""The database also refuses TRUNCATE on the audit log (PostgreSQL).

The row triggers of 0002 do not see a TRUNCATE, which empties the table at once.
SQLite has no TRUNCATE (its "DELETE FROM" fires the row trigger). Test flushes of
transactional tests lift this trigger around the flush only (tests/conftest.py).
"""

from django.db import migrations

TRIGGER = "certification_auditentry_no_truncate"
POSTGRES_CREATE = f"""
CREATE TRIGGER {TRIGGER} BEFORE TRUNCATE ON certification_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION certification_auditentry_append_only();
"""
POSTGRES_DROP = f"DROP TRIGGER IF EXISTS {TRIGGER} ON certification_auditentry;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("certification", "0005_programme_manager_certificates")]
    operations = [migrations.RunPython(create, drop)]
