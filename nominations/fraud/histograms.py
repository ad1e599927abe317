"""What the integrity assessment reads from the votes: histograms counted by the database, and the few rows behind them.

The assessment (assess.py) never loads an edition's votes. The database counts
them per dimension in GROUP BYs (one pass over the edition) and sends back only
the pairs (nominee, value) big enough to be a group, with the totals each needs;
then, for the groups that stand out, their own rows; for their categories, a
sample of about POPULATION_SAMPLE rows; for the nominees that go to review, their
histograms against the rest of their category. Everything here is plain SQL that
runs on PostgreSQL and SQLite alike (the expressions that differ come from rules.py).
"""

from dataclasses import dataclass

import numpy as np
from django.db import connection

from .rules import VOTE, _rows, email_domain, epoch, local_part

# The order of the dimensions in the SQL (d = 0, 1, ...); night is derived from the hour.
SQL_DIMENSIONS = ("network", "wide_network", "agent", "domain", "delay", "hour", "night")
DOMAIN = SQL_DIMENSIONS.index("domain")
COUNTED = "v.confirmed_at IS NOT NULL AND v.standing <> 'rejected'"
SENT = "COALESCE(v.first_email_sent_at, v.email_sent_at)"
DELAY = f"COALESCE({epoch('v.confirmed_at')} - {epoch(SENT)}, -1)"
# Delay bands doubling in width from 4 s, floor(log2(max(delay, 1) / 4 + 1)), as a ladder
# of comparisons (SQLite has no logarithm): band b starts at 4 * (2**b - 1) seconds.
BAND = "CASE " + " ".join(f"WHEN {DELAY} < {4 * (2**b - 1)} THEN {b - 1}" for b in range(1, 31)) + " ELSE 30 END"


def hour_of_day(offset: float) -> str:
    """The local hour (0-23) of the confirmation, at the edition's fixed offset from UTC."""
    seconds = f"({epoch('v.confirmed_at')} + {float(offset)!r})"
    if connection.vendor == "postgresql":
        return f"(CAST(floor({seconds} / 3600) AS bigint) %% 24)"
    return f"(CAST({seconds} / 3600 AS INTEGER) %% 24)"


def key_columns(offset: float) -> str:
    """Every dimension's key of vote v, in SQL_DIMENSIONS order, as k0 ... k6 (k3, the domain, is text)."""
    hour = hour_of_day(offset)
    return (
        f"v.network_hash AS k0, v.wide_network_hash AS k1, v.agent_hash AS k2, {email_domain('v.email_canonical')} AS k3, "
        f"{BAND} AS k4, {hour} AS k5, CASE WHEN {hour} < 6 THEN 1 ELSE 0 END AS k6"
    )


def _per_dimension(source: str, who: str = "n") -> str:
    """(d, c, who, k, t, votes) for every dimension: integer keys in k, the domain in t."""
    parts = []
    for d in range(len(SQL_DIMENSIONS)):
        k, t = ("0", f"k{d}") if d == DOMAIN else (f"k{d}", "''")
        parts.append(
            f"SELECT {d} AS d, c, {who} AS who, {k} AS k, {t} AS t, COUNT(*) AS votes FROM {source} GROUP BY c, {who}, k{d}"
        )
    return " UNION ALL ".join(parts)


@dataclass
class Pairs:
    """The (nominee, value) pairs of one dimension with at least MIN_GROUP votes, and what scoring them needs."""

    nominee: np.ndarray
    category: np.ndarray
    key: np.ndarray  # integer keys; for the domain, an index into labels
    labels: list  # the domain names (empty for the other dimensions)
    votes: np.ndarray
    nominee_total: np.ndarray
    in_category: np.ndarray  # the category's votes with this value (valid ones)
    key_total: np.ndarray  # the edition's votes with this value (valid ones)
    category_total: np.ndarray
    width: int  # distinct values in the edition (invalid key 0 included)


@dataclass
class EditionCounts:
    size: int
    pairs: dict  # dimension -> Pairs
    single_network: dict  # category -> share of its votes whose /24 (/64) sent no other vote in the category
    category_total: dict
    common_domains: dict  # domain -> votes, for the domains with at least `common` votes (the others are rare)


def edition_counts(
    edition_id: int, *, offset: float, min_group: int, min_nominee: int, sparse, rare: float
) -> EditionCounts:
    """One statement: the edition's valid votes counted per dimension, reduced to the candidate pairs.

    `sparse`: the dimensions whose key 0 means "nothing to group" (not a pair, not in the totals).
    A domain with fewer than `rare` x the edition's votes is rare; only the others come back.
    """
    invalid = " OR ".join(f"(d = {SQL_DIMENSIONS.index(s)} AND k = 0)" for s in sparse) or "1 = 0"
    # Materialized steps and plain semi-joins only: the joins between them are done in Python
    # on a few thousand lines, so no plan can multiply them.
    sql = f"""
        WITH b AS MATERIALIZED (
            SELECT v.category_id AS c, v.nominee_id AS n, {key_columns(offset)}
            FROM {VOTE} v WHERE v.edition_id = %s AND {COUNTED}
        ), h AS MATERIALIZED ({_per_dimension("b")}
        ), valid AS MATERIALIZED (SELECT d, c, who AS n, k, t, votes FROM h WHERE NOT ({invalid})
        ), nt AS MATERIALIZED (SELECT who AS n, SUM(votes) AS total FROM h WHERE d = 0 GROUP BY who HAVING SUM(votes) >= %s
        ), cand AS MATERIALIZED (
            SELECT d, c, n, k, t, votes FROM valid WHERE votes >= %s AND n IN (SELECT n FROM nt)
        ), ck AS MATERIALIZED (SELECT d, c, k, t, SUM(votes) AS votes FROM valid GROUP BY d, c, k, t
        ), kt AS MATERIALIZED (SELECT d, k, t, SUM(votes) AS votes FROM valid GROUP BY d, k, t
        ), ct AS MATERIALIZED (SELECT c, SUM(votes) AS total FROM h WHERE d = 0 GROUP BY c
        )
        SELECT 'pair', d, c, n, k, t, votes FROM cand
        UNION ALL SELECT 'nominee', 0, 0, n, 0, '', total FROM nt
        UNION ALL SELECT 'in_category', d, c, 0, k, t, votes FROM ck WHERE (d, c, k, t) IN (SELECT d, c, k, t FROM cand)
        UNION ALL SELECT 'key', d, 0, 0, k, t, votes FROM kt
            WHERE (d, k, t) IN (SELECT d, k, t FROM cand) OR (d = {DOMAIN} AND votes >= %s * (SELECT SUM(total) FROM ct))
        UNION ALL SELECT 'category', 0, c, 0, 0, '', total FROM ct
        UNION ALL SELECT 'single', 0, c, 0, 0, '', COUNT(*) FROM ck WHERE d = 0 AND votes = 1 GROUP BY c
        UNION ALL SELECT 'width', d, 0, 0, 0, '', COUNT(*) FROM (SELECT DISTINCT d, k, t FROM h) keys GROUP BY d
    """
    rows = _rows(sql, (edition_id, min_nominee, min_group, rare))
    by_kind: dict[str, list] = {}
    for kind, *row in rows:
        by_kind.setdefault(kind, []).append(row)
    nominee_total = {n: int(v) for _d, _c, n, _k, _t, v in by_kind.get("nominee", [])}
    in_category = {(d, c, k, t): int(v) for d, c, _n, k, t, v in by_kind.get("in_category", [])}
    key_total = {(d, k, t): int(v) for d, _c, _n, k, t, v in by_kind.get("key", [])}
    category_total = {c: int(v) for _d, c, _n, _k, _t, v in by_kind.get("category", [])}
    single = {c: int(v) for _d, c, _n, _k, _t, v in by_kind.get("single", [])}
    widths = {SQL_DIMENSIONS[d]: int(v) for d, _c, _n, _k, _t, v in by_kind.get("width", [])}
    size = sum(category_total.values())
    common = {t: votes for (d, _k, t), votes in key_total.items() if d == DOMAIN and votes >= rare * size}
    pairs = {}
    for d, dimension in enumerate(SQL_DIMENSIONS):
        # In the order the arrays used to come in: by nominee, then by value.
        mine = sorted((r for r in by_kind.get("pair", []) if r[0] == d), key=lambda r: (r[2], r[3], r[4]))
        labels = sorted({r[4] for r in mine}) if d == DOMAIN else []
        code = {label: i for i, label in enumerate(labels)}
        pairs[dimension] = Pairs(
            nominee=np.array([r[2] for r in mine], dtype=np.int64),
            category=np.array([r[1] for r in mine], dtype=np.int64),
            key=np.array([code[r[4]] if d == DOMAIN else r[3] for r in mine], dtype=np.int64),
            labels=labels,
            votes=np.array([r[5] for r in mine], dtype=float),
            nominee_total=np.array([nominee_total[r[2]] for r in mine], dtype=float),
            in_category=np.array([in_category[(d, r[1], r[3], r[4])] for r in mine], dtype=float),
            key_total=np.array([key_total[(d, r[3], r[4])] for r in mine], dtype=float),
            category_total=np.array([category_total[r[1]] for r in mine], dtype=float),
            width=widths.get(dimension, 1),
        )
    return EditionCounts(
        size,
        pairs,
        {c: single.get(c, 0) / max(total, 1) for c, total in category_total.items()},
        category_total,
        common,
    )


class Rows:
    """Some of the edition's valid votes as numpy columns (a group's, or a category's sample), as the measures read them."""

    def __init__(self, rows: list[tuple], *, size: int, common_domains: dict):
        # rows: (tag, id, nominee, time, delay, network, agent, domain, local, hour, voter votes)
        n = len(rows)
        columns = list(zip(*rows, strict=True)) if rows else [()] * 11
        self.tag = np.array(columns[0], dtype=np.int64)
        self.ids = np.array(columns[1], dtype=np.int64)
        self.nominee = np.array(columns[2], dtype=np.int64)
        self.time = np.array(columns[3], dtype=float)
        self.delay = np.array(columns[4], dtype=float)
        self.locals = list(columns[8])
        self.domain_names, domain_codes = (
            np.unique(np.array(columns[7], dtype=object).astype(str), return_inverse=True) if n else ([], [])
        )
        self.voter_votes = np.array(columns[10], dtype=np.int64)
        self.keys = {
            "network": np.array(columns[5], dtype=np.int64),
            "agent": np.array(columns[6], dtype=np.int64),
            "domain": np.asarray(domain_codes, dtype=np.int64),
            "hour": np.array(columns[9], dtype=np.int64),
        }
        # The edition's share of each domain; a rare domain's exact share is not fetched: it reads as 0.
        self.domain_share = np.array([common_domains.get(str(d), 0) / max(size, 1) for d in self.domain_names])
        self.size = n


def _row_columns(offset: float) -> str:
    return (
        f"v.id, v.nominee_id, {epoch('v.confirmed_at')} AS time, {DELAY} AS delay, v.network_hash, v.agent_hash, "
        f"{email_domain('v.email_canonical')} AS domain, {local_part('v.email_canonical')} AS local, "
        f"{hour_of_day(offset)} AS hour, v.email_canonical AS voter"
    )


def _with_voter_votes(ctes: str, picked: str) -> str:
    """The picked rows (tag, _row_columns) with how many valid votes each voter has in the edition (param: edition).

    The voters are looked up by address alone (the email_canonical index), each once,
    and counted per edition after: an index on the edition would tempt the planner
    into reading the whole edition for every voter.
    """
    return f"""
        WITH {ctes} picked AS MATERIALIZED ({picked}),
        voters AS MATERIALIZED (
            SELECT o.email_canonical AS voter,
                   SUM(CASE WHEN o.edition_id = %s AND o.confirmed_at IS NOT NULL AND o.standing <> 'rejected'
                       THEN 1 ELSE 0 END) AS votes
            FROM {VOTE} o WHERE o.email_canonical IN (SELECT voter FROM picked)
            GROUP BY o.email_canonical
        )
        SELECT p.tag, p.id, p.nominee_id, p.time, p.delay, p.network_hash, p.agent_hash, p.domain, p.local, p.hour,
               COALESCE(voters.votes, 0)
        FROM picked p LEFT JOIN voters ON voters.voter = p.voter
        ORDER BY p.tag, p.id
    """


def group_rows(edition_id: int, groups: list[tuple[int, str, int, object]], *, offset: float) -> list[tuple]:
    """The rows of each group (tag, dimension, nominee, key), read through the nominee index: (tag, columns...)."""
    if not groups:
        return []
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(groups))
    params: list = []
    for tag, dimension, nominee, key in groups:
        d = SQL_DIMENSIONS.index(dimension)
        params += [tag, d, nominee, 0 if d == DOMAIN else int(key), str(key) if d == DOMAIN else ""]
    nominees = sorted({nominee for _tag, _d, nominee, _k in groups})
    columns = "k.id, k.nominee_id, k.time, k.delay, k.network_hash, k.agent_hash, k.domain, k.local, k.hour, k.voter"
    # One hash join per dimension on (nominee, value).
    picked = " UNION ALL ".join(
        f"SELECT g.tag, {columns} FROM k JOIN g ON g.d = {d} AND g.n = k.nominee_id AND "
        + (f"g.t = k.k{d}" if d == DOMAIN else f"g.k = k.k{d}")
        for d in sorted({SQL_DIMENSIONS.index(dimension) for _tag, dimension, _n, _k in groups})
    )
    ctes = f"""g (tag, d, n, k, t) AS (VALUES {values}),
        k AS MATERIALIZED (
            SELECT {_row_columns(offset)}, {key_columns(offset)} FROM {VOTE} v
            WHERE v.edition_id = %s AND {COUNTED} AND v.nominee_id IN ({", ".join(["%s"] * len(nominees))})
        ),"""
    sql = _with_voter_votes(ctes, picked)
    return _rows(sql, (*params, edition_id, *nominees, edition_id))


def category_samples(edition_id: int, totals: dict[int, int], *, offset: float, sample: int) -> list[tuple]:
    """About `sample` valid votes of each category (a fixed pseudo-random choice by id): (category, columns...)."""
    if not totals:
        return []
    # Keep a vote when a hash of its id falls under the category's rate (every vote in a small category).
    limits = ", ".join(["(%s, %s)"] * len(totals))
    params: list = []
    for category, total in sorted(totals.items()):
        params += [category, int(min(1.0, sample / max(total, 1)) * 2**32)]
    picked = f"""
        SELECT v.category_id AS tag, {_row_columns(offset)}
        FROM {VOTE} v JOIN r ON r.c = v.category_id
        WHERE {COUNTED} AND ((v.id * 2654435761) %% 4294967296) < r.below
    """
    # (The categories are the edition's: no test of the edition, which would lead the planner to its index.)
    sql = _with_voter_votes(f"r (c, below) AS (VALUES {limits}),", picked)
    return _rows(sql, (*params, edition_id))


def nominee_histograms(edition_id: int, nominees: dict[int, int], *, offset: float) -> list[tuple]:
    """For each nominee (id -> category): per dimension, its votes and the rest of its category's, value by value.

    Only the values the nominee has (dimension, nominee, key, domain, mine, rest): the rest of
    the category's votes, on values the nominee has none of, weigh as one bin in a
    Jensen-Shannon distance (the caller adds it from the category's total).
    """
    if not nominees:
        return []
    categories = sorted(set(nominees.values()))
    marks_n = ", ".join(["%s"] * len(nominees))
    marks_c = ", ".join(["%s"] * len(categories))
    sql = f"""
        WITH b AS (
            SELECT v.category_id AS c, CASE WHEN v.nominee_id IN ({marks_n}) THEN v.nominee_id ELSE 0 END AS who,
                   {key_columns(offset)}
            FROM {VOTE} v WHERE v.edition_id = %s AND {COUNTED} AND v.category_id IN ({marks_c})
        ), h AS ({_per_dimension("b", "who")})
        SELECT h.d, h.who, h.k, h.t, h.votes, COALESCE(SUM(o.votes), 0)
        FROM h LEFT JOIN h o ON o.d = h.d AND o.c = h.c AND o.k = h.k AND o.t = h.t AND o.who <> h.who
        WHERE h.who <> 0
        GROUP BY h.d, h.who, h.k, h.t, h.votes
    """
    return _rows(sql, (*nominees, edition_id, *categories))
