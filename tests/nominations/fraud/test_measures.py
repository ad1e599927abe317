"""The assessment's measures on figures alone: what a campaign shows and what genuine crowds show."""

import numpy as np
import pytest

from nominations.fraud.assess import PURE, Group, Population, _hold_pure_or_overlapping, rare_agent_score
from nominations.fraud.measures import night_score, purity, regularity_score

# No database needed, but the session set-up (the roles snapshot) wants one.
pytestmark = pytest.mark.django_db

HOUR, DAY = 3600.0, 86400.0


def test_one_busy_night_is_an_event_but_night_after_night_is_a_pattern():
    rng = np.random.default_rng(1)
    # A late show: 600 votes from 23 h to 2 h on one evening, the rest by day over two weeks.
    show = 10 * DAY + 23 * HOUR + rng.gamma(1.5, 2400, 600)
    day = rng.integers(0, 14, 400) * DAY + rng.uniform(8, 21, 400) * HOUR
    times = np.concatenate([show, day])
    hours, days = ((times // HOUR) % 24).astype(int), (times // DAY).astype(int)
    assert (hours < 6).sum() > 100  # the show ran well past midnight
    assert night_score(hours, days, 0.05) < 2
    # A campaign: 25 votes an hour from midnight to four, five nights.
    campaign = np.array([d * DAY + h * HOUR + m for d in range(5) for h in range(4) for m in np.linspace(0, 3500, 25)])
    hours, days = ((campaign // HOUR) % 24).astype(int), (campaign // DAY).astype(int)
    assert night_score(hours, days, 0.05) >= 10


def test_an_office_in_working_hours_is_not_clockwork_but_a_drip_and_n_an_hour_are():
    rng = np.random.default_rng(2)
    # 350 colleagues over six days, at random in working hours: chance arrivals.
    office = rng.integers(0, 6, 350) * DAY + rng.uniform(7, 16, 350) * HOUR
    assert regularity_score(office) < 3
    # One vote every 35 minutes (jittered by five).
    drip = np.arange(400) * 2100 + rng.uniform(-300, 300, 400)
    assert regularity_score(drip) >= 10
    # Exactly 25 votes an hour at night, at random minutes.
    night = np.array([d * DAY + h * HOUR + rng.uniform(0, HOUR) for d in range(6) for h in range(6) for _ in range(25)])
    assert regularity_score(night) >= 10
    # Too little to tell.
    assert regularity_score(drip[:8]) is None
    assert regularity_score(office[office < DAY]) is None


def test_a_places_common_agents_are_not_evidence_but_rare_ones_are():
    population = Population(
        rows=np.zeros(0),
        delays=np.zeros(0),
        night=0.05,
        agent_share={1: 0.3, 2: 0.2, 3: 0.1, 4: 0.0005},
        rare_domain_share=0.01,
        one_category_share=0.5,
        machine_share=0.01,
        single_network_share=0.5,
        rare_agent_share=0.01,
    )
    office = np.array([1] * 120 + [2] * 60 + [3] * 20)  # a standard desktop image or three
    assert rare_agent_score(office, population) == 0
    farm = np.array([4] * 50 + [9] * 50 + [8] * 50 + [1] * 10)  # rotating agents nobody else uses
    assert rare_agent_score(farm, population) >= 10


def _group(votes, expected, ids):
    return Group(1, 1, "agent", "x", votes, 20.0, expected, vote_ids=list(ids))


def test_a_mixed_group_holds_only_votes_with_a_second_line_of_evidence():
    # An agent group: 170 campaign votes and 130 of the nominee's own voters on a popular browser.
    mixed = _group(300, 130, range(300))
    # The campaign's night votes: almost all excess.
    night = _group(60, 5, range(0, 120, 2))
    assert purity(mixed) < PURE <= purity(night)
    _hold_pure_or_overlapping([mixed, night], [mixed, night])
    assert mixed.vote_ids == list(range(0, 120, 2))
    assert len(night.vote_ids) == 60
