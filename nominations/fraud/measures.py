"""The assessment's measures that judge a group's figures alone (no frame, no database): each a -log10 p score."""

import math

import numpy as np
from scipy import stats

STRONG_CAP = 10.0  # -log10 p: one measure never says more than this
# Delay bands (see Frame) up to this one are confirmations within about 30 s of the first link.
FAST_BAND = 2
# A group holds all its votes when nearly nobody else has its value (at most 2 % of it is what the
# population's share would give the nominee: 1 - expected / votes >= WHOLE), or when its value is itself
# a weak sign on each vote and enough of it is excess: a confirmation within half a minute (SIGN_PURE),
# a vote between midnight and six (NIGHT_PURE). Otherwise (a campaign on a popular browser, a common
# provider, a busy hour, with the nominee's own voters on it) it holds only the votes that are in
# another of the nominee's suspicious groups too: one coincidence does not single out a vote, two do.
WHOLE = 0.98
SIGN_PURE = 0.4
NIGHT_PURE = 0.9


def score(p: float, cap: float) -> float:
    return float(min(cap, -math.log10(max(p, 1e-300))))


def greater(k: int, n: int, p: float, cap: float) -> float:
    """Score of seeing k or more of n when each has chance p (one-sided binomial)."""
    return score(float(stats.binom.sf(k - 1, n, min(max(p, 1e-6), 1 - 1e-9))), cap)


def night_score(hours: np.ndarray, days: np.ndarray, population_night: float) -> float:
    """Votes between midnight and six (local) against the population's night share, leaving out the busiest night.

    One night is an event (a late show, a match): people vote then. Night after
    night is a pattern, which is what a campaign working while people sleep shows.
    """
    night = hours < 6
    n, count = len(hours), int(night.sum())
    if count:
        _u, per_night = np.unique(days[night], return_counts=True)
        busiest = int(per_night.max())
        n, count = n - busiest, count - busiest
    if n <= 0:
        return 0.0
    return greater(count, n, max(population_night, 0.01), STRONG_CAP)


def regularity_score(times: np.ndarray) -> float | None:
    """Clockwork arrivals: counts per clock hour more even than chance, day by day, in the hours the group is active.

    For each hour of the day in which the group gets at least one vote a day on
    average (over the days from its first to its last vote), the counts on those
    days, zeros included, against their own mean: the index of dispersion, summed
    over the hours, with its lower chi-square tail. People arrive at random (a
    dispersion near one, or above in bursts); a script that casts N votes an hour,
    or one every so many minutes, arrives more evenly. None when there is too little to tell.
    """
    clock = np.asarray(times, dtype=float) // 3600  # on the clock's hours, as a schedule runs
    if len(clock) < 12:
        return None
    day, slot = (clock // 24).astype(np.int64), (clock % 24).astype(np.int64)
    days = int(day.max() - day.min()) + 1
    if days < 2:
        return None
    counts = np.zeros((days, 24))
    np.add.at(counts, (day - day.min(), slot), 1)
    means = counts.mean(axis=0)
    active = means >= 1
    freedom = int(active.sum()) * (days - 1)
    if freedom < 6:
        return None
    dispersion = float((((counts[:, active] - means[active]) ** 2) / means[active]).sum())
    return score(float(stats.chi2.cdf(dispersion, freedom)), STRONG_CAP)


def purity(group) -> float:
    """The share of a group's votes in excess of what the population's share gives its nominee (0 to 1)."""
    return max(0.0, 1.0 - group.expected / max(group.votes, 1))


def _whole_from(group) -> float:
    """The purity from which the group holds all its votes."""
    if group.dimension == "delay" and int(group.key) <= FAST_BAND:
        return SIGN_PURE
    if group.dimension == "night" or (group.dimension == "hour" and int(group.key) < 6):
        return NIGHT_PURE
    return WHOLE


def hold_pure_or_overlapping(kept: list, found: list) -> None:
    """Which votes each kept group holds (its vote_ids): all, or those in another of the nominee's found groups too."""
    seen: dict[int, int] = {}
    for group in found:
        for vote_id in group.vote_ids:
            seen[vote_id] = seen.get(vote_id, 0) + 1
    for group in kept:
        if purity(group) < _whole_from(group):
            group.vote_ids = [v for v in group.vote_ids if seen[v] >= 2]
