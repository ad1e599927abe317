# Partition the vote table by edition on PostgreSQL (docs/partitioning.md).
#
# Django's state changes on both databases: a flag carries its vote's edition, Django's
# one-column foreign key from flags to votes is off, the receipt code is unique per edition
# and the counted-vote rule has the edition in front. SQLite gets those as Django writes
# them. PostgreSQL rebuilds `nominations_vote` as `PARTITION BY LIST (edition_id)` with
# the primary key (id, edition_id), copying a populated table in batches, then, under a
# lock that lets reads through, the rows that changed meanwhile; the flags get a
# two-column foreign key (edition_id, vote_id). Run it in a maintenance window: votes wait
# while the lock is held (seconds), and the copy itself takes minutes at national scale.
#
# Not atomic: each batch commits on its own. A run that fails drops what it built and leaves
# the live table as it was; run it again (a finished conversion is left alone).

import time

import django.db.models.deletion
from django.db import migrations, models, transaction

import nominations.models.votes
from portal.migration_operations import SkipOnPostgreSQL

TABLE = "nominations_vote"
BUILT = "nominations_vote_p"  # the partitioned table while it is built
CHANGED = "nominations_vote_changed"  # ids written while the copy ran
DEFAULT_PARTITION = "nominations_vote_default"
FLAG_FOREIGN_KEY = "fraudflag_vote_same_edition"
# Indexes this migration defines afresh (from Django's state) instead of copying the old one's.
REDEFINED = ("vote_one_counted_per_voter_category", "vote_receipt_per_edition")
BATCH = 50_000


def partition_name(edition_id: int) -> str:
    return f"nominations_vote_e{edition_id}"


def backfill_flag_editions(apps, schema_editor):
    """The vote's edition on every flag, in batches of flags (each its own transaction)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM nominations_fraudflag")
        low, high = cursor.fetchone()
        if low is None:
            return
        for start in range(low, high + 1, BATCH):
            cursor.execute(
                "UPDATE nominations_fraudflag SET edition_id = (SELECT v.edition_id FROM nominations_vote v "
                "WHERE v.id = nominations_fraudflag.vote_id) WHERE id >= %s AND id < %s AND edition_id IS NULL",
                [start, start + BATCH],
            )


def _one(cursor, sql, params=None):
    cursor.execute(sql, params)
    return cursor.fetchone()


def _is_partitioned(cursor) -> bool:
    return _one(cursor, "SELECT relkind = 'p' FROM pg_class WHERE oid = %s::regclass", [TABLE])[0]


def _refuse_the_unexpected(cursor) -> None:
    """Anything this conversion would lose or cannot carry over stops it before it starts."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE confrelid = %s::regclass AND contype = 'f'",
        [TABLE],
    )
    inbound = cursor.fetchall()
    if inbound:
        raise RuntimeError(f"Foreign keys into {TABLE} must be two-column (edition_id, id) first: {inbound}")
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgname <> %s",
        [TABLE, f"{CHANGED}_trigger"],
    )
    triggers = cursor.fetchall()
    if triggers:
        raise RuntimeError(f"Triggers on {TABLE} are not carried over by this conversion: {triggers}")


def _columns(cursor) -> str:
    """The stored columns (a generated column is computed again in the new table)."""
    cursor.execute(
        "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
        [TABLE],
    )
    return ", ".join(name for (name,) in cursor.fetchall())


def _start_capturing_changes(cursor) -> None:
    """Every id inserted, changed or deleted from now on; CREATE TRIGGER waits for the writers in flight."""
    cursor.execute(f"CREATE UNLOGGED TABLE {CHANGED} (id bigint NOT NULL)")
    cursor.execute(
        f"CREATE FUNCTION {CHANGED}_note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"INSERT INTO {CHANGED} VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END); RETURN NULL; END $$"
    )
    cursor.execute(
        f"CREATE TRIGGER {CHANGED}_trigger AFTER INSERT OR UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {CHANGED}_note()"
    )


def _create_table(cursor, partitioned: bool) -> None:
    cursor.execute(
        f"CREATE TABLE {BUILT} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED "
        "INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS)"
        + (" PARTITION BY LIST (edition_id)" if partitioned else "")
    )
    if not partitioned:
        return
    cursor.execute("SELECT id FROM nominations_edition ORDER BY id")
    for (edition_id,) in cursor.fetchall():
        cursor.execute(f"CREATE TABLE {partition_name(edition_id)} PARTITION OF {BUILT} FOR VALUES IN ({edition_id})")
    cursor.execute(f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {BUILT} DEFAULT")


def _copy_in_batches(cursor, columns: str) -> int:
    high = _one(cursor, f"SELECT coalesce(max(id), 0) FROM {TABLE}")[0]
    for start in range(0, high, BATCH):
        cursor.execute(
            f"INSERT INTO {BUILT} ({columns}) OVERRIDING SYSTEM VALUE SELECT {columns} FROM {TABLE} "
            "WHERE id > %s AND id <= %s",
            [start, start + BATCH],
        )
    return high


def _temporary(name: str) -> str:
    return f"p_{name}"[:63]


def _build_keys_and_indexes(cursor, key: str, redefined: list[tuple[str, bool, str]]) -> list[str]:
    """The primary key, the old table's indexes and foreign keys and the redefined constraints, built on the
    new table (on a partitioned one each cascades to every partition) under temporary names; returns the
    renames to run once the old table is gone.

    `redefined`: (name, is a constraint (else an index), SQL building it on the new table under its temporary name).
    """
    renames = []
    pkey = _one(cursor, "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [TABLE])[0]
    cursor.execute(f"ALTER TABLE {BUILT} ADD CONSTRAINT {_temporary(pkey)} PRIMARY KEY ({key})")
    renames.append(f"ALTER TABLE {TABLE} RENAME CONSTRAINT {_temporary(pkey)} TO {pkey}")
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(x.indexrelid), x.indisunique, c.contype, pg_get_constraintdef(c.oid),
               ARRAY(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = x.indrelid AND a.attnum = ANY(x.indkey))
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
        WHERE x.indrelid = %s::regclass ORDER BY i.relname
        """,
        [TABLE],
    )
    for name, definition, unique, contype, constraint, columns in cursor.fetchall():
        if contype == "p" or name in REDEFINED or list(columns) == ["receipt_code"]:
            continue  # the key, and the receipt's and the counted vote's unique indexes, defined afresh
        temporary = _temporary(name)
        if contype == "u":
            cursor.execute(f"ALTER TABLE {BUILT} ADD CONSTRAINT {temporary} {constraint}")
            renames.append(f"ALTER TABLE {TABLE} RENAME CONSTRAINT {temporary} TO {name}")
        elif contype is None:
            rest = definition.split(" USING ", 1)[1]
            cursor.execute(f"CREATE {'UNIQUE ' if unique else ''}INDEX {temporary} ON {BUILT} USING {rest}")
            renames.append(f"ALTER INDEX {temporary} RENAME TO {name}")
        else:
            raise RuntimeError(f"Constraint {name} ({contype}) on {TABLE} is not carried over by this conversion.")
    for name, is_constraint, sql in redefined:
        cursor.execute(sql)
        renames.append(
            f"ALTER TABLE {TABLE} RENAME CONSTRAINT {_temporary(name)} TO {name}"
            if is_constraint
            else f"ALTER INDEX {_temporary(name)} RENAME TO {name}"
        )
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [TABLE],
    )
    for name, constraint in cursor.fetchall():
        cursor.execute(f"ALTER TABLE {BUILT} ADD CONSTRAINT {name} {constraint}")
    return renames


def _grants(cursor, source: str, target: str, kind: str) -> list[str]:
    cursor.execute(
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, a.privilege_type "
        "FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = %s::regclass AND a.grantee <> c.relowner",
        [source],
    )
    return [f"GRANT {privilege} ON {kind} {target} TO {grantee}" for grantee, privilege in cursor.fetchall()]


def _swap(connection, columns: str, renames: list[str], flag_key: str) -> None:
    """Under a lock that lets reads through: the rows written meanwhile, the sequence, the names, the flags' key."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {BUILT} WHERE id IN (SELECT id FROM {CHANGED})")
        cursor.execute(
            f"INSERT INTO {BUILT} ({columns}) OVERRIDING SYSTEM VALUE SELECT {columns} FROM {TABLE} "
            f"WHERE id IN (SELECT id FROM {CHANGED})"
        )
        old_sequence = _one(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])[0]
        new_sequence = _one(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [BUILT])[0]
        last, called = _one(cursor, f"SELECT last_value, is_called FROM {old_sequence}")
        highest = max(last if called else last - 1, _one(cursor, f"SELECT coalesce(max(id), 0) FROM {BUILT}")[0])
        if highest > 0:
            cursor.execute("SELECT setval(%s, %s, true)", [new_sequence, highest])
        grants = _grants(cursor, TABLE, BUILT, "TABLE") + _grants(cursor, old_sequence, new_sequence, "SEQUENCE")
        cursor.execute(f"ALTER TABLE nominations_fraudflag DROP CONSTRAINT IF EXISTS {FLAG_FOREIGN_KEY}")
        cursor.execute(f"DROP TABLE {TABLE}")
        cursor.execute(f"DROP TABLE {CHANGED}")
        cursor.execute(f"DROP FUNCTION {CHANGED}_note()")
        cursor.execute(f"ALTER TABLE {BUILT} RENAME TO {TABLE}")
        cursor.execute(f"ALTER SEQUENCE {new_sequence} RENAME TO {old_sequence.split('.')[-1]}")
        for statement in grants + renames:
            cursor.execute(statement)
        if flag_key:
            cursor.execute(flag_key)


def _clean_up(cursor) -> None:
    """What a run that stopped part-way left: the half-built table, and the trigger on the live one."""
    cursor.execute(f"DROP TABLE IF EXISTS {BUILT} CASCADE")
    cursor.execute(f"DROP TRIGGER IF EXISTS {CHANGED}_trigger ON {TABLE}")
    cursor.execute(f"DROP TABLE IF EXISTS {CHANGED}")
    cursor.execute(f"DROP FUNCTION IF EXISTS {CHANGED}_note()")


def _rebuild(connection, *, partitioned: bool, key: str, redefined, flag_key: str = "") -> None:
    """Build the vote table afresh (partitioned or plain) from the populated one, then swap names."""
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            _clean_up(cursor)
            _refuse_the_unexpected(cursor)
            columns = _columns(cursor)
            _start_capturing_changes(cursor)
            _create_table(cursor, partitioned)
            copied = _copy_in_batches(cursor, columns)
            renames = _build_keys_and_indexes(cursor, key, redefined(cursor))
        locked = time.monotonic()
        _swap(connection, columns, renames, flag_key)
        locked = time.monotonic() - locked
    except Exception:
        with connection.cursor() as cursor:
            _clean_up(cursor)  # the live table is as it was: the run can be started again
        raise
    with connection.cursor() as cursor:
        if flag_key:
            cursor.execute(f"ALTER TABLE nominations_fraudflag VALIDATE CONSTRAINT {FLAG_FOREIGN_KEY}")
        cursor.execute(f"ANALYZE {TABLE}")
    if copied:
        took = time.monotonic() - started
        print(f"\n  Rebuilt {TABLE} (ids up to {copied}) in {took:.1f} s, writes locked {locked:.2f} s", end="")  # noqa: T201


def partition_votes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return  # SQLite keeps one plain table; Django's state is the same
    with connection.cursor() as cursor:
        if _is_partitioned(cursor):
            return
    vote = apps.get_model("nominations", "Vote")

    def redefined(cursor):
        # From Django's state (the edition in both): built under a temporary name on the new table.
        found = []
        for constraint in vote._meta.constraints:
            if constraint.name in REDEFINED:
                built = constraint.clone()
                built.name = _temporary(constraint.name)
                statement = built.create_sql(vote, schema_editor)
                statement.rename_table_references(TABLE, BUILT)
                found.append((constraint.name, constraint.condition is None, str(statement)))
        return found

    _rebuild(
        connection,
        partitioned=True,
        # The id first: a look-up by id alone (a confirmation link, a flag's vote) seeks each partition's key.
        key="id, edition_id",
        redefined=redefined,
        # The database still refuses an orphan flag; validated after the swap without blocking writes.
        flag_key=(
            f"ALTER TABLE nominations_fraudflag ADD CONSTRAINT {FLAG_FOREIGN_KEY} FOREIGN KEY (edition_id, vote_id) "
            f"REFERENCES {TABLE} (edition_id, id) DEFERRABLE INITIALLY DEFERRED NOT VALID"
        ),
    )


def unpartition_votes(apps, schema_editor):
    """Back to one plain table with migration 0024's constraints (the same copy, the other way)."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if not _is_partitioned(cursor):
            return
        cursor.execute(f"ALTER TABLE nominations_fraudflag DROP CONSTRAINT IF EXISTS {FLAG_FOREIGN_KEY}")

    def redefined(cursor):
        counted, receipt = "vote_one_counted_per_voter_category", "nominations_vote_receipt_code_key"
        return [
            (
                counted,
                False,
                f"CREATE UNIQUE INDEX {_temporary(counted)} ON {BUILT} (category_id, email_canonical) "
                "WHERE confirmed_at IS NOT NULL",
            ),
            (receipt, True, f"ALTER TABLE {BUILT} ADD CONSTRAINT {_temporary(receipt)} UNIQUE (receipt_code)"),
        ]

    _rebuild(connection, partitioned=False, key="id", redefined=redefined)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("nominations", "0024_flag_settlements_and_mail_ledger"),
    ]

    operations = [
        migrations.AddField(
            model_name="fraudflag",
            name="edition",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="nominations.edition",
                verbose_name="edition",
            ),
        ),
        migrations.RunPython(backfill_flag_editions, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="fraudflag",
            name="edition",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="nominations.edition",
                verbose_name="edition",
            ),
        ),
        migrations.AlterField(
            model_name="fraudflag",
            name="vote",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="flags",
                to="nominations.vote",
                verbose_name="vote",
            ),
        ),
        # On PostgreSQL the partitioned table is built with these below.
        SkipOnPostgreSQL(
            migrations.AlterField(
                model_name="vote",
                name="receipt_code",
                field=models.CharField(
                    default=nominations.models.votes.new_receipt_code,
                    editable=False,
                    max_length=14,
                    verbose_name="receipt code",
                ),
            )
        ),
        SkipOnPostgreSQL(migrations.RemoveConstraint(model_name="vote", name="vote_one_counted_per_voter_category")),
        SkipOnPostgreSQL(
            migrations.AddConstraint(
                model_name="vote",
                constraint=models.UniqueConstraint(
                    condition=models.Q(("confirmed_at__isnull", False)),
                    fields=("edition", "category", "email_canonical"),
                    name="vote_one_counted_per_voter_category",
                ),
            )
        ),
        SkipOnPostgreSQL(
            migrations.AddConstraint(
                model_name="vote",
                constraint=models.UniqueConstraint(fields=("receipt_code", "edition"), name="vote_receipt_per_edition"),
            )
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(partition_votes, unpartition_votes, elidable=False)],
            state_operations=[],
        ),
    ]
