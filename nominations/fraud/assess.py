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
the nominee's is its strongest group's. The database does the counting
(histograms.py: per-dimension GROUP BYs, one pass over the edition); Python sees
only the candidate pairs' figures, the rows of the groups that stand out and
samples of their categories. The evidence keeps every measure of every group
over half the threshold, and the nominee's overall profile against the
category's (Jensen-Shannon distances).
"""

import math
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from scipy import stats
from scipy.spatial.distance import jensenshannon

from .histograms import (
    SQL_DIMENSIONS,
    EditionCounts,
    Rows,
    category_samples,
    edition_counts,
    group_rows,
    nominee_histograms,
)
from .signals import is_machine_made

STRONG_CAP = 10.0  # -log10 p: one measure never says more than this
WEAK_CAP = 3.0
CONCENTRATION_CAP = 40.0
MIN_GROUP = 8  # fewer votes cannot show a second line of evidence
POPULATION_SAMPLE = 4000
RARE_DOMAIN = 0.0005  # a domain with fewer than 1 in 2,000 of the edition's votes
DIMENSIONS = ("network", "wide_network", "agent", "domain", "delay", "hour", "night")
# Dimensions whose key 0 means "nothing to group" (no wide network recorded; a daytime vote).
SPARSE = ("wide_network", "night")
# Delay bands (see Frame) up to this one are confirmations within about 30 s of the first link.
FAST_BAND = 2


@dataclass
class Group:
    nominee_id: int
    category_id: int
    dimension: str
    key: object
    votes: int
    concentration: float
    expected: float = 0.0  # votes the nominee would get from this value at the population's share
    measures: dict = field(default_factory=dict)
    vote_ids: list = field(default_factory=list)

    @property
    def score(self) -> float:
        top = sorted(self.measures.values(), reverse=True)[:2]
        return min(self.concentration, sum(top))


def _score(p: float, cap: float) -> float:
    return float(min(cap, -math.log10(max(p, 1e-300))))


def _greater(k: int, n: int, p: float, cap: float) -> float:
    """Score of seeing k or more of n when each has chance p (one-sided binomial)."""
    return _score(float(stats.binom.sf(k - 1, n, min(max(p, 1e-6), 1 - 1e-9))), cap)


def _concentrated(counts: EditionCounts, dimension: str, threshold: float) -> list[Group]:
    """Groups over-represented in their nominee's votes against the rest of the category (or edition).

    The counting is the database's (histograms.edition_counts): only the pairs with
    MIN_GROUP votes come back, each with its nominee's, category's and value's totals.
    """
    pairs = counts.pairs[dimension]
    if not len(pairs.votes):
        return []
    votes, n_total = pairs.votes, pairs.nominee_total
    rest = pairs.category_total - n_total
    # A category with few other votes says little: compare with the edition instead.
    small = rest < 200
    others = np.where(small, pairs.key_total - votes, pairs.in_category - votes)
    population = np.where(small, counts.size - n_total, rest)
    share = np.clip((others + 0.5) / (np.maximum(population, 1) + 0.5 * pairs.width), 1e-12, 1.0)
    p = stats.binom.sf(votes - 1, n_total, share)
    found = []
    for i in np.flatnonzero(-np.log10(np.maximum(p, 1e-300)) >= threshold):
        key = pairs.labels[pairs.key[i]] if dimension == "domain" else str(int(pairs.key[i]))
        found.append(
            Group(
                int(pairs.nominee[i]),
                int(pairs.category[i]),
                dimension,
                key,
                int(votes[i]),
                _score(float(p[i]), CONCENTRATION_CAP),
                float(n_total[i] * share[i]),
            )
        )
    return found


@dataclass
class Population:
    rows: np.ndarray
    delays: np.ndarray
    night: float
    agent_share: dict
    rare_domain_share: float
    one_category_share: float
    machine_share: float
    single_network_share: float


def _population(sample: Rows, category_id: int, single_network_share: float | None) -> Population:
    """The category's profile from its sample (histograms.category_samples); the single-network share is exact."""
    rows = np.flatnonzero(sample.tag == category_id)[:POPULATION_SAMPLE]
    hours = sample.keys["hour"][rows]
    agents, agent_counts = np.unique(sample.keys["agent"][rows], return_counts=True)
    size = max(len(rows), 1)
    return Population(
        rows=rows,
        delays=sample.delay[rows],
        night=float(np.mean(hours < 6)) if len(rows) else 0.2,
        agent_share=dict(zip(agents.tolist(), (agent_counts / size).tolist(), strict=True)),
        rare_domain_share=float(np.mean(sample.domain_share[sample.keys["domain"][rows]] < RARE_DOMAIN))
        if len(rows)
        else 0.01,
        one_category_share=float(np.mean(sample.voter_votes[rows] <= 1)) if len(rows) else 0.5,
        machine_share=float(np.mean([is_machine_made(sample.locals[i]) for i in rows[:1000]])) if len(rows) else 0.01,
        single_network_share=0.5 if single_network_share is None else single_network_share,
    )


def _other_measures(group: Group, rows: np.ndarray, frame: Rows, population: Population) -> dict:
    """How the group's votes differ from the category's on every measure but the group's own dimension."""
    n = len(rows)
    times, delays = frame.time[rows], frame.delay[rows]
    measures: dict[str, float] = {}
    if group.dimension != "delay" and len(population.delays) >= 20:
        measures["delay"] = _score(float(stats.ks_2samp(delays, population.delays).pvalue), STRONG_CAP)
    if group.dimension == "delay" and int(group.key) <= FAST_BAND:
        # Many confirmations within half a minute of the mail: each alone could be a quick reader.
        measures["fast_delays"] = min(group.concentration, STRONG_CAP)
    if group.dimension not in ("hour", "night"):
        night = int(np.sum(frame.keys["hour"][rows] < 6))
        measures["night"] = _greater(night, n, max(population.night, 0.01), STRONG_CAP)
    # Arrival regularity: votes per hour over the group's span (or over its busy hours, when it
    # has six); counts more even than chance (index of dispersion, lower tail) are clockwork.
    clock_hours = (times // 3600).astype(np.int64)  # on the clock's hours, as a schedule runs
    hourly = np.bincount(clock_hours - clock_hours.min())
    busy = hourly[hourly >= 3]
    # A campaign's hours, without the stray votes around them and its partial first and last hour.
    busy = busy[busy >= 0.5 * np.median(busy)] if len(busy) else busy
    if len(busy) >= 6:
        hourly = busy
    if len(hourly) >= 6 and hourly.mean() > 0:
        dispersion = float(((hourly - hourly.mean()) ** 2).sum() / hourly.mean())
        measures["regularity"] = _score(float(stats.chi2.cdf(dispersion, len(hourly) - 1)), STRONG_CAP)
    if group.dimension != "agent":
        agents, counts = np.unique(frame.keys["agent"][rows], return_counts=True)
        top = int(np.argmax(counts))
        share = population.agent_share.get(int(agents[top]), 0.0) + 0.02
        measures["agent"] = _greater(int(counts[top]), n, share, STRONG_CAP)
    machine = sum(1 for i in rows if is_machine_made(frame.locals[i]))
    measures["machine_names"] = _greater(machine, n, population.machine_share + 0.01, STRONG_CAP)
    if group.dimension != "domain":
        rare = int(np.sum(frame.domain_share[frame.keys["domain"][rows]] < RARE_DOMAIN))
        measures["rare_domain"] = _greater(rare, n, population.rare_domain_share + 0.01, WEAK_CAP)
    one = int(np.sum(frame.voter_votes[rows] <= 1))
    measures["one_category"] = _greater(one, n, population.one_category_share, WEAK_CAP)
    if group.dimension != "network":
        _u, counts = np.unique(frame.keys["network"][rows], return_counts=True)
        single = int(np.sum(counts == 1))
        measures["network_per_vote"] = _greater(single, n, min(0.97, population.single_network_share + 0.05), WEAK_CAP)
    return {name: round(score, 2) for name, score in measures.items()}


def _profile_distances(
    histograms: dict[tuple, list], sample: Rows, category_id: int, category_total: int, nominee_id: int
) -> dict[str, float]:
    """Jensen-Shannon distance (0 alike, 1 disjoint) of the nominee's distribution from the rest of its category's.

    `histograms`: (dimension, nominee) -> the (mine, rest) lines of histograms.nominee_histograms
    (the nominee's values; the category's other values are added here as one bin). The one-category share compares the
    nominee's votes with the rest in the category's sample.
    """
    distances = {}
    for dimension in ("delay", "hour", "agent", "domain", "network", "wide_network"):
        d = SQL_DIMENSIONS.index(dimension)
        lines = histograms.get((d, nominee_id), [])
        if lines:
            a, b = (np.array(column, dtype=float) for column in zip(*lines, strict=True))
            # The category's votes on values the nominee has none of, as one bin (the same distance).
            a, b = np.append(a, 0.0), np.append(b, max(0.0, category_total - a.sum() - b.sum()))
            if a.sum() and b.sum():
                distances[dimension] = round(float(jensenshannon(a, b, base=2)), 3)
    in_category = sample.tag == category_id
    mine = in_category & (sample.nominee == nominee_id)
    rest = in_category & ~mine
    one_a = float(np.mean(sample.voter_votes[mine] <= 1)) if mine.any() else 0.0
    one_b = float(np.mean(sample.voter_votes[rest] <= 1)) if rest.any() else 0.0
    distances["one_category_share"] = round(abs(one_a - one_b), 3)
    return distances


def _explaining(groups: list[Group]) -> list[Group]:
    """The groups that explain the nominee's anomaly, strongest first, without the ones already explained.

    A broad group (a delay band, the night hours) is often over-represented only
    because a sharper group (an agent, a network) sits inside it; holding it too
    would hold the nominee's genuine voters who happen to share the band. A group
    is left out when votes already held cover 80 % of its excess over the expected.
    """
    kept: list[Group] = []
    covered: set[int] = set()
    for group in sorted(groups, key=lambda g: (-g.score, g.votes)):
        excess = max(group.votes - group.expected, 1.0)
        if kept and len(covered.intersection(group.vote_ids)) >= 0.8 * excess:
            continue
        kept.append(group)
        covered.update(group.vote_ids)
    return kept


def assess_edition(edition) -> dict[int, dict]:
    """Score every nominee of the edition with enough votes; returns {nominee_id: assessment} for those over the threshold.

    An assessment: score, the suspicious groups (dimension, key, votes, every
    measure's score, the vote ids), the nominee's profile distances. The database
    counts (histograms.py); only the groups that stand out, and samples of their
    categories, come back as rows.
    """
    threshold = float(edition.integrity_threshold)
    offset = edition.voting_opens_at.astimezone(edition.zone).utcoffset()
    offset = offset.total_seconds() if offset else 0.0
    counts = edition_counts(
        edition.pk,
        offset=offset,
        min_group=MIN_GROUP,
        min_nominee=settings.FRAUD_ASSESS_MIN_VOTES,
        sparse=SPARSE,
        rare=RARE_DOMAIN,
    )
    concentrated = [group for dimension in DIMENSIONS for group in _concentrated(counts, dimension, threshold)]
    if not concentrated:
        return {}
    frame = Rows(
        group_rows(
            edition.pk, [(i, g.dimension, g.nominee_id, g.key) for i, g in enumerate(concentrated)], offset=offset
        ),
        size=counts.size,
        common_domains=counts.common_domains,
    )
    categories = {g.category_id for g in concentrated}
    sample = Rows(
        category_samples(
            edition.pk,
            {c: counts.category_total.get(c, 0) for c in categories},
            offset=offset,
            sample=POPULATION_SAMPLE,
        ),
        size=counts.size,
        common_domains=counts.common_domains,
    )
    populations = {c: _population(sample, c, counts.single_network.get(c)) for c in categories}
    bounds = np.searchsorted(frame.tag, np.arange(len(concentrated) + 1))
    flagged: dict[int, list[Group]] = {}
    for i, group in enumerate(concentrated):
        rows = np.arange(bounds[i], bounds[i + 1])
        group.measures = _other_measures(group, rows, frame, populations[group.category_id])
        if group.score >= threshold:
            group.vote_ids = frame.ids[rows].tolist()
            flagged.setdefault(group.nominee_id, []).append(group)
    explained = {nominee_id: _explaining(found) for nominee_id, found in flagged.items()}
    histograms: dict[tuple, list] = {}
    for d, who, _key, _domain, mine, rest in nominee_histograms(
        edition.pk, {nominee_id: groups[0].category_id for nominee_id, groups in explained.items()}, offset=offset
    ):
        histograms.setdefault((d, who), []).append((mine, rest))
    results = {}
    for nominee_id, groups in explained.items():
        results[nominee_id] = {
            "score": round(groups[0].score, 2),
            "groups": [
                {
                    "dimension": g.dimension,
                    "key": g.key,
                    "votes": g.votes,
                    "concentration": round(g.concentration, 2),
                    "measures": g.measures,
                    "score": round(g.score, 2),
                    "vote_ids": g.vote_ids,
                }
                for g in groups[:12]
            ],
            "profile": _profile_distances(
                histograms,
                sample,
                groups[0].category_id,
                counts.category_total.get(groups[0].category_id, 0),
                nominee_id,
            ),
        }
    return results
