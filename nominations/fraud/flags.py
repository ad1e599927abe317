"""Writing flags in bulk: one INSERT per few thousand flags, no model instance per vote."""

import json
from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from ..models import FraudDecision, Vote, standing_from_flags

CHUNK = 5000  # rows per statement: 5 parameters each, within SQLite's 32,766


def store_flags(flags: Iterable[tuple[int, int, str, dict]]) -> list[int]:
    """Insert pending flags (vote, nominee, rule, evidence); returns the votes that got a new one.

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
    stored: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
            params = [x for row in chunk for x in (*row, now, FraudDecision.PENDING)]
            cursor.execute(
                "INSERT INTO nominations_fraudflag (vote_id, nominee_id, rule, evidence, created_at, decision) "
                f"VALUES {values} ON CONFLICT (vote_id, rule) DO NOTHING RETURNING vote_id",
                params,
            )
            stored += [vote_id for (vote_id,) in cursor.fetchall()]
    return stored


def hold(vote_ids: Iterable[int]) -> None:
    """Set these votes' standing from their flags and send them back to the tally."""
    ids = sorted(set(vote_ids))
    for start in range(0, len(ids), CHUNK):
        Vote.objects.filter(pk__in=ids[start : start + CHUNK]).update(standing=standing_from_flags(), tallied_at=None)
