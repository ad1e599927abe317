"""The database refuses a change to an edition's thresholds once its voting has opened.

The windows are guarded in Python only (Edition.clean and the services): closing
voting early (services.close_voting_now) is a legitimate, audited change.
Note for SQLite: a later migration that rebuilds nominations_edition drops this
trigger; tests/certification/test_edition_rules_frozen.py would then fail.
"""

from django.db import migrations

COLUMNS = ("min_counted_votes", "min_voter_networks", "max_flagged_share", "pass_mark", "survey_threshold")

POSTGRES_CREATE = f"""
CREATE FUNCTION nominations_edition_rules_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.voting_opens_at <= now()
       AND ({", ".join("NEW." + c for c in COLUMNS)}) IS DISTINCT FROM ({", ".join("OLD." + c for c in COLUMNS)}) THEN
        RAISE EXCEPTION 'edition %: thresholds are frozen once voting has opened', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER nominations_edition_rules_frozen BEFORE UPDATE ON nominations_edition
    FOR EACH ROW EXECUTE FUNCTION nominations_edition_rules_frozen();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS nominations_edition_rules_frozen ON nominations_edition;
DROP FUNCTION IF EXISTS nominations_edition_rules_frozen();
"""

SQLITE_CREATE = f"""
CREATE TRIGGER nominations_edition_rules_frozen BEFORE UPDATE OF {", ".join(COLUMNS)} ON nominations_edition
FOR EACH ROW WHEN OLD.voting_opens_at <= strftime('%Y-%m-%d %H:%M:%f', 'now')
    AND ({" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in COLUMNS)})
BEGIN
    SELECT RAISE(ABORT, 'edition thresholds are frozen once voting has opened');
END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS nominations_edition_rules_frozen;"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE, params=None)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("nominations", "0002_vetting_state_and_thresholds")]
    operations = [migrations.RunPython(create, drop)]
