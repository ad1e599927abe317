"""The fraud checks on a small labelled edition (demo/fraudsim/): precision and recall floors, no race decided by fraud.

A few thousand votes, so the floors sit below what bench/fraud_quality.py shows
on 200,000 (README, "Vote integrity"); a rule that stops working, or one that
starts holding genuine voters, takes them below.
"""

from datetime import UTC, datetime

import numpy as np
import pytest

from demo import fraudsim
from nominations.fraud.scan import scan_edition
from nominations.models import IntegrityReview
from nominations.tally import process_all_pending_votes
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

START = datetime(2026, 2, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def simulation():
    return fraudsim.generate(votes=6000, seed=11, start=START, days=10, campaign_size=150)


@pytest.fixture
def scanned(simulation, django_db_blocker):
    edition, categories, nominees = fraudsim.create_edition(simulation, start=START, days=10)
    fraudsim.copy_rows(
        simulation.rows,
        list(range(len(simulation.rows))),
        edition_id=edition.pk,
        category_ids=categories,
        nominee_ids=nominees,
    )
    scan_edition(edition)
    process_all_pending_votes()
    return edition


def test_fraud_is_caught_and_genuine_voters_are_left_alone(simulation, scanned):
    caught = fraudsim.outcome(simulation, scanned.pk)["caught"]
    result = fraudsim.report(simulation, caught)
    lines = result["lines"]
    assert result["recall"] >= 0.85, str(lines)
    assert result["precision"] >= 0.9, str(lines)
    assert result["fpr"] <= 0.01, str(lines)
    # A small edition holds one night of the night-shift campaign: too little for its regularity to show.
    weak = [name for name in fraudsim.CAMPAIGNS if lines[name]["recall"] < 0.5]
    assert len(weak) <= 2, str(lines)
    for case in fraudsim.HARD_CASES:
        assert lines[case]["held"] <= 0.05, str(lines)


def test_no_race_is_decided_by_fraud_once_the_auditor_settles(simulation, scanned):
    assert IntegrityReview.objects.filter(edition=scanned).exists()
    auditor = UserFactory(groups=["Auditor"])
    fraudsim.settle_as_auditor(simulation, scanned.pk, auditor)
    process_all_pending_votes()
    caught = fraudsim.outcome(simulation, scanned.pk)["caught"]
    # The small edition's one night of night-shift votes may still lift its nominee (see above).
    night_race = simulation.targets["night_shift"][0]
    assert set(fraudsim.race_changes(simulation, caught)) <= {night_race}
    labels = np.array([row.label for row in simulation.rows])
    assert caught[~np.isin(labels, fraudsim.CAMPAIGNS)].mean() <= 0.03
