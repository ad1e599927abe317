"""Chain the audit log: every entry gets `prev_hash` and `hash` (audit/chain.py), and back-dated rows are refused.

The entries already there are hashed here, in id order, with the UPDATE trigger
lifted inside this migration only (it is put back at the end, in the same
transaction on PostgreSQL). If there were any, a "audit.chain_started" entry closes
them: their times were never checked when they were written, so it lists those that
are earlier than the entry before them, and verification excuses exactly those.

A new trigger refuses an INSERT whose time is earlier than the newest entry's (and,
on PostgreSQL, whose id is not after it): the log only grows at its end.
"""

from django.db import migrations, models
from django.utils import timezone

from audit.chain import CHAIN_STARTED, GENESIS, entry_hash

TABLE = "audit_auditentry"
BATCH = 1000

POSTGRES_IN_ORDER = f"""
CREATE FUNCTION {TABLE}_in_order() RETURNS trigger AS $$
DECLARE
    head RECORD;
BEGIN
    SELECT id, at INTO head FROM {TABLE} ORDER BY id DESC LIMIT 1;
    IF FOUND AND (NEW.id <= head.id OR NEW.at < head.at) THEN
        RAISE EXCEPTION 'the audit log is append-only: entry % at % would go before entry % at %',
            NEW.id, NEW.at, head.id, head.at;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TABLE}_in_order BEFORE INSERT ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_in_order();
"""
POSTGRES_DROP_IN_ORDER = f"""
DROP TRIGGER IF EXISTS {TABLE}_in_order ON {TABLE};
DROP FUNCTION IF EXISTS {TABLE}_in_order();
"""

# As audit 0001 makes them; SQLite drops a table's triggers when a migration rebuilds it.
SQLITE_APPEND_ONLY = [
    f"""CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END;""",
]
# Times are stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC, which compare as text.
SQLITE_IN_ORDER = f"""CREATE TRIGGER {TABLE}_in_order BEFORE INSERT ON {TABLE}
    WHEN NEW.at < (SELECT at FROM {TABLE} ORDER BY id DESC LIMIT 1)
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: an entry older than the newest refused'); END;"""
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {TABLE}_{name};" for name in ("no_update", "no_delete", "in_order")]


def _execute(schema_editor, statements) -> None:
    for statement in [statements] if isinstance(statements, str) else statements:
        schema_editor.execute(statement, params=None)


def lift_append_only(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _execute(schema_editor, f"ALTER TABLE {TABLE} DISABLE TRIGGER {TABLE}_append_only;")
    elif vendor == "sqlite":
        _execute(schema_editor, SQLITE_DROP)


def restore_append_only(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _execute(schema_editor, f"ALTER TABLE {TABLE} ENABLE TRIGGER {TABLE}_append_only;")
    elif vendor == "sqlite":
        _execute(schema_editor, SQLITE_APPEND_ONLY)


def add_in_order(apps, schema_editor):
    restore_append_only(apps, schema_editor)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _execute(schema_editor, POSTGRES_IN_ORDER)
    elif vendor == "sqlite":
        _execute(schema_editor, SQLITE_IN_ORDER)


def drop_in_order(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _execute(schema_editor, POSTGRES_DROP_IN_ORDER)
    lift_append_only(apps, schema_editor)


def hash_existing_entries(apps, schema_editor):
    """Chain the existing entries in id order, in batches; then close them with a chain_started entry."""
    AuditEntry = apps.get_model("audit", "AuditEntry")
    entries = AuditEntry.objects.using(schema_editor.connection.alias)
    prev_hash, previous_at, last_id, count, out_of_order = GENESIS, None, 0, 0, []
    while batch := list(entries.filter(pk__gt=last_id).order_by("pk")[:BATCH]):
        for entry in batch:
            if previous_at is not None and entry.at < previous_at:
                out_of_order.append(entry.pk)
            entry.prev_hash = prev_hash
            entry.hash = prev_hash = entry_hash(entry, prev_hash)
            previous_at, last_id = entry.at, entry.pk
        entries.bulk_update(batch, ["prev_hash", "hash"])
        count += len(batch)
    if not count:
        return
    latest = entries.order_by("-at").values_list("at", flat=True).first()
    marker = AuditEntry(
        at=max(timezone.now(), latest),
        actor=None,
        actor_name="system",
        action=CHAIN_STARTED,
        object_type="audit.auditentry",
        object_id=str(last_id),
        object_repr="audit log",
        before={},
        after={"entries": count, "out_of_order": out_of_order},
        reason="The entries before this one were chained when the chain was introduced.",
        prev_hash=prev_hash,
    )
    marker.hash = entry_hash(marker, prev_hash)
    marker.save(using=schema_editor.connection.alias, force_insert=True)
    _settle_deferred_checks(schema_editor)


def _settle_deferred_checks(schema_editor):
    # PostgreSQL refuses to ALTER a table with deferred foreign-key checks pending on it.
    if schema_editor.connection.vendor == "postgresql":
        _execute(schema_editor, "SET CONSTRAINTS ALL IMMEDIATE;")


def unhash(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    AuditEntry.objects.using(schema_editor.connection.alias).filter(action=CHAIN_STARTED).delete()
    _settle_deferred_checks(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [
        migrations.RunPython(lift_append_only, restore_append_only),
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="previous hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="hash"),
            preserve_default=False,
        ),
        migrations.RunPython(hash_existing_entries, unhash),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(fields=("prev_hash",), name="audit_one_successor"),
        ),
        migrations.RunPython(add_in_order, drop_in_order),
    ]
