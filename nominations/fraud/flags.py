"""Writing flags in bulk: one INSERT per few thousand flags, no model instance per vote."""

import json
from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from ..models import RULE_BITS, FraudDecision, Nominee, Vote, standing_from_flags

CHUNK = 4000  # rows per statement: 7 parameters each, within SQLite's 32,766


def store_flags(flags: Iterable[tuple[int, int, str, dict]]) -> list[int]:
    """Insert pending flags (vote, nominee, rule, evidence) and hold their votes; returns the votes that got a new one.

    A vote that already has a flag of that rule, pending or settled, keeps it: the
    unique (vote, rule) constraint drops the new one (a settled flag is never raised again).
    Equal evidence (a group's) is encoded once.
    """
    now = timezone.now()
    encoded: dict[int, str] = {}
    rows = []
    for vote_id, nominee_id, rule, evidence in flags:
        text = encoded.get(id(evidence))
        if text is None:
            text = encoded[id(evidence)] = json.dumps(evidence)
        rows.append((vote_id, nominee_id, rule, text))
    # A flag carries its vote's edition, which is its nominee's (the two-column foreign key into
    # the vote table partitioned by edition, migration 0025): a few nominees, one small query.
    editions = dict(Nominee.objects.filter(pk__in={row[1] for row in rows}).values_list("pk", "edition_id"))
    rows = [(vote_id, editions[nominee_id], nominee_id, rule, text) for vote_id, nominee_id, rule, text in rows]
    stored: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            params = [x for row in chunk for x in (*row, now, FraudDecision.PENDING)]
            insert = (
                "INSERT INTO nominations_fraudflag (vote_id, edition_id, nominee_id, rule, evidence, created_at, decision) "
                f"VALUES {values} ON CONFLICT (vote_id, rule) DO NOTHING RETURNING vote_id, rule"
            )
            if connection.vendor == "postgresql":
                cursor.execute(_HOLD_AS_STORED.format(insert=insert, bits=_BITS), params)
            else:
                cursor.execute(insert, params)
            stored += [vote_id for vote_id, _rule in cursor.fetchall()]
    if connection.vendor != "postgresql":
        hold(stored)
    return stored


# PostgreSQL: the flags and their votes in one statement, each vote written once. A vote that
# gets a new pending flag is held, or stays rejected when a flag of it is confirmed as fraud
# (standing_from_flags); its pending_rules gain the new rules' bits, so that the flags'
# trigger (migration 0019) finds nothing left to change. The new flags are not visible to
# the UPDATE (one snapshot), the old ones are. The votes are found by id through the primary
# key (= ANY of an array): a join alone let the planner read the whole vote table per statement.
_BITS = " ".join(f"WHEN '{rule}' THEN {bit}" for rule, bit in RULE_BITS.items())
_HOLD_AS_STORED = """
WITH stored AS ({insert}),
new AS (SELECT vote_id, sum(CASE rule {bits} ELSE 0 END) AS bits FROM stored GROUP BY vote_id)
UPDATE nominations_vote v
SET standing = CASE WHEN EXISTS (
        SELECT 1 FROM nominations_fraudflag f WHERE f.vote_id = v.id AND f.decision = 'fraud'
    ) THEN 'rejected' ELSE 'held' END,
    tallied_at = NULL,
    pending_rules = v.pending_rules | new.bits::integer
FROM new WHERE v.id = new.vote_id AND v.id = ANY(ARRAY(SELECT vote_id FROM new))
RETURNING v.id, ''
"""


def hold(vote_ids: Iterable[int]) -> None:
    """Set these votes' standing from their flags and send them back to the tally."""
    ids = sorted(set(vote_ids))
    for start in range(0, len(ids), CHUNK):
        Vote.objects.filter(pk__in=ids[start : start + CHUNK]).update(standing=standing_from_flags(), tallied_at=None)
