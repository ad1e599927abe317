"""The audit log moves from the certification app to an app of its own: the same table, renamed, with its triggers.

State: the model is created here and deleted from certification (its 0008).
Database: the table, its append-only triggers and their function are renamed, and
the content type follows, so the roles keep their permission to view the log.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

POSTGRES_FORWARD = """
ALTER TABLE certification_auditentry RENAME TO audit_auditentry;
ALTER FUNCTION certification_auditentry_append_only() RENAME TO audit_auditentry_append_only;
ALTER TRIGGER certification_auditentry_append_only ON audit_auditentry RENAME TO audit_auditentry_append_only;
ALTER TRIGGER certification_auditentry_no_truncate ON audit_auditentry RENAME TO audit_auditentry_no_truncate;
"""
POSTGRES_BACKWARD = """
ALTER TRIGGER audit_auditentry_no_truncate ON audit_auditentry RENAME TO certification_auditentry_no_truncate;
ALTER TRIGGER audit_auditentry_append_only ON audit_auditentry RENAME TO certification_auditentry_append_only;
ALTER FUNCTION audit_auditentry_append_only() RENAME TO certification_auditentry_append_only;
ALTER TABLE audit_auditentry RENAME TO certification_auditentry;
"""


def _sqlite_triggers(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END;""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END;""",
    ]


def _sqlite_move(schema_editor, old: str, new: str) -> None:
    # Triggers are dropped and made again under the new name (SQLite would carry them along under the old one).
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {old}_no_update;", params=None)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {old}_no_delete;", params=None)
    schema_editor.execute(f"ALTER TABLE {old} RENAME TO {new};", params=None)
    for statement in _sqlite_triggers(new):
        schema_editor.execute(statement, params=None)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        _sqlite_move(schema_editor, "certification_auditentry", "audit_auditentry")
    _move_content_type(apps, "certification", "audit")


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, params=None)
    elif vendor == "sqlite":
        _sqlite_move(schema_editor, "audit_auditentry", "certification_auditentry")
    _move_content_type(apps, "audit", "certification")


def _move_content_type(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="auditentry").exists():
        ContentType.objects.filter(app_label=old, model="auditentry").update(app_label=new)


class Migration(migrations.Migration):
    initial = True
    dependencies = [
        ("certification", "0007_auditor_without_tallies"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="at")),
                        ("actor_name", models.CharField(max_length=150, verbose_name="actor name")),
                        ("action", models.CharField(db_index=True, max_length=40, verbose_name="action")),
                        ("object_type", models.CharField(max_length=100, verbose_name="object type")),
                        ("object_id", models.CharField(max_length=64, verbose_name="object id")),
                        ("object_repr", models.CharField(max_length=200, verbose_name="object")),
                        ("before", models.JSONField(blank=True, default=dict, verbose_name="before")),
                        ("after", models.JSONField(blank=True, default=dict, verbose_name="after")),
                        ("reason", models.TextField(blank=True, max_length=2000, verbose_name="reason")),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                to=settings.AUTH_USER_MODEL, verbose_name="actor",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "audit entry",
                        "verbose_name_plural": "audit log",
                        "ordering": ["-at", "-pk"],
                        "indexes": [models.Index(fields=["object_type", "object_id"], name="audit_object")],
                        "db_table": "certification_auditentry",
                    },
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AlterModelTable(name="AuditEntry", table=None)],
            database_operations=[migrations.RunPython(forward, backward)],
        ),
    ]
