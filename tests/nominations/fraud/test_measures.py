"""The assessment's measures on figures alone: what a campaign shows and what genuine crowds show."""

from types import SimpleNamespace

import numpy as np
import pytest

from nominations.fraud import assess
from nominations.fraud.assess import Group, Population, _other_measures, rare_agent_score
from nominations.fraud.frame import odd_among_others
from nominations.fraud.measures import WHOLE, hold_pure_or_overlapping, night_score, purity, regularity_score

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
    # 200 colleagues over ten days, at random in working hours: chance arrivals, however often we look
    # (counting only the busy hours made such a group look even: the quiet hours were cut off).
    for seed in range(5):
        rng = np.random.default_rng(seed)
        office = rng.integers(0, 10, 200) * DAY + rng.uniform(7, 16, 200) * HOUR
        assert regularity_score(office) < 2
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


def test_a_common_value_holds_only_votes_with_a_second_line_of_evidence():
    # An agent group: 170 campaign votes and 130 of the nominee's own voters on a popular browser.
    mixed = _group(300, 130, range(300))
    # A provider's group: 60 votes of which 5 are the nominee's usual voters there.
    provider = Group(1, 1, "domain", "yahoo.com", 60, 20.0, 5.0, vote_ids=list(range(0, 120, 2)) + [1000, 1001])
    # A catch-all domain nobody else uses.
    catch_all = Group(1, 1, "domain", "poczta-x.online", 40, 40.0, 0.1, vote_ids=list(range(2000, 2040)))
    assert purity(mixed) < purity(provider) < WHOLE <= purity(catch_all)
    found = [mixed, provider, catch_all]
    hold_pure_or_overlapping(found, found)
    assert mixed.vote_ids == list(range(0, 120, 2))
    assert provider.vote_ids == list(range(0, 120, 2))  # not 1000, 1001: on yahoo.com and nothing else
    assert len(catch_all.vote_ids) == 40


def test_a_fast_band_that_is_partly_excess_is_held_whole():
    # Confirmations within half a minute: 290 from a script on top of 360 quick readers.
    fast = Group(1, 1, "delay", "2", 650, 20.0, 360.0, vote_ids=list(range(650)))
    hold_pure_or_overlapping([fast], [fast])
    assert len(fast.vote_ids) == 650
    # The same mix on a common browser: no vote stands out on its own.
    browser = Group(1, 1, "agent", "7", 650, 20.0, 360.0, vote_ids=list(range(650)))
    hold_pure_or_overlapping([browser], [browser])
    assert browser.vote_ids == []


def _frame(n, networks):
    rng = np.random.default_rng(3)
    times = 5 * DAY + rng.uniform(8, 20, n) * HOUR
    return SimpleNamespace(
        time=times,
        delay=rng.lognormal(np.log(80), 1.0, n),
        day=(times // DAY).astype(int),
        keys={
            "hour": ((times // HOUR) % 24).astype(int),
            "agent": rng.integers(1, 4, n),
            "domain": np.zeros(n, dtype=int),
            "network": np.asarray(networks),
        },
        locals=["jan.kowalski"] * n,
        domain_share=np.array([0.3]),
        voter_votes=np.ones(n, dtype=int),
    )


def _category():
    rng = np.random.default_rng(4)
    return Population(
        rows=np.zeros(0),
        delays=rng.lognormal(np.log(80), 1.0, 2000),
        night=0.05,
        agent_share={1: 0.3, 2: 0.3, 3: 0.3},
        rare_domain_share=0.01,
        one_category_share=0.6,
        machine_share=0.01,
        single_network_share=0.6,
        rare_agent_share=0.01,
    )


def test_a_value_of_one_nominee_shared_by_voters_on_scattered_networks_is_coordinated():
    rows = np.arange(120)
    scattered = _frame(120, np.arange(120))
    # A mail domain only this nominee's voters use, each from a network of their own: a catch-all.
    catch_all = Group(1, 1, "domain", "kontakt-biuro.online", 120, 40.0, 0.1, exclusive=1.0)
    assert _other_measures(catch_all, rows, scattered, _category())["network_per_vote"] >= 10
    # A big provider's voters are scattered too, but the provider is everyone's.
    provider = Group(1, 1, "domain", "onet.pl", 120, 15.0, 60.0, exclusive=0.05)
    assert _other_measures(provider, rows, scattered, _category())["network_per_vote"] <= 3
    # The firm's own domain, from the office's two networks.
    office = Group(1, 1, "domain", "firma.pl", 120, 40.0, 0.1, exclusive=1.0)
    assert _other_measures(office, rows, _frame(120, [1, 2] * 60), _category())["network_per_vote"] == 0


def test_agents_the_other_nominees_voters_hardly_use_are_marked_odd():
    # Category 1: nominee 10's voters rotate through agents 100-106, nobody else's do; agents 8 and 9
    # are common; agent 50 a rare browser, seen once.
    category = np.array([1] * 1000)
    nominee = np.array([10] * 140 + [11] * 430 + [12] * 430)
    agent = np.array([100 + i % 7 for i in range(70)] + [9] * 70 + [9, 8] * 215 + [9, 8] * 214 + [9, 50])
    odd = odd_among_others(category, nominee, agent, 0.002)
    assert odd[:70].all() and not odd[70:140].any()
    assert odd[140:999].sum() == 0
    assert odd[999] == 1  # rare, but alone it makes no group


def test_a_nominees_groups_are_measured_against_the_rest_of_its_category_only():
    # A small category: 300 night votes for nominee 1 (a campaign), 300 daytime votes for nominee 2.
    n = 600
    hours = np.array([2] * 300 + [14] * 300)
    frame = SimpleNamespace(
        size=n,
        category=np.ones(n, dtype=int),
        nominee=np.array([1] * 300 + [2] * 300),
        delay=np.full(n, 90.0),
        keys={
            "hour": hours,
            "agent": np.ones(n, dtype=int),
            "network": np.arange(n),
            "domain": np.zeros(n, dtype=int),
        },
        domain_share=np.array([0.3]),
        voter_votes=np.ones(n, dtype=int),
        locals=["jan.kowalski"] * n,
    )
    # The campaign's own night votes would make night look ordinary to it.
    assert assess._population(frame, 1, None, nominee_id=1).night == 0.0
    assert assess._population(frame, 1, None, nominee_id=2).night == 1.0
