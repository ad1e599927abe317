"""Tallies: derived from the votes, recomputable, exact whatever happens to the tasks.

The votes are the only source of truth. A run never adds to a tally; it
recomputes the tallies of the nominees whose votes changed, from the votes, in
one transaction. So a task delivered twice, run concurrently (they serialise
on an advisory lock), or killed half-way (its transaction rolls back and the
message is delivered again) leaves the same numbers as a single clean run.
"""

import json
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from portal.locks import advisory_lock

from .fraud.scan import check_new_votes
from .models import RULE_BITS, Edition, FraudDecision, FraudFlag, Nominee, Standing, Tally, Vote
from .models.votes import NOMINEE_SHIFT, STANDING_CODES, STANDING_SHIFT

CHUNK = 5000  # ids per IN (...) list; SQLite allows 32766 parameters


def _chunks(ids: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# Tally column for each standing of a vote.
# A standing names its tally column: Standing.COUNTED -> Tally.counted, and so on.
COLUMN = {standing: standing.value for standing in Standing}
TALLY_FIELDS = ["counted", "held", "rejected", "unconfirmed", "held_reasons", "updated_at"]


def _reasons_in_json_order(reasons: dict[str, int]) -> dict[str, int]:
    """Keys in PostgreSQL's jsonb order (shorter first), so the stored text reads back as json.dumps writes it.

    Any mismatch only costs a needless rewrite of that tally, never a wrong one.
    """
    return dict(sorted(reasons.items(), key=lambda item: (len(item[0]), item[0])))


def _write_tallies(*, nominees: Q, votes: Q, flags: Q) -> int:
    """Compute the tallies of these nominees and write the ones that changed; returns how many nominees.

    One GROUP BY over (nominee, standing); the reasons are the pending flags
    per rule (the fraudflag_pending_reasons index). The nominees and their
    current tallies come in one query, and only changed tallies are written.
    (PostgreSQL does all of this in one query instead: _write_tallies_pg.)
    """
    counts: dict[int, dict] = defaultdict(lambda: dict.fromkeys(COLUMN.values(), 0))
    for nominee_id, standing, n in (
        Vote.objects.filter(votes).values_list("nominee_id", "standing").annotate(n=Count("*")).order_by()
    ):
        counts[nominee_id][COLUMN[standing]] = n
    reasons: dict[int, dict[str, int]] = defaultdict(dict)
    for nominee_id, rule, n in (
        FraudFlag.objects.filter(flags, decision=FraudDecision.PENDING)
        .values_list("nominee_id", "rule")
        .annotate(n=Count("*"))
        .order_by()
    ):
        reasons[nominee_id][rule] = n
    # The stored reasons are compared as text (decoding 2,000 JSON values costs more than the counting).
    current = Nominee.objects.filter(nominees).values_list(
        "pk",
        "edition_id",
        "category_id",
        "tally__counted",
        "tally__held",
        "tally__rejected",
        "tally__unconfirmed",
        Cast("tally__held_reasons", TextField()),
    )
    changed = []
    seen = 0
    for nominee_id, edition_id, category_id, *stored in current:
        seen += 1
        figures = counts[nominee_id]
        held_reasons = _reasons_in_json_order(reasons.get(nominee_id, {}))
        figures_now = (
            figures["counted"],
            figures["held"],
            figures["rejected"],
            figures["unconfirmed"],
            json.dumps(held_reasons),
        )
        if tuple(stored) != figures_now:
            changed.append((nominee_id, edition_id, category_id, figures, held_reasons))
    _save_tallies(changed)
    return seen


# The same computation as _write_tallies in one statement, so that only the changed
# tallies (usually none) cross to Python. The votes are counted by one key, tally_key
# (nominee, standing and pending-rule bits in one bigint), from the vote_tally_key index
# alone: as cheap as the plain count by nominee, and in parallel like it. The few
# groups come apart in a tiny second step: figures per standing, and the held reasons
# (pending flags per rule; Vote.pending_rules, kept by triggers) as a jsonb object
# compared by value with the stored one.
_TALLY_SQL = """
WITH grouped AS (
    SELECT tally_key, count(*) AS n FROM nominations_vote WHERE {vote_filter} GROUP BY tally_key
), parts AS (
    SELECT tally_key >> {nominee_bits} AS nominee_id, (tally_key >> {standing_bits}) & {standing_mask} AS standing,
           tally_key & {rule_mask} AS rules, n
    FROM grouped
), counts AS (
    SELECT nominee_id, {count_columns} FROM parts GROUP BY nominee_id
), reasons AS (
    SELECT nominee_id, jsonb_object_agg(rule, n) AS held_reasons
    FROM (
        SELECT p.nominee_id, r.rule, sum(p.n)::bigint AS n
        FROM parts p JOIN (VALUES {rule_bits}) AS r (rule, bit) ON p.rules & r.bit <> 0
        GROUP BY p.nominee_id, r.rule
    ) per_rule
    GROUP BY nominee_id
)
SELECT n.id, n.edition_id, n.category_id, {figures}, COALESCE(r.held_reasons, '{{}}'::jsonb)::text,
       t.nominee_id IS NULL OR ({stored}, t.held_reasons) IS DISTINCT FROM ({figures}, COALESCE(r.held_reasons, '{{}}'::jsonb))
FROM nominations_nominee n
LEFT JOIN counts c ON c.nominee_id = n.id
LEFT JOIN reasons r ON r.nominee_id = n.id
LEFT JOIN nominations_tally t ON t.nominee_id = n.id
WHERE {nominee_filter}
"""


def _write_tallies_pg(*, scope: str, value) -> int:
    """PostgreSQL: _write_tallies in one query; scope is "edition" (an id) or "nominees" (a list of ids)."""
    if scope == "edition":
        filters = {"vote_filter": "edition_id = %(value)s", "nominee_filter": "n.edition_id = %(value)s"}
    else:
        filters = {"vote_filter": "nominee_id = ANY(%(value)s)", "nominee_filter": "n.id = ANY(%(value)s)"}
    columns = list(COLUMN.values())
    codes = {COLUMN[standing]: code for standing, code in STANDING_CODES.items()}
    sql = _TALLY_SQL.format(
        count_columns=", ".join(f"(sum(n) FILTER (WHERE standing = {codes[c]}))::bigint AS {c}" for c in columns),
        figures=", ".join(f"COALESCE(c.{c}, 0)" for c in columns),
        stored=", ".join(f"t.{c}" for c in columns),
        nominee_bits=NOMINEE_SHIFT.bit_length() - 1,
        standing_bits=STANDING_SHIFT.bit_length() - 1,
        standing_mask=NOMINEE_SHIFT // STANDING_SHIFT - 1,
        rule_mask=STANDING_SHIFT - 1,
        # Written from the code's own mapping (trusted constants, not input): rule names are [a-z_]+.
        rule_bits=", ".join(f"('{rule}', {bit})" for rule, bit in RULE_BITS.items()),
        **filters,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"value": value})
        rows = cursor.fetchall()
    changed = [
        (nominee_id, edition_id, category_id, dict(zip(columns, figures, strict=True)), json.loads(held_reasons))
        for nominee_id, edition_id, category_id, *figures, held_reasons, is_changed in rows
        if is_changed
    ]
    _save_tallies(changed)
    return len(rows)


def _save_tallies(changed: list[tuple[int, int, int, dict, dict]]) -> None:
    now = timezone.now()
    Tally.objects.bulk_create(
        [
            Tally(
                nominee_id=nominee_id,
                edition_id=edition_id,
                category_id=category_id,
                held_reasons=held_reasons,
                updated_at=now,
                **figures,
            )
            for nominee_id, edition_id, category_id, figures, held_reasons in changed
        ],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["nominee"],
        update_fields=TALLY_FIELDS,
    )


def recounts_in_one_query() -> bool:
    """Whether tallies are written by _write_tallies_pg (PostgreSQL) rather than the portable _write_tallies.

    One place for the choice, so the tests run the portable path on PostgreSQL too.
    """
    return connection.vendor == "postgresql"


def recompute_tallies(nominee_ids: Iterable[int]) -> None:
    """Recompute the tallies of these nominees from their votes (call inside a transaction)."""
    for chunk in _chunks(sorted(set(nominee_ids))):
        if recounts_in_one_query():
            _write_tallies_pg(scope="nominees", value=chunk)
        else:
            _write_tallies(nominees=Q(pk__in=chunk), votes=Q(nominee_id__in=chunk), flags=Q(nominee_id__in=chunk))


def recount_edition(edition: Edition) -> int:
    """Full recompute of an edition's tallies; returns the number of nominees."""
    with transaction.atomic():
        advisory_lock("nominations.process", wait=True)
        Vote.objects.filter(edition=edition, tallied_at__isnull=True).update(tallied_at=timezone.now())
        if recounts_in_one_query():
            return _write_tallies_pg(scope="edition", value=edition.pk)
        return _write_tallies(nominees=Q(edition=edition), votes=Q(edition=edition), flags=Q(nominee__edition=edition))


def process_pending_votes(*, batch_size: int | None = None) -> tuple[int, bool]:
    """Fraud-check newly confirmed votes and bring the tallies of changed votes up to date.

    Returns (votes handled, whether more confirmed votes wait for their check). Runs serialise on an
    advisory lock held for the transaction, so concurrent deliveries of the
    task queue up instead of counting twice.
    """
    batch_size = batch_size or settings.TALLY_BATCH_SIZE
    with transaction.atomic():
        advisory_lock("nominations.process", wait=True)
        now = timezone.now()
        batch = list(
            Vote.objects.filter(checked_at__isnull=True, confirmed_at__isnull=False)
            .order_by("id")
            .values_list("id", flat=True)[: batch_size + 1]
        )
        more = len(batch) > batch_size
        batch = batch[:batch_size]
        for chunk in _chunks(batch):
            Vote.objects.filter(pk__in=chunk).update(checked_at=now)
        if batch:
            check_new_votes(checked_at=now)
        # Mark first, then recompute: a vote changed after the mark is set back to
        # waiting by its own update, so the next run sees it; nothing slips through.
        dirty = list(Vote.objects.filter(tallied_at__isnull=True).values_list("nominee_id", flat=True).distinct())
        tallied = 0
        for chunk in _chunks(dirty):
            tallied += Vote.objects.filter(tallied_at__isnull=True, nominee_id__in=chunk).update(tallied_at=now)
        recompute_tallies(dirty)
    return max(len(batch), tallied), more


def process_all_pending_votes(*, progress=None) -> int:
    """Run process_pending_votes until no confirmed vote waits; returns the votes handled. progress(n) after each batch."""
    total, more = 0, True
    while more:
        handled, more = process_pending_votes()
        total += handled
        if progress:
            progress(handled)
    return total


def waiting_votes_queryset(edition: Edition | None = None):
    """Confirmed votes whose fraud check or tally has not run yet."""
    waiting = Vote.objects.filter(confirmed_at__isnull=False).filter(
        Q(checked_at__isnull=True) | Q(tallied_at__isnull=True)
    )
    return waiting if edition is None else waiting.filter(edition=edition)


def waiting_votes(edition: Edition | None = None) -> int:
    return waiting_votes_queryset(edition).count()
