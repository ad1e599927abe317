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
from datetime import datetime

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from django.conf import settings
from django.db import connection

from ..models import FraudRule
from .signals import is_automation_agent, is_machine_made, lookalike_of, night_share, regularity

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


def local_part(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"split_part({column}, '@', 1)"
    return f"substr({column}, 1, instr({column}, '@') - 1)"


def tune_for_scans() -> None:
    """For the rest of the caller's transaction (PostgreSQL): no JIT, and room to sort in memory.

    These are short analytic queries: JIT compiling them cost about 0.5 s each,
    more than running them, and the default 4 MB work_mem sent their sorts and
    hash aggregates of a million votes to disk (64 MB still did).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '256MB'")


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def _touched(columns: str, scope: Scope) -> tuple[str, tuple]:
    """A condition limiting votes to the groups (by `columns`) that the scope's votes belong to.

    Every group starts with the edition: a rule run for one edition's batch never
    reaches, flags or holds another edition's votes (a network or an agent is shared).
    """
    if not scope.is_batch:
        return scope.sql, scope.params
    columns = f"v.edition_id, {columns}"
    return f"({columns}) IN (SELECT {columns} FROM {VOTE} v WHERE {scope.sql})", scope.params


def disposable_domain(scope: Scope) -> list[Hit]:
    """Votes from a throw-away mailbox: a domain on the maintained list, or one detected as such.

    The domain is the one the voter typed (the canonical address), judged as
    itself: a look-alike such as gmial.com is never mapped to the real provider; it is
    on the list in its own right, or it is one edit from a major provider (gmai.com):
    a confirmed vote from it means someone reads that domain's mail, a catch-all. Detected: an unlisted domain from which at
    least FRAUD_THROWAWAY_MIN_VOTERS voters of the edition came, most of them with
    machine-made names (a catch-all domain filled by a script).
    """
    domain = email_domain("v.email_canonical")
    voters = dict(
        _rows(
            f"SELECT {domain}, COUNT(*) FROM {VOTE} v WHERE {scope.sql} AND {CONFIRMED} GROUP BY {domain}", scope.params
        )
    )
    domains = list(voters)
    listed = {d for d in domains if d in DISPOSABLE_DOMAINS}
    lookalikes = {d: real for d in domains if d not in listed and (real := lookalike_of(d))}
    # Detection reads every vote of a domain: the edition-wide scans (fraudscan, the hourly
    # assessment) do it, so that a batch's cost stays with the batch, not the edition.
    detected = {} if scope.is_batch or len(listed) == len(domains) else _detected_throwaway(voters, scope)
    detected = {d: e for d, e in detected.items() if d not in lookalikes}
    evidence = (
        {d: {"domain": d, "listed": True} for d in listed}
        | {d: {"domain": d, "listed": False, "lookalike_of": real} for d, real in lookalikes.items()}
        | detected
    )
    hits = []
    bad = sorted(evidence)
    for start in range(0, len(bad), 500):
        chunk = bad[start : start + 500]
        marks = ", ".join(["%s"] * len(chunk))
        rows = _rows(
            f"SELECT v.id, v.nominee_id, {domain} FROM {VOTE} v WHERE {scope.sql} AND {CONFIRMED} AND {domain} IN ({marks})",
            (*scope.params, *chunk),
        )
        hits += [Hit(vid, nid, FraudRule.DISPOSABLE_DOMAIN, evidence[d]) for vid, nid, d in rows]
    return hits


def _detected_throwaway(voters: dict[str, int], scope: Scope) -> dict[str, dict]:
    """The domains whose edition voters (`voters`: the scope's count per domain) mostly have machine-made names."""
    minimum = settings.FRAUD_THROWAWAY_MIN_VOTERS
    domain = email_domain("v.email_canonical")
    candidates = sorted(d for d, n in voters.items() if n >= minimum)
    if not candidates:
        return {}
    # Every candidate domain's names, up to 200 of each, the earliest (a big provider needs no
    # more to tell): the votes are ranked by id alone (a narrow sort), the names read after by id.
    ids = []
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        ids += [
            vid
            for (vid,) in _rows(
                f"""SELECT id FROM (
                    SELECT v.id, ROW_NUMBER() OVER (PARTITION BY {domain} ORDER BY v.id) AS k
                    FROM {VOTE} v WHERE {CONFIRMED} AND {scope.sql} AND {domain} IN ({", ".join(["%s"] * len(chunk))})
                ) ranked WHERE k <= 200""",
                (*scope.params, *chunk),
            )
        ]
    names: dict[str, list[str]] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for d, name in _rows(
            f"SELECT {domain}, {local_part('v.email_canonical')} FROM {VOTE} v "
            f"WHERE v.id IN ({', '.join(['%s'] * len(chunk))})",
            chunk,
        ):
            names.setdefault(d, []).append(name)
    found = {}
    for d, locals_ in names.items():
        made = sum(1 for name in locals_ if is_machine_made(name))
        if made >= 0.6 * len(locals_):
            found[d] = {
                "domain": d,
                "listed": False,
                "voters": voters[d],
                "machine_made_share": round(made / len(locals_), 2),
            }
    return found


def network_burst(scope: Scope) -> list[Hit]:
    """A vote farm: a network (/24, /64) whose votes in the edition all serve one nominee, round the clock or like clockwork.

    An office, a university or a mobile carrier's NAT shares one address among
    many people who vote for many nominees, in working hours and in bursts; a
    farm's traffic has no other purpose. Candidates are (edition, network) with
    FRAUD_FARM_MIN_VOTES votes, at least 95 % for one nominee; then it must vote at
    night (a quarter of its votes between 0 and 6 local time) or at regular intervals.
    """
    minimum = settings.FRAUD_FARM_MIN_VOTES
    if scope.is_batch:
        candidates = _farm_candidates_of_batch(scope, minimum)
    else:
        # One pass: every (network, nominee) pair of the edition counted, with its network's total beside it.
        candidates = _rows(
            f"""SELECT e, net, nid FROM (
                SELECT v.edition_id AS e, v.network_hash AS net, v.nominee_id AS nid, COUNT(*) AS n,
                       SUM(COUNT(*)) OVER (PARTITION BY v.edition_id, v.network_hash) AS total
                FROM {VOTE} v WHERE {CONFIRMED} AND {scope.sql}
                GROUP BY v.edition_id, v.network_hash, v.nominee_id
            ) pairs WHERE n >= %s AND n >= 0.95 * total""",
            (*scope.params, minimum),
        )
    hits = []
    for (edition_id, _network, nominee_id), rows in _votes_of_pairs(candidates).items():
        times = [t for _vid, t in rows]
        night, regular = night_share(times, edition_id), regularity(times)
        if night >= 0.25 or regular < 0.5:
            evidence = {
                "votes_from_network": len(rows),
                "night_share": round(night, 2),
                "gap_variation": round(regular, 2),
            }
            hits += [Hit(vid, nominee_id, FraudRule.NETWORK_BURST, evidence) for vid, _t in rows]
    return hits


def _farm_candidates_of_batch(scope: Scope, minimum: int) -> list[tuple]:
    """The batch's (edition, network, nominee) with `minimum` votes and 95 % of their network's votes."""
    # The (nominee, network) pairs of the batch, read through the vote_nominee_network index.
    touched = f"(v.nominee_id, v.network_hash) IN (SELECT v.nominee_id, v.network_hash FROM {VOTE} v WHERE {scope.sql})"
    pairs = _rows(
        f"SELECT v.edition_id, v.network_hash, v.nominee_id, COUNT(*) FROM {VOTE} v WHERE {CONFIRMED} AND {touched} "
        f"GROUP BY v.edition_id, v.network_hash, v.nominee_id HAVING COUNT(*) >= %s",
        (*scope.params, minimum),
    )
    candidates = []
    for start in range(0, len(pairs), 200):
        chunk = pairs[start : start + 200]
        marks = " OR ".join(["(v.edition_id = %s AND v.network_hash = %s)"] * len(chunk))
        totals = dict(
            ((e, net), n)
            for e, net, n in _rows(
                f"SELECT v.edition_id, v.network_hash, COUNT(*) FROM {VOTE} v WHERE {CONFIRMED} AND ({marks}) "
                f"GROUP BY v.edition_id, v.network_hash",
                [x for e, net, _nid, _n in chunk for x in (e, net)],
            )
        )
        candidates += [(e, net, nid) for e, net, nid, n in chunk if n >= 0.95 * totals[(e, net)]]
    return candidates


def _votes_of_pairs(pairs: list[tuple]) -> dict[tuple, list[tuple[int, float]]]:
    """The confirmed votes (id, epoch) of each (edition, network, nominee), a few hundred pairs per query."""
    votes: dict[tuple, list[tuple[int, float]]] = {}
    for start in range(0, len(pairs), 300):
        chunk = pairs[start : start + 300]
        marks = " OR ".join(["(v.nominee_id = %s AND v.network_hash = %s AND v.edition_id = %s)"] * len(chunk))
        for e, net, nid, vid, t in _rows(
            f"SELECT v.edition_id, v.network_hash, v.nominee_id, v.id, {epoch('v.confirmed_at')} FROM {VOTE} v "
            f"WHERE {CONFIRMED} AND ({marks}) ORDER BY v.id",
            [x for pair in chunk for x in (pair[2], pair[1], pair[0])],
        ):
            votes.setdefault((e, net, nid), []).append((vid, float(t)))
    return votes


def fast_confirmation(scope: Scope) -> list[Hit]:
    """Confirmed sooner after the first valid link left than a person can open it, click and press the button.

    Every link mailed for a vote stays valid, so the clock starts at the first
    send (a resend must not make an old link look fast). A confirmation that came
    before the send time was even written counts as fast: that is a negative delay.
    """
    limit = settings.FRAUD_FAST_CONFIRM_SECONDS
    sent = "COALESCE(v.first_email_sent_at, v.email_sent_at)"
    delay = f"({epoch('v.confirmed_at')} - {epoch(sent)})"
    sql = (
        f"SELECT v.id, v.nominee_id, {delay} FROM {VOTE} v "
        f"WHERE {scope.sql} AND {CONFIRMED} AND {sent} IS NOT NULL AND {delay} < %s"
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
    """Many different voters of one edition on one network with an identical user agent on one day, for one nominee."""
    minimum = settings.FRAUD_CLUSTER_MIN_VOTERS
    day = f"FLOOR({epoch('v.confirmed_at')} / 86400)"
    touched, params = _touched("v.network_hash, v.agent_hash", scope)
    # One nominee means one category, where a confirmed vote's address is unique
    # (vote_one_counted_per_voter_category): the group's votes are its different voters.
    sql = f"""
        WITH clusters AS MATERIALIZED (
            SELECT v.edition_id, v.network_hash, v.agent_hash, {day} AS day, COUNT(*) AS voters FROM {VOTE} v
            WHERE {CONFIRMED} AND {touched}
            GROUP BY v.edition_id, v.network_hash, v.agent_hash, {day}
            HAVING COUNT(*) >= %s AND MIN(v.nominee_id) = MAX(v.nominee_id)
        )
        SELECT v.id, v.nominee_id, c.voters FROM clusters c
        JOIN {VOTE} v ON v.edition_id = c.edition_id AND v.network_hash = c.network_hash
            AND v.agent_hash = c.agent_hash AND {CONFIRMED} AND {day} = c.day"""
    return [
        Hit(vid, nid, FraudRule.AGENT_CLUSTER, {"voters_with_same_agent_and_network": voters, "threshold": minimum})
        for vid, nid, voters in _rows(sql, (*params, minimum))
    ]


def automation_agent(scope: Scope) -> list[Hit]:
    """Votes confirmed from an automation user agent (headless browsers, HTTP libraries, command-line tools)."""
    agents = _rows(
        f"SELECT DISTINCT v.agent_hash, v.user_agent FROM {VOTE} v WHERE {scope.sql} AND {CONFIRMED}", scope.params
    )
    evidence = {h: {"user_agent": ua[:120]} for h, ua in agents if is_automation_agent(ua)}
    hits = []
    bad = sorted(evidence)
    for start in range(0, len(bad), 500):
        chunk = bad[start : start + 500]
        rows = _rows(
            f"SELECT v.id, v.nominee_id, v.agent_hash FROM {VOTE} v WHERE {scope.sql} AND {CONFIRMED} "
            f"AND v.agent_hash IN ({', '.join(['%s'] * len(chunk))})",
            (*scope.params, *chunk),
        )
        hits += [Hit(vid, nid, FraudRule.AUTOMATION, evidence[h]) for vid, nid, h in rows]
    return hits


def email_variant(scope: Scope) -> list[Hit]:
    """A later vote in a category from a variant of an address that already voted there.

    The unique constraint sees canonical addresses; this sees fingerprints, which
    fold what the provider itself delivers to one inbox (gmail dots, +tags where
    supported, yahoo's hyphen aliases). A category holds one confirmed vote per canonical
    address, so a fingerprint seen twice means variants. The earliest vote of
    the group is left alone.
    """
    if scope.is_batch:
        touched, params = _touched("v.category_id, v.email_fingerprint", scope)
        candidates = f"""SELECT v.category_id, v.email_fingerprint FROM {VOTE} v
            WHERE {CONFIRMED} AND v.email_fingerprint <> '' AND {touched}
            GROUP BY v.category_id, v.email_fingerprint HAVING COUNT(*) > 1"""
    else:
        # A category holds one confirmed vote per canonical address, so of two votes with one
        # fingerprint at least one was folded (fingerprint <> address): those few name the groups.
        params = scope.params
        candidates = f"""SELECT DISTINCT v.category_id, v.email_fingerprint FROM {VOTE} v
            WHERE {CONFIRMED} AND v.email_fingerprint <> '' AND v.email_fingerprint <> v.email_canonical
                AND {scope.sql}"""
    # Within a group (all different addresses, as above), a vote's earlier variants are the
    # votes before it in (confirmed_at, id) order: its rank, and the least receipt before it.
    sql = f"""
        WITH candidates AS MATERIALIZED ({candidates}),
        ranked AS (
            SELECT v.id, v.nominee_id, ROW_NUMBER() OVER w AS k,
                   MIN(v.receipt_code) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earliest
            FROM candidates c
            JOIN {VOTE} v ON v.category_id = c.category_id AND v.email_fingerprint = c.email_fingerprint AND {CONFIRMED}
            WINDOW w AS (PARTITION BY v.category_id, v.email_fingerprint ORDER BY v.confirmed_at, v.id)
        )
        SELECT id, nominee_id, k - 1, earliest FROM ranked WHERE k > 1"""
    return [
        Hit(vid, nid, FraudRule.EMAIL_VARIANT, {"earlier_variants": n, "earlier_receipt": receipt})
        for vid, nid, n, receipt in _rows(sql, params)
    ]


# The per-vote rules, in the order they run; each returns hits for its FraudRule code only.
RULES = (disposable_domain, network_burst, fast_confirmation, agent_cluster, email_variant, automation_agent)
