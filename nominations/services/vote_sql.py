"""The vote POST's and the confirmation POST's writes as hand-written statements (PostgreSQL).

Each is one statement, run in autocommit: one round trip, no BEGIN and COMMIT of their
own, and no ORM compiling three querysets per request (that cost more CPU than the
database's work). They make the same decisions as the portable ORM code in voting.py,
which SQLite runs and which the tests run on PostgreSQL too; the outbox NOTIFY is part
of the statement, so it is sent only if the statement commits.
"""

from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field

from ..models import Category, Edition, Firm, MailKind, Nominee, Standing, Vote
from ..outbox import CHANNEL
from ..selectors.hot_path import partial_instance as _partial

# Every column a vote has, in model order, from the model: a field another change adds
# (with its Python default) is written without editing this module.
_INSERT_FIELDS = [f for f in Vote._meta.concrete_fields if not f.primary_key and not f.generated]
# Values psycopg2 adapts as they are (str, int, aware datetime, None) skip Django's per-field preparation;
# any other kind of field (JSON, a choice enum) goes through it.
_AS_IS = {"CharField", "EmailField", "BigIntegerField", "ForeignKey", "DateTimeField", "PositiveSmallIntegerField"}
_CONVERTED = {f.column for f in _INSERT_FIELDS if f.get_internal_type() not in _AS_IS or f.choices}
_INSERT_COLUMNS = ", ".join(connection.ops.quote_name(f.column) for f in _INSERT_FIELDS)
_INSERT_VALUES = ", ".join(f"%(c_{f.column})s" for f in _INSERT_FIELDS)

# The address's votes in the category, and the inbox's mail ledger of the last day (the
# budget, nominations/mail_budget.py: per client network, and a ceiling over all networks
# that a network which sent the inbox nothing today passes once); then exactly one of:
# re-mail its counted vote ("already voted"), re-mail its pending vote for this nominee
# (both compare-and-set on the cool-down), or insert the new vote. Nothing at all once
# the budget is spent. A mail asked for writes its ledger line and sends the NOTIFY.
_CAST_SQL = f"""
WITH mine AS (
    SELECT id, nominee_id, category_id, confirmed_at, email_requested_at, email_send_count, created_at
    FROM nominations_vote
    WHERE email_canonical = %(canonical)s AND category_id = %(category)s AND edition_id = %(edition)s
), ledger AS (
    SELECT count(*) AS total, count(*) FILTER (WHERE network_hash = %(network)s) AS network
    FROM nominations_mailsend WHERE inbox = %(inbox)s AND sent_at >= %(day_ago)s
), budget AS (
    SELECT network < %(budget)s AND (total < %(ceiling)s OR network = 0) AS open FROM ledger
), target AS (
    SELECT id, kind FROM (
        (SELECT id, %(already_voted)s AS kind, 0 AS rank FROM mine
         WHERE category_id = %(category)s AND confirmed_at IS NOT NULL LIMIT 1)
        UNION ALL
        (SELECT id, %(confirm)s, 1 FROM mine
         WHERE category_id = %(category)s AND nominee_id = %(nominee)s ORDER BY created_at DESC LIMIT 1)
    ) candidates ORDER BY rank LIMIT 1
), claimed AS (
    UPDATE nominations_vote v
    SET email_requested_at = %(now)s, email_send_count = v.email_send_count + 1,
        email_pending = target.kind, email_queued_at = NULL
    FROM target, budget
    WHERE v.id = target.id AND v.edition_id = %(edition)s AND budget.open
      AND (v.email_requested_at IS NULL OR v.email_requested_at < %(cooldown_start)s)
    RETURNING v.id
), inserted AS (
    INSERT INTO nominations_vote ({_INSERT_COLUMNS})
    SELECT {_INSERT_VALUES} FROM budget WHERE budget.open AND NOT EXISTS (SELECT 1 FROM target)
    RETURNING id
), spent AS (
    INSERT INTO nominations_mailsend (inbox, network_hash, sent_at)
    SELECT %(inbox)s, %(network)s, %(now)s
    FROM (SELECT id FROM claimed UNION ALL SELECT id FROM inserted LIMIT 1) asked
    RETURNING id
)
SELECT pg_notify(%(channel)s, '') FROM spent
"""


def _db_value(field: Field, value: object, db: BaseDatabaseWrapper) -> object:
    return field.get_db_prep_save(value, connection=db)


def cast(
    *,
    vote: Vote,
    canonical: str,
    now: datetime,
    day_ago: datetime,
    cooldown_start: datetime,
    inbox: str,
    budget: int,
    ceiling: int,
) -> bool:
    """Run the vote POST's statement for this new (unsaved) vote; True when a mail was asked for."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of the `connection` proxy costs a context-local look-up
    params = {
        f"c_{f.column}": _db_value(f, getattr(vote, f.attname), db)
        if f.column in _CONVERTED
        else getattr(vote, f.attname)
        for f in _INSERT_FIELDS
    }
    params.update(
        canonical=canonical,
        category=vote.category_id,
        # The edition in every WHERE: on PostgreSQL the vote table is partitioned by it, and the plan reads one partition.
        edition=vote.edition_id,
        nominee=vote.nominee_id,
        day_ago=day_ago,
        now=now,
        cooldown_start=cooldown_start,
        inbox=inbox,
        network=vote.network_hash,
        budget=budget,
        ceiling=ceiling,
        already_voted=MailKind.ALREADY_VOTED.value,
        confirm=MailKind.CONFIRM.value,
        channel=CHANNEL,
    )
    return _execute(_CAST_SQL, params, db) is not None


# The compare-and-set of confirm_vote (voting.py) in one statement, beside what the
# "confirmed" page shows. The outer SELECT sees the row as it was before the UPDATE
# (one snapshot), so `changed` says whether this request counted it.
_CONFIRM_SQL = """
WITH changed AS (
    UPDATE nominations_vote
    SET confirmed_at = %(now)s, standing = %(counted)s, email_requested_at = NULL, tallied_at = NULL,
        email_pending = '', email_queued_at = NULL
    WHERE id = %(id)s AND token_nonce = %(nonce)s AND confirmed_at IS NULL
      AND EXISTS (
        SELECT 1 FROM nominations_edition e
        WHERE e.id = nominations_vote.edition_id AND e.voting_opens_at <= %(now)s AND e.voting_closes_at > %(now)s
      )
    RETURNING id
)
SELECT v.id, v.receipt_code, v.edition_id, v.category_id, v.nominee_id, v.language,
       n.firm_id, f.name, c.name_en, c.name_pl, c.name_ro,
       EXISTS (SELECT 1 FROM changed), (SELECT pg_notify(%(channel)s, '') FROM changed)
FROM nominations_vote v
JOIN nominations_nominee n ON n.id = v.nominee_id
JOIN nominations_firm f ON f.id = n.firm_id
JOIN nominations_category c ON c.id = v.category_id
WHERE v.id = %(id)s AND v.token_nonce = %(nonce)s
"""


def _execute(sql: str, params: dict, db: BaseDatabaseWrapper | None = None) -> tuple | None:
    """Run one statement in autocommit (its own transaction); in a caller's transaction, in a savepoint of its own."""
    db = db or connections[DEFAULT_DB_ALIAS]
    if db.in_atomic_block:
        with transaction.atomic(using=db.alias), db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def confirm(*, vote_id: int, nonce: str, now: datetime) -> Vote | None:
    """Count the vote if the token's vote waits and voting is open: the confirmed vote, else None (nothing changed).

    Raises IntegrityError when the voter already has a counted vote in the category.
    """
    row = _execute(
        _CONFIRM_SQL, {"id": vote_id, "nonce": nonce, "now": now, "counted": Standing.COUNTED.value, "channel": CHANNEL}
    )
    if row is None or not row[11]:
        return None
    vote_pk, receipt_code, edition_id, category_id, nominee_id, language, firm_id, firm_name, *names = row[:11]
    # What the "confirmed" page and the caller read; any other field loads on access.
    vote = _partial(
        Vote,
        id=vote_pk,
        receipt_code=receipt_code,
        edition_id=edition_id,
        category_id=category_id,
        nominee_id=nominee_id,
        language=language,
        confirmed_at=now,
        standing=Standing.COUNTED.value,
    )
    nominee = _partial(Nominee, id=nominee_id, firm_id=firm_id)
    nominee.firm = _partial(Firm, id=firm_id, name=firm_name)
    vote.nominee = nominee
    vote.category = _partial(
        Category, id=category_id, **dict(zip(("name_en", "name_pl", "name_ro"), names, strict=True))
    )
    vote.edition = _partial(Edition, id=edition_id)
    return vote
