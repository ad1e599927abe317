"""The per-nominee integrity assessment: how far a nominee's votes stand apart from its category's.

Two lines of evidence, both needed, so that a group of people who simply share
something (an office's NAT, a firm's mail domain, a TV evening) is not taken for
a campaign:

1. Concentration. For each dimension (network /24 or /64, network /16 or /48,
   user agent, mail domain, confirmation delay band, hour of day), the votes a
   nominee got from one value ("group") against what the rest of the category
   (or, in a small category, the edition) gives that value: a binomial tail
   (scipy.stats.binom.sf). Its -log10 is the group's concentration score.
2. Unlike the category's voters on the other measures: the group's confirmation
   delays (two-sample Kolmogorov-Smirnov), arrival regularity (index-of-dispersion
   chi-square, lower tail: clockwork), night share, agent concentration,
   machine-made names, rare domains, one-category voters, one vote per network
   (binomial tails). Measures that a genuine group may well show (rare domain,
   one category) weigh at most WEAK_CAP.

A group's score is min(concentration, the two strongest other measures added);
the nominee's is its strongest group's. The evidence keeps every measure of
every group over half the threshold, and the nominee's overall profile against
the category's (Jensen-Shannon distances).
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import connection
from scipy import stats
from scipy.spatial.distance import jensenshannon

from .rules import VOTE, _rows, email_domain, epoch, local_part
from .signals import is_machine_made

STRONG_CAP = 10.0  # -log10 p: one measure never says more than this
WEAK_CAP = 3.0
CONCENTRATION_CAP = 40.0
MIN_GROUP = 8  # fewer votes cannot show a second line of evidence
POPULATION_SAMPLE = 4000

DELAY = "COALESCE({c} - {s}, -1)"


@dataclass
class Group:
    nominee_id: int
    category_id: int
    dimension: str
    key: object
    votes: int
    concentration: float
    measures: dict = field(default_factory=dict)
    vote_ids: list = field(default_factory=list)

    @property
    def score(self) -> float:
        top = sorted(self.measures.values(), reverse=True)[:2]
        return min(self.concentration, sum(top))


def _score(p: float, cap: float) -> float:
    return float(min(cap, -math.log10(max(p, 1e-300))))


def _dimensions(offset: float) -> dict[str, str]:
    delay = f"({epoch('v.confirmed_at')} - {epoch('COALESCE(v.first_email_sent_at, v.email_sent_at)')})"
    return {
        "network": "v.network_hash",
        "wide_network": "v.wide_network_hash",
        "agent": "v.agent_hash",
        "domain": email_domain("v.email_canonical"),
        # Bands doubling in width from 4 s: a script's fixed wait fills one or two.
        "delay": f"CAST(FLOOR(LN(GREATEST({delay}, 1.0) / 4.0 + 1) / LN(2)) AS INTEGER)"
        if connection.vendor == "postgresql"
        else f"CAST(LOG(MAX({delay}, 1.0) / 4.0 + 1) / LOG(2) AS INTEGER)",
        "hour": f"CAST(FLOOR(({epoch('v.confirmed_at')} + {offset}) / 3600) AS INTEGER) %% 24",
    }


def _offset(edition) -> float:
    offset = edition.voting_opens_at.astimezone(edition.zone).utcoffset()
    return offset.total_seconds() if offset else 0.0


def _counts(edition, expression: str) -> dict:
    """{(category, nominee): {key: n}} over the edition's confirmed votes (rejected ones left out)."""
    counts: dict = defaultdict(dict)
    for category_id, nominee_id, key, n in _rows(
        f"SELECT v.category_id, v.nominee_id, {expression}, COUNT(*) FROM {VOTE} v "
        f"WHERE v.edition_id = %s AND v.confirmed_at IS NOT NULL AND v.standing <> 'rejected' "
        f"GROUP BY v.category_id, v.nominee_id, {expression}",
        (edition.pk,),
    ):
        counts[(category_id, nominee_id)][key] = n
    return counts


def _concentrated(counts: dict, threshold: float) -> tuple[list[Group], dict]:
    """Groups over-represented in their nominee's votes, and the per-(category) profiles for the evidence."""
    category_totals: dict = defaultdict(lambda: defaultdict(int))
    edition_totals: dict = defaultdict(int)
    for (category_id, _nominee), keys in counts.items():
        for key, n in keys.items():
            category_totals[category_id][key] += n
            edition_totals[key] += n
    category_sum = {c: sum(k.values()) for c, k in category_totals.items()}
    edition_sum = sum(edition_totals.values())
    groups = []
    minimum = settings.FRAUD_ASSESS_MIN_VOTES
    for (category_id, nominee_id), keys in counts.items():
        total = sum(keys.values())
        if total < minimum:
            continue
        rest = category_sum[category_id] - total
        # A category with few other votes says little: compare with the edition instead.
        population, population_sum = (
            (category_totals[category_id], rest) if rest >= 200 else (edition_totals, edition_sum - total)
        )
        keys_list = [k for k, n in keys.items() if n >= MIN_GROUP]
        if not keys_list:
            continue
        n = np.array([keys[k] for k in keys_list], dtype=float)
        others = np.array([population[k] for k in keys_list], dtype=float) - n
        share = (others + 0.5) / (max(population_sum, 1) + 0.5 * (len(population) + 1))
        p = stats.binom.sf(n - 1, total, np.clip(share, 1e-12, 1.0))
        for key, votes, pv in zip(keys_list, n, p, strict=True):
            concentration = _score(pv, CONCENTRATION_CAP)
            if concentration >= threshold:
                groups.append(Group(nominee_id, category_id, "", key, int(votes), concentration))
    return groups, category_totals


@dataclass
class Population:
    delays: np.ndarray
    night: float
    agent_share: dict
    rare_domain_share: float
    one_category_share: float
    machine_share: float
    domain_share: dict
    single_network_share: float


def _vote_rows(where: str, params: tuple, offset: float) -> list[tuple]:
    delay = f"({epoch('v.confirmed_at')} - {epoch('COALESCE(v.first_email_sent_at, v.email_sent_at)')})"
    return _rows(
        f"""SELECT v.id, {epoch("v.confirmed_at")}, {delay}, v.agent_hash, {email_domain("v.email_canonical")},
                   {local_part("v.email_canonical")}, v.network_hash,
                   (SELECT COUNT(*) FROM {VOTE} o WHERE o.edition_id = v.edition_id
                        AND o.email_canonical = v.email_canonical AND o.confirmed_at IS NOT NULL)
            FROM {VOTE} v WHERE {where} AND v.confirmed_at IS NOT NULL AND v.standing <> 'rejected'""",
        params,
    )


def _population(edition, category_id: int, offset: float, domain_counts: dict) -> Population:
    sample = _vote_rows(
        "v.edition_id = %s AND v.category_id = %s AND v.id %% %s = 0",
        (edition.pk, category_id, max(1, _category_size(edition, category_id) // POPULATION_SAMPLE)),
        offset,
    )
    rows = np.array([(r[1], r[2] if r[2] is not None else -1) for r in sample], dtype=float).reshape(-1, 2)
    hours = ((rows[:, 0] + offset) // 3600) % 24 if len(rows) else np.zeros(0)
    agents: dict = defaultdict(int)
    for r in sample:
        agents[r[3]] += 1
    total_domains = sum(domain_counts.values()) or 1
    rare = [domain_counts.get(r[4], 0) / total_domains < 0.0005 for r in sample]
    networks: dict = defaultdict(int)
    for r in sample:
        networks[r[6]] += 1
    size = max(len(sample), 1)
    return Population(
        delays=rows[:, 1],
        night=float(np.mean(hours < 6)) if len(hours) else 0.2,
        agent_share={k: v / size for k, v in agents.items()},
        rare_domain_share=float(np.mean(rare)) if rare else 0.01,
        one_category_share=float(np.mean([r[7] <= 1 for r in sample])) if sample else 0.5,
        machine_share=float(np.mean([is_machine_made(r[5]) for r in sample])) if sample else 0.01,
        domain_share={d: n / total_domains for d, n in domain_counts.items()},
        single_network_share=float(np.mean([networks[r[6]] == 1 for r in sample])) if sample else 0.5,
    )


def _category_size(edition, category_id: int) -> int:
    return _rows(
        f"SELECT COUNT(*) FROM {VOTE} v WHERE v.edition_id = %s AND v.category_id = %s AND v.confirmed_at IS NOT NULL",
        (edition.pk, category_id),
    )[0][0]


def _greater(k: int, n: int, p: float, cap: float) -> float:
    """Score of seeing k or more of n when each has chance p (one-sided binomial)."""
    return _score(float(stats.binom.sf(k - 1, n, min(max(p, 1e-6), 1 - 1e-9))), cap)


def _other_measures(group: Group, rows: list[tuple], population: Population, offset: float) -> dict:
    n = len(rows)
    times = np.array([r[1] for r in rows], dtype=float)
    delays = np.array([r[2] if r[2] is not None else -1 for r in rows], dtype=float)
    measures: dict[str, float] = {}
    if group.dimension != "delay" and len(population.delays) >= 20:
        measures["delay"] = _score(float(stats.ks_2samp(delays, population.delays).pvalue), STRONG_CAP)
    hours = ((times + offset) // 3600) % 24
    if group.dimension != "hour":
        measures["night"] = _greater(int(np.sum(hours < 6)), n, max(population.night, 0.01), STRONG_CAP)
    # Arrival regularity: votes per hour over the group's active hours; too even is clockwork.
    hourly = np.bincount(((times - times.min()) // 3600).astype(int))
    if len(hourly) >= 6 and hourly.mean() > 0:
        dispersion = float(((hourly - hourly.mean()) ** 2).sum() / hourly.mean())
        measures["regularity"] = _score(float(stats.chi2.cdf(dispersion, len(hourly) - 1)), STRONG_CAP)
    if group.dimension != "agent":
        agents: dict = defaultdict(int)
        for r in rows:
            agents[r[3]] += 1
        top, k = max(agents.items(), key=lambda item: item[1])
        measures["agent"] = _greater(k, n, population.agent_share.get(top, 0.0) + 0.02, STRONG_CAP)
    machine = sum(1 for r in rows if is_machine_made(r[5]))
    measures["machine_names"] = _greater(machine, n, population.machine_share + 0.01, STRONG_CAP)
    if group.dimension != "domain":
        rare = sum(1 for r in rows if population.domain_share.get(r[4], 0.0) < 0.0005)
        measures["rare_domain"] = _greater(rare, n, population.rare_domain_share + 0.01, WEAK_CAP)
    one = sum(1 for r in rows if r[7] <= 1)
    measures["one_category"] = _greater(one, n, population.one_category_share, WEAK_CAP)
    if group.dimension not in ("network",):
        networks: dict = defaultdict(int)
        for r in rows:
            networks[r[6]] += 1
        single = sum(1 for r in rows if networks[r[6]] == 1)
        measures["network_per_vote"] = _greater(single, n, min(0.97, population.single_network_share + 0.05), WEAK_CAP)
    return {name: round(score, 2) for name, score in measures.items()}


def _profile_distances(counts_by_dimension: dict, category_id: int, nominee_id: int) -> dict[str, float]:
    """Jensen-Shannon distance (0 alike, 1 disjoint) of the nominee's distribution from the rest of its category's."""
    distances = {}
    for dimension, counts in counts_by_dimension.items():
        mine = counts.get((category_id, nominee_id), {})
        rest: dict = defaultdict(int)
        for (c, nid), keys in counts.items():
            if c == category_id and nid != nominee_id:
                for key, n in keys.items():
                    rest[key] += n
        keys = sorted(set(mine) | set(rest), key=str)
        if not mine or not rest:
            continue
        a = np.array([mine.get(k, 0) for k in keys], dtype=float)
        b = np.array([rest.get(k, 0) for k in keys], dtype=float)
        distances[dimension] = round(float(jensenshannon(a, b, base=2)), 3)
    return distances


def assess_edition(edition) -> dict[int, dict]:
    """Score every nominee of the edition with enough votes; returns {nominee_id: assessment} for those over the threshold.

    An assessment: score, the suspicious groups (dimension, key, votes, every
    measure's score, the vote ids), the nominee's profile distances.
    """
    threshold = float(edition.integrity_threshold)
    offset = _offset(edition)
    expressions = _dimensions(offset)
    counts_by_dimension = {name: _counts(edition, expr) for name, expr in expressions.items()}
    domain_counts: dict = defaultdict(int)
    for keys in counts_by_dimension["domain"].values():
        for key, n in keys.items():
            domain_counts[key] += n
    candidates: list[Group] = []
    for name, counts in counts_by_dimension.items():
        if name == "wide_network":
            counts = {ck: {k: n for k, n in keys.items() if k != 0} for ck, keys in counts.items()}
        groups, _profiles = _concentrated(counts, threshold)
        for group in groups:
            group.dimension = name
        candidates += groups
    populations: dict[int, Population] = {}
    flagged: dict[int, dict] = {}
    for group in candidates:
        if group.category_id not in populations:
            populations[group.category_id] = _population(edition, group.category_id, offset, domain_counts)
        where = f"v.nominee_id = %s AND {expressions[group.dimension]} = %s"
        rows = _vote_rows(where, (group.nominee_id, group.key), offset)
        if len(rows) < MIN_GROUP:
            continue
        group.measures = _other_measures(group, rows, populations[group.category_id], offset)
        group.vote_ids = [r[0] for r in rows]
        if group.score >= threshold:
            entry = flagged.setdefault(group.nominee_id, {"category_id": group.category_id, "groups": []})
            entry["groups"].append(group)
    results = {}
    for nominee_id, entry in flagged.items():
        groups = sorted(entry["groups"], key=lambda g: g.score, reverse=True)
        results[nominee_id] = {
            "score": round(groups[0].score, 2),
            "groups": [
                {
                    "dimension": g.dimension,
                    "key": str(g.key),
                    "votes": g.votes,
                    "concentration": round(g.concentration, 2),
                    "measures": g.measures,
                    "score": round(g.score, 2),
                    "vote_ids": g.vote_ids,
                }
                for g in groups[:12]
            ],
            "profile": _profile_distances(counts_by_dimension, entry["category_id"], nominee_id),
        }
    return results
