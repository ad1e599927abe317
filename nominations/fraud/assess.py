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
the nominee's is its strongest group's. The edition's votes are read once into
numpy columns (Frame); everything after that is array work. The evidence keeps every measure of
every group over half the threshold, and the nominee's overall profile against
the category's (Jensen-Shannon distances).

Two passes: the second measures the population without the first's groups that
are mostly excess, so one nominee's campaign does not make its category's other
nominees look odd. Which of a group's votes it holds: see measures.hold_pure_or_overlapping.
"""

from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from scipy import stats
from scipy.spatial.distance import jensenshannon

from .frame import RARE_AGENT, Frame, lookup
from .measures import (
    FAST_BAND,
    STRONG_CAP,
    greater,
    hold_pure_or_overlapping,
    night_score,
    purity,
    regularity_score,
    score,
)
from .signals import is_machine_made

WEAK_CAP = 3.0
CONCENTRATION_CAP = 40.0
MIN_GROUP = 8  # fewer votes cannot show a second line of evidence
POPULATION_SAMPLE = 4000
RARE_DOMAIN = 0.0005  # a domain with fewer than 1 in 2,000 of the edition's votes
DIMENSIONS = ("network", "wide_network", "agent", "odd_agent", "domain", "delay", "hour", "night")
# Dimensions whose key 0 means "nothing to group" (no wide network recorded; a daytime vote).
SPARSE = ("wide_network", "night", "odd_agent")
# Groups of a place or an organisation (a NAT, a campus, a firm's mail domain): people there share
# equipment (an office's standard desktop image, a family's phones), so a common agent among them
# says nothing; only agents rare among the category's voters do.
PLACES = ("network", "wide_network", "domain")
# Votes of groups at least this pure leave the reference population in the assessment's second pass.
SUSPECT = 0.5
# A value is a nominee's own when this share of its category's votes with it are the nominee's (a bot
# pool serving several categories is still each one's own).
EXCLUSIVE = 0.8


@dataclass
class Group:
    nominee_id: int
    category_id: int
    dimension: str
    key: object
    votes: int
    concentration: float
    expected: float = 0.0  # votes the nominee would get from this value at the population's share
    exclusive: float = 0.0  # the share of the value's votes in the category that are this nominee's
    measures: dict = field(default_factory=dict)
    vote_ids: list = field(default_factory=list)

    @property
    def score(self) -> float:
        top = sorted(self.measures.values(), reverse=True)[:2]
        return min(self.concentration, sum(top))


def _concentrated(
    frame: Frame, dimension: str, threshold: float, reference: np.ndarray | None = None
) -> list[tuple[Group, np.ndarray]]:
    """Groups over-represented in their nominee's votes against the rest of the category (or edition), with their rows.

    The population side counts only the `reference` votes (all by default): the
    second pass leaves out other nominees' campaigns, which would otherwise make
    ordinary values look rare in a category they swell.
    """
    key = frame.keys[dimension]
    ref = np.ones(frame.size, dtype=bool) if reference is None else reference
    valid = key != 0 if dimension in SPARSE else np.ones(frame.size, dtype=bool)
    if not valid.any():
        return []
    _k, kcode = np.unique(key, return_inverse=True)
    width = int(kcode.max()) + 1
    _n, ncode = np.unique(frame.nominee, return_inverse=True)
    _c, ccode = np.unique(frame.category, return_inverse=True)
    pair = ncode.astype(np.int64) * width + kcode
    cpair = ccode.astype(np.int64) * width + kcode
    nominee_total = np.bincount(ncode)
    category_total = np.bincount(ccode)
    pairs, pair_index, pair_count = np.unique(pair[valid], return_index=True, return_counts=True)
    rpairs, rpair_count = np.unique(pair[valid & ref], return_counts=True)
    cpairs, cpair_count = np.unique(cpair[valid & ref], return_counts=True)
    key_total = np.bincount(kcode[valid & ref], minlength=width)
    apairs, apair_count = np.unique(cpair[valid], return_counts=True)  # every vote, for exclusivity
    nominee_ref = np.bincount(ncode[ref], minlength=len(nominee_total))
    category_ref = np.bincount(ccode[ref], minlength=len(category_total))
    rows_valid = np.flatnonzero(valid)
    first = rows_valid[pair_index]
    minimum = settings.FRAUD_ASSESS_MIN_VOTES
    candidate = (pair_count >= MIN_GROUP) & (nominee_total[ncode[first]] >= minimum)
    if not candidate.any():
        return []
    first, votes, pairs_c = first[candidate], pair_count[candidate].astype(float), pairs[candidate]
    n_total = nominee_total[ncode[first]].astype(float)
    in_category = lookup(cpairs, cpair_count, cpair[first])
    own = lookup(rpairs, rpair_count, pairs_c)  # the nominee's own reference votes with this value
    n_ref = nominee_ref[ncode[first]].astype(float)
    rest = category_ref[ccode[first]] - n_ref
    # A category with few other votes says little: compare with the edition instead.
    small = rest < 200
    others = np.where(small, key_total[kcode[first]] - own, in_category - own)
    population = np.where(small, ref.sum() - n_ref, rest)
    share = np.clip((others + 0.5) / (np.maximum(population, 1) + 0.5 * width), 1e-12, 1.0)
    p = stats.binom.sf(votes - 1, n_total, share)
    order = np.argsort(pair, kind="stable")
    sorted_pairs = pair[order]
    found = []
    for i in np.flatnonzero(-np.log10(np.maximum(p, 1e-300)) >= threshold):
        lo, hi = np.searchsorted(sorted_pairs, pairs_c[i], "left"), np.searchsorted(sorted_pairs, pairs_c[i], "right")
        row = first[i]
        group = Group(
            int(frame.nominee[row]),
            int(frame.category[row]),
            dimension,
            frame.key_label(dimension, int(key[row])),
            int(votes[i]),
            score(float(p[i]), CONCENTRATION_CAP),
            float(n_total[i] * share[i]),
            float(votes[i] / max(lookup(apairs, apair_count, cpair[row : row + 1])[0], 1.0)),
        )
        found.append((group, order[lo:hi]))
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
    rare_agent_share: float = 0.0


def _population(
    frame: Frame, category_id: int, reference: np.ndarray | None = None, nominee_id: int | None = None
) -> Population:
    """What a nominee's groups are measured against: the rest of its category (of the edition, if that is small).

    Without the nominee's own votes: a campaign that is a good part of a small
    category would otherwise raise the very shares (night, delays) it is tested against.
    """
    usable = np.ones(frame.size, dtype=bool) if reference is None else reference.copy()
    if nominee_id is not None:
        usable &= frame.nominee != nominee_id
    in_category = usable & (frame.category == category_id)
    chosen = in_category if in_category.sum() >= 200 else usable
    rows = np.flatnonzero(chosen)
    if len(rows) > POPULATION_SAMPLE:
        rows = np.random.default_rng(category_id).choice(rows, POPULATION_SAMPLE, replace=False)
    hours = frame.keys["hour"][rows]
    agents, agent_counts = np.unique(frame.keys["agent"][rows], return_counts=True)
    size = max(len(rows), 1)
    agent_share = dict(zip(agents.tolist(), (agent_counts / size).tolist(), strict=True))
    networks = frame.keys["network"][chosen]
    _u, net_code, net_counts = np.unique(networks, return_inverse=True, return_counts=True)
    return Population(
        rows=rows,
        delays=frame.delay[rows],
        night=float(np.mean(hours < 6)) if len(rows) else 0.2,
        agent_share=agent_share,
        rare_domain_share=float(np.mean(frame.domain_share[frame.keys["domain"][rows]] < RARE_DOMAIN))
        if len(rows)
        else 0.01,
        one_category_share=float(np.mean(frame.voter_votes[rows] <= 1)) if len(rows) else 0.5,
        machine_share=float(np.mean([is_machine_made(frame.locals[i]) for i in rows[:1000]])) if len(rows) else 0.01,
        single_network_share=float(np.mean(net_counts[net_code] == 1)) if len(networks) else 0.5,
        rare_agent_share=float(np.sum(agent_counts[agent_counts / size < RARE_AGENT]) / size) if len(rows) else 0.01,
    )


def _other_measures(group: Group, rows: np.ndarray, frame: Frame, population: Population) -> dict:
    """How the group's votes differ from the category's on every measure but the group's own dimension."""
    n = len(rows)
    times, delays = frame.time[rows], frame.delay[rows]
    measures: dict[str, float] = {}
    if group.dimension != "delay" and len(population.delays) >= 20:
        measures["delay"] = score(float(stats.ks_2samp(delays, population.delays).pvalue), STRONG_CAP)
    if group.dimension == "delay" and int(group.key) <= FAST_BAND:
        # Many confirmations within half a minute of the mail: each alone could be a quick reader.
        measures["fast_delays"] = min(group.concentration, STRONG_CAP)
    if group.dimension not in ("hour", "night"):
        measures["night"] = night_score(frame.keys["hour"][rows], frame.day[rows], population.night)
    regular = regularity_score(times)
    if regular is not None:
        measures["regularity"] = regular
    if group.dimension in PLACES:
        measures["agent"] = rare_agent_score(frame.keys["agent"][rows], population)
    elif group.dimension not in ("agent", "odd_agent"):
        agents, counts = np.unique(frame.keys["agent"][rows], return_counts=True)
        top = int(np.argmax(counts))
        share = population.agent_share.get(int(agents[top]), 0.0) + 0.02
        measures["agent"] = greater(int(counts[top]), n, share, STRONG_CAP)
    machine = sum(1 for i in rows if is_machine_made(frame.locals[i]))
    measures["machine_names"] = greater(machine, n, population.machine_share + 0.01, STRONG_CAP)
    if group.dimension != "domain":
        rare = int(np.sum(frame.domain_share[frame.keys["domain"][rows]] < RARE_DOMAIN))
        measures["rare_domain"] = greater(rare, n, population.rare_domain_share + 0.01, WEAK_CAP)
    one = int(np.sum(frame.voter_votes[rows] <= 1))
    measures["one_category"] = greater(one, n, population.one_category_share, WEAK_CAP)
    if group.dimension != "network":
        _u, counts = np.unique(frame.keys["network"][rows], return_counts=True)
        single = int(np.sum(counts == 1))
        # A value nobody else in the category has (an agent, a mail domain, a /16), shared by voters who have
        # nothing else in common, each on a network of their own: coordinated, not a place or a crowd.
        cap = STRONG_CAP if group.exclusive >= EXCLUSIVE else WEAK_CAP
        measures["network_per_vote"] = greater(single, n, min(0.97, population.single_network_share + 0.05), cap)
    return {name: round(value, 2) for name, value in measures.items()}


def rare_agent_score(agents: np.ndarray, population: Population) -> float:
    """A place's votes from agents rare among the category's voters (headless, outdated, rotated through), against their share there."""
    rare = sum(1 for a in agents.tolist() if population.agent_share.get(int(a), 0.0) < RARE_AGENT)
    return greater(rare, len(agents), population.rare_agent_share + 0.02, STRONG_CAP)


def _profile_distances(frame: Frame, category_id: int, nominee_id: int) -> dict[str, float]:
    """Jensen-Shannon distance (0 alike, 1 disjoint) of the nominee's distribution from the rest of its category's."""
    in_category = frame.category == category_id
    mine = in_category & (frame.nominee == nominee_id)
    rest = in_category & ~mine
    distances = {}
    for dimension in ("delay", "hour", "agent", "domain", "network", "wide_network"):
        key = frame.keys[dimension]
        values, codes = np.unique(key[in_category], return_inverse=True)
        a = np.bincount(codes[mine[in_category]], minlength=len(values)).astype(float)
        b = np.bincount(codes[rest[in_category]], minlength=len(values)).astype(float)
        if a.sum() and b.sum():
            distances[dimension] = round(float(jensenshannon(a, b, base=2)), 3)
    one_a = float(np.mean(frame.voter_votes[mine] <= 1)) if mine.any() else 0.0
    one_b = float(np.mean(frame.voter_votes[rest] <= 1)) if rest.any() else 0.0
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


def _flagged_groups(frame: Frame, threshold: float, reference: np.ndarray | None) -> tuple[dict, np.ndarray]:
    """The groups over the threshold per nominee, and the rows of the mostly-excess ones (suspects)."""
    populations: dict[tuple[int, int], Population] = {}
    flagged: dict[int, list[Group]] = {}
    suspect = np.zeros(frame.size, dtype=bool)
    for dimension in DIMENSIONS:
        for group, rows in _concentrated(frame, dimension, threshold, reference):
            at = (group.category_id, group.nominee_id)
            if at not in populations:
                populations[at] = _population(frame, group.category_id, reference, group.nominee_id)
            group.measures = _other_measures(group, rows, frame, populations[at])
            if group.score >= threshold:
                group.vote_ids = frame.ids[rows].tolist()
                flagged.setdefault(group.nominee_id, []).append(group)
                if purity(group) >= SUSPECT:
                    suspect[rows] = True
    return flagged, suspect


def assess_edition(edition) -> dict[int, dict]:
    """Score every nominee of the edition with enough votes; returns {nominee_id: assessment} for those over the threshold.

    An assessment: score, the suspicious groups (dimension, key, votes, every
    measure's score, the vote ids), the nominee's profile distances.
    """
    threshold = float(edition.integrity_threshold)
    frame = Frame(edition)
    if not frame.size:
        return {}
    flagged, suspect = _flagged_groups(frame, threshold, None)
    if suspect.any():
        # Again, against a population without the campaigns the first pass found.
        flagged, _suspect = _flagged_groups(frame, threshold, ~suspect)
    results = {}
    for nominee_id, found in flagged.items():
        groups = _explaining(found)
        hold_pure_or_overlapping(groups, found)
        results[nominee_id] = {
            "score": round(groups[0].score, 2),
            "groups": [
                {
                    "dimension": g.dimension,
                    "key": g.key,
                    "votes": g.votes,
                    "expected": round(g.expected, 1),
                    "held": len(g.vote_ids),
                    "concentration": round(g.concentration, 2),
                    "measures": g.measures,
                    "score": round(g.score, 2),
                    "vote_ids": g.vote_ids,
                }
                for g in groups[:12]
            ],
            "profile": _profile_distances(frame, groups[0].category_id, nominee_id),
        }
    return results
