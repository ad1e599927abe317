"""The integrity-review threshold joins the thresholds the database freezes once voting opens.

Redefines the trigger of 0015 with the new column. On SQLite, 0014_vote_integrity_reviews
rebuilt nominations_edition (a new column), which drops triggers: this creates it again,
whichever order the two branches' migrations ran in.
"""

from django.db import migrations

BEFORE = (
    "min_counted_votes",
    "min_voter_networks",
    "max_flagged_share",
    "pass_mark",
    "survey_threshold",
    "pow_max_number",
)
AFTER = (*BEFORE, "integrity_threshold")


def postgres_function(columns):
    return f"""
CREATE OR REPLACE FUNCTION nominations_edition_rules_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.voting_opens_at <= now()
       AND ({", ".join("NEW." + c for c in columns)}) IS DISTINCT FROM ({", ".join("OLD." + c for c in columns)}) THEN
        RAISE EXCEPTION 'edition %: thresholds are frozen once voting has opened', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def sqlite_trigger(columns):
    return f"""
CREATE TRIGGER nominations_edition_rules_frozen BEFORE UPDATE OF {", ".join(columns)} ON nominations_edition
FOR EACH ROW WHEN OLD.voting_opens_at <= strftime('%Y-%m-%d %H:%M:%f', 'now')
    AND ({" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)})
BEGIN
    SELECT RAISE(ABORT, 'edition thresholds are frozen once voting has opened');
END;
"""


def install(columns):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(postgres_function(columns), params=None)
        elif vendor == "sqlite":
            schema_editor.execute("DROP TRIGGER IF EXISTS nominations_edition_rules_frozen;", params=None)
            schema_editor.execute(sqlite_trigger(columns), params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("nominations", "0017_merge_integrity_reviews")]
    operations = [migrations.RunPython(install(AFTER), install(BEFORE))]
