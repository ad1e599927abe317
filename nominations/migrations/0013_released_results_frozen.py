"""Released results are frozen: the database refuses an UPDATE of them; and editions released before are frozen now.

An amendment adds a version, so nothing ever updates these rows. DELETE is left
to the database owner (verify_results reports a missing version, and the audit
log keeps every version's digests). Editions released before this migration get
their version 1 from their votes as they are now; no audit entry records its
digests, which verify_results reports.
Note for SQLite: a later migration that rebuilds one of these tables drops its trigger.
"""

import secrets

from django.db import migrations

TABLES = ("nominations_releasedresults", "nominations_releasedcategory", "nominations_releasedfigure", "nominations_ledgerline")

POSTGRES_CREATE = """
CREATE FUNCTION nominations_released_results_frozen() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'released results are frozen: UPDATE of % refused (an amendment adds a version)', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION nominations_released_results_frozen();\n"
    for table in TABLES
)
POSTGRES_DROP = "".join(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION IF EXISTS nominations_released_results_frozen();"
)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE, params=None)
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'released results are frozen: UPDATE refused'); END;",
                params=None,
            )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP, params=None)
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen;", params=None)


def freeze_earlier_releases(apps, schema_editor):
    from nominations.ledger import compute  # a pure function over plain rows

    Edition = apps.get_model("nominations", "Edition")
    Category = apps.get_model("nominations", "Category")
    Nominee = apps.get_model("nominations", "Nominee")
    Vote = apps.get_model("nominations", "Vote")
    FraudFlag = apps.get_model("nominations", "FraudFlag")
    ReleasedResults = apps.get_model("nominations", "ReleasedResults")
    ReleasedCategory = apps.get_model("nominations", "ReleasedCategory")
    ReleasedFigure = apps.get_model("nominations", "ReleasedFigure")
    LedgerLine = apps.get_model("nominations", "LedgerLine")
    released = Edition.objects.filter(results_released_at__isnull=False, results_released_by__isnull=False)
    for edition in released.exclude(pk__in=ReleasedResults.objects.values("edition_id")):
        key = secrets.token_hex(32)
        frozen = compute(
            key=key,
            categories=Category.objects.filter(edition=edition).values_list("pk", "slug"),
            nominees=Nominee.objects.filter(edition=edition).values_list("pk", "category_id"),
            votes=Vote.objects.filter(edition=edition, confirmed_at__isnull=False).values_list(
                "pk", "category_id", "nominee_id", "receipt_code", "confirmed_at", "standing"
            ).order_by().iterator(),
            flags=FraudFlag.objects.filter(nominee__edition=edition).exclude(decision="genuine").values_list(
                "vote_id", "rule", "decision"
            ).order_by().iterator(),
        )
        results = ReleasedResults.objects.create(
            edition=edition, version=1, released_at=edition.results_released_at,
            released_by_id=edition.results_released_by_id, digest=frozen.digest, ledger_key=key,
        )
        for category in frozen.categories:
            stored = ReleasedCategory.objects.create(
                results=results, category_id=category.category_id, digest=category.digest, lines=len(category.lines)
            )
            ReleasedFigure.objects.bulk_create(
                ReleasedFigure(results=results, category_id=category.category_id, nominee_id=nominee_id,
                               counted=f.counted, held=f.held, rejected=f.rejected)
                for nominee_id, f in category.figures.items()
            )
            LedgerLine.objects.bulk_create(
                (
                    LedgerLine(ledger=stored, line=position, receipt_hash=line.receipt_hash, nominee_id=line.nominee_id,
                               day=line.day, standing=line.standing, reason=line.reason)
                    for position, line in enumerate(category.lines, start=1)
                ),
                batch_size=5000,
            )


class Migration(migrations.Migration):
    dependencies = [("nominations", "0012_released_results")]
    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(freeze_earlier_releases, migrations.RunPython.noop),
    ]
