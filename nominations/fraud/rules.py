"""The fraud rules, each one set-based SQL over the votes.

Every rule takes a scope, either the batch of votes just marked as checked
(`Scope.batch`) or a whole edition (`Scope.edition`), and returns hits: the
vote, its nominee and the figures that tripped the rule, which become the
flag's evidence. Each rule first narrows the votes to candidate groups with a
cheap GROUP BY on integer keys (a network, a nominee-hour, ...), then looks
closer only there. Window functions with numeric RANGE frames run on both
PostgreSQL and SQLite; the only dialect differences are in `epoch` and
`email_domain`.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from django.conf import settings
from django.db import connection

from ..models import FraudRule

VOTE = "nominations_vote"
CONFIRMED = "v.confirmed_at IS NOT NULL"


@dataclass(frozen=True)
class Hit:
    vote_id: int
    nominee_id: int
    rule: str
    evidence: dict


@dataclass(frozen=True)
class Scope:
    """Which votes a rule looks at: `sql` filters alias v; `params` fill it."""

    sql: str
    params: tuple
    is_batch: bool

    @classmethod
    def batch(cls, checked_at: datetime) -> "Scope":
        # Adapted as the ORM stores it (SQLite keeps text without the offset).
        return cls("v.checked_at = %s", (connection.ops.adapt_datetimefield_value(checked_at),), True)

    @classmethod
    def edition(cls, edition_id: int) -> "Scope":
        # A plain column test: over a whole edition the planner reads the table
        # in order (one pass) instead of hopping between pages category by category.
        return cls("v.edition_id = %s", (edition_id,), False)


def epoch(column: str) -> str:
    """Seconds since 1970 as a float (date_part is much cheaper than EXTRACT's numeric on PostgreSQL)."""
    if connection.vendor == "postgresql":
        return f"date_part('epoch', {column})"
    return f"((julianday({column}) - 2440587.5) * 86400.0)"


def email_domain(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"split_part({column}, '@', 2)"
    return f"substr({column}, instr({column}, '@') + 1)"


def tune_for_scans() -> None:
    """For the rest of the caller's transaction (PostgreSQL): no JIT, and room to sort in memory.

    These are short analytic queries: JIT compiling them cost about 0.5 s each,
    more than running them, and the default 4 MB work_mem sent their sorts and
    hash aggregates of a million votes to disk.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def _touched(columns: str, scope: Scope) -> tuple[str, tuple]:
    """A condition limiting votes to the groups (by `columns`) that the scope's votes belong to."""
    if not scope.is_batch:
        return scope.sql, scope.params
    return f"({columns}) IN (SELECT {columns} FROM {VOTE} v WHERE {scope.sql})", scope.params


def disposable_domain(scope: Scope) -> list[Hit]:
    """Votes confirmed from a throw-away mailbox (the maintained disposable-email-domains list)."""
    domain = email_domain("v.email_fingerprint")
    domains = [
        d for (d,) in _rows(f"SELECT DISTINCT {domain} FROM {VOTE} v WHERE {scope.sql} AND {CONFIRMED}", scope.params)
    ]
    bad = [d for d in domains if d in DISPOSABLE_DOMAINS]
    hits = []
    for start in range(0, len(bad), 500):
        chunk = bad[start : start + 500]
        marks = ", ".join(["%s"] * len(chunk))
        rows = _rows(
            f"SELECT v.id, v.nominee_id, {domain} FROM {VOTE} v WHERE {scope.sql} AND {CONFIRMED} AND {domain} IN ({marks})",
            (*scope.params, *chunk),
        )
        hits += [Hit(vid, nid, FraudRule.DISPOSABLE_DOMAIN, {"domain": d}) for vid, nid, d in rows]
    return hits


def network_burst(scope: Scope) -> list[Hit]:
    """Many votes for one nominee from one network (/24, /64) within a short window, before or after."""
    window = int(settings.FRAUD_NETWORK_WINDOW_MINUTES * 60)
    threshold = settings.FRAUD_NETWORK_MAX_VOTES
    touched, params = _touched("v.nominee_id, v.network_hash", scope)
    sql = f"""
        WITH candidates AS MATERIALIZED (
            SELECT v.nominee_id, v.network_hash FROM {VOTE} v WHERE {CONFIRMED} AND {touched}
            GROUP BY v.nominee_id, v.network_hash HAVING COUNT(*) >= %s
        )
        SELECT id, nominee_id, n FROM (
            SELECT v.id, v.nominee_id, COUNT(*) OVER (
                PARTITION BY v.nominee_id, v.network_hash ORDER BY {epoch("v.confirmed_at")}
                RANGE BETWEEN {window} PRECEDING AND {window} FOLLOWING
            ) AS n
            FROM {VOTE} v JOIN candidates c ON c.nominee_id = v.nominee_id AND c.network_hash = v.network_hash
            WHERE {CONFIRMED}
        ) w WHERE n >= %s"""
    evidence = {"window_minutes": settings.FRAUD_NETWORK_WINDOW_MINUTES, "threshold": threshold}
    return [
        Hit(vid, nid, FraudRule.NETWORK_BURST, {"votes_from_network": n, **evidence})
        for vid, nid, n in _rows(sql, (*params, threshold, threshold))
    ]


def nominee_burst(scope: Scope) -> list[Hit]:
    """An hour in which a nominee got far more votes than its own usual rate and its category's.

    Usual rates leave the hour under test out: the nominee's votes per hour over
    its other hours, and the category's votes per hour per nominee. Two steps:
    the bursting (nominee, hour) pairs from one aggregate, then their votes by
    nominee and time range (a join of every vote to the hour table made the
    planner sort all of them).
    """
    minimum, factor = settings.FRAUD_BURST_MIN_VOTES, settings.FRAUD_BURST_FACTOR
    hour = f"FLOOR({epoch('v.confirmed_at')} / 3600)"
    touched, params = _touched("v.category_id", scope)
    sql = f"""
        WITH hours AS (
            SELECT v.nominee_id, v.category_id, {hour} AS hour, COUNT(*) AS n
            FROM {VOTE} v WHERE {CONFIRMED} AND {touched}
            GROUP BY v.nominee_id, v.category_id, {hour}
        ), nominee_stats AS (
            SELECT nominee_id, SUM(n) AS total, MAX(hour) - MIN(hour) + 1 AS span FROM hours GROUP BY nominee_id
        ), category_stats AS (
            SELECT category_id, SUM(n) AS total, MAX(hour) - MIN(hour) + 1 AS span,
                   COUNT(DISTINCT nominee_id) AS nominees
            FROM hours GROUP BY category_id
        ), bursts AS (
            SELECT h.nominee_id, h.hour, h.n,
                   (ns.total - h.n) * 1.0 / CASE WHEN ns.span > 1 THEN ns.span - 1 ELSE 1 END AS nominee_rate,
                   (cs.total - h.n) * 1.0 / ((CASE WHEN cs.span > 1 THEN cs.span - 1 ELSE 1 END) * cs.nominees)
                       AS category_rate
            FROM hours h
            JOIN nominee_stats ns ON ns.nominee_id = h.nominee_id
            JOIN category_stats cs ON cs.category_id = h.category_id
            WHERE h.n >= %s
        )
        SELECT nominee_id, hour, n, nominee_rate, category_rate FROM bursts
        WHERE n >= %s * nominee_rate AND n >= %s * category_rate"""
    bursts = {
        (int(nid), int(h)): (int(n), float(nr), float(cr))
        for nid, h, n, nr, cr in _rows(sql, (*params, minimum, factor, factor))
    }
    hits = []
    adapt = connection.ops.adapt_datetimefield_value
    pairs = sorted(bursts)
    for start in range(0, len(pairs), 200):
        chunk = pairs[start : start + 200]
        ranges, range_params = [], []
        for nominee_id, h in chunk:
            # The range (a second wider each side) lets an index narrow the rows; the
            # hour expression, the same as above, decides, so float rounding agrees.
            begins = datetime.fromtimestamp(h * 3600, tz=UTC) - timedelta(seconds=1)
            ranges.append(f"(v.nominee_id = %s AND v.confirmed_at >= %s AND v.confirmed_at < %s AND {hour} = %s)")
            range_params += [nominee_id, adapt(begins), adapt(begins + timedelta(hours=1, seconds=2)), h]
        rows = _rows(f"SELECT v.id, v.nominee_id, {hour} FROM {VOTE} v WHERE {' OR '.join(ranges)}", range_params)
        for vid, nid, h in rows:
            n, nominee_rate, category_rate = bursts[(nid, int(h))]
            hits.append(
                Hit(
                    vid,
                    nid,
                    FraudRule.NOMINEE_BURST,
                    {
                        "votes_in_hour": n,
                        "nominee_usual_per_hour": round(nominee_rate, 2),
                        "category_usual_per_hour": round(category_rate, 2),
                        "factor": factor,
                        "minimum": minimum,
                    },
                )
            )
    return hits


def fast_confirmation(scope: Scope) -> list[Hit]:
    """Confirmed sooner after the e-mail left than a person can open it, click and press the button."""
    limit = settings.FRAUD_FAST_CONFIRM_SECONDS
    delay = f"({epoch('v.confirmed_at')} - {epoch('v.email_sent_at')})"
    sql = (
        f"SELECT v.id, v.nominee_id, {delay} FROM {VOTE} v "
        f"WHERE {scope.sql} AND {CONFIRMED} AND v.email_sent_at IS NOT NULL "
        f"AND v.email_sent_at <= v.confirmed_at AND {delay} < %s"
    )
    return [
        Hit(
            vid,
            nid,
            FraudRule.FAST_CONFIRMATION,
            {"seconds_after_email": round(float(s), 2), "threshold_seconds": limit},
        )
        for vid, nid, s in _rows(sql, (*scope.params, limit))
    ]


def agent_cluster(scope: Scope) -> list[Hit]:
    """Many different voters on one network with an identical user agent on one day."""
    minimum = settings.FRAUD_CLUSTER_MIN_VOTERS
    day = f"FLOOR({epoch('v.confirmed_at')} / 86400)"
    touched, params = _touched("v.network_hash, v.agent_hash", scope)
    sql = f"""
        WITH candidates AS MATERIALIZED (
            SELECT v.network_hash, v.agent_hash, {day} AS day FROM {VOTE} v WHERE {CONFIRMED} AND {touched}
            GROUP BY v.network_hash, v.agent_hash, {day} HAVING COUNT(*) >= %s
        ), clusters AS (
            SELECT c.network_hash, c.agent_hash, c.day, COUNT(DISTINCT v.email_canonical) AS voters
            FROM candidates c JOIN {VOTE} v ON v.network_hash = c.network_hash AND v.agent_hash = c.agent_hash
                AND {CONFIRMED} AND {day} = c.day
            GROUP BY c.network_hash, c.agent_hash, c.day HAVING COUNT(DISTINCT v.email_canonical) >= %s
        )
        SELECT v.id, v.nominee_id, c.voters FROM clusters c
        JOIN {VOTE} v ON v.network_hash = c.network_hash AND v.agent_hash = c.agent_hash AND {CONFIRMED} AND {day} = c.day"""
    return [
        Hit(vid, nid, FraudRule.AGENT_CLUSTER, {"voters_with_same_agent_and_network": voters, "threshold": minimum})
        for vid, nid, voters in _rows(sql, (*params, minimum, minimum))
    ]


def email_variant(scope: Scope) -> list[Hit]:
    """A later vote in a category from a variant of an address that already voted there.

    The unique constraint sees canonical addresses; this sees fingerprints, which
    also fold dots and +tags on every domain and the look-alike domains in
    FRAUD_LOOKALIKE_DOMAINS. A category holds one confirmed vote per canonical
    address, so a fingerprint seen twice means variants. The earliest vote of
    the group is left alone.
    """
    if scope.is_batch:
        touched, params = _touched("v.category_id, v.email_fingerprint", scope)
    else:
        # Category by category: the vote_fingerprint index (category, fingerprint) answers the grouping alone.
        touched = "v.category_id IN (SELECT id FROM nominations_category WHERE edition_id = %s)"
        params = scope.params
    sql = f"""
        WITH candidates AS MATERIALIZED (
            SELECT v.category_id, v.email_fingerprint FROM {VOTE} v
            WHERE {CONFIRMED} AND v.email_fingerprint <> '' AND {touched}
            GROUP BY v.category_id, v.email_fingerprint HAVING COUNT(*) > 1
        )
        SELECT v.id, v.nominee_id, COUNT(o.id), MIN(o.receipt_code)
        FROM candidates c
        JOIN {VOTE} v ON v.category_id = c.category_id AND v.email_fingerprint = c.email_fingerprint AND {CONFIRMED}
        JOIN {VOTE} o ON o.category_id = v.category_id AND o.email_fingerprint = v.email_fingerprint
            AND o.email_canonical <> v.email_canonical AND o.confirmed_at IS NOT NULL
            AND (o.confirmed_at < v.confirmed_at OR (o.confirmed_at = v.confirmed_at AND o.id < v.id))
        GROUP BY v.id, v.nominee_id"""
    return [
        Hit(vid, nid, FraudRule.EMAIL_VARIANT, {"earlier_variants": n, "earlier_receipt": receipt})
        for vid, nid, n, receipt in _rows(sql, params)
    ]


RULES = (disposable_domain, network_burst, nominee_burst, fast_confirmation, agent_cluster, email_variant)
