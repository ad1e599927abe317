"""An integrity review: opened by the assessment, holding its group, blocking qualification, settled by an auditor."""

from datetime import UTC, datetime

import pytest

from audit.models import AuditEntry
from demo import fraudsim
from nominations import services
from nominations.exceptions import NotAllowed
from nominations.fraud.scan import scan_edition
from nominations.models import FraudDecision, FraudFlag, FraudRule, IntegrityReview, ReviewState, Standing, Vote
from nominations.selectors import nominees_under_integrity_review, review_chart_svg
from nominations.tally import process_all_pending_votes
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

START = datetime(2026, 2, 2, tzinfo=UTC)


@pytest.fixture
def review():
    """A nominee lifted by scripted confirmations (6-25 s) in a small edition: the assessment opens a review."""
    sim = fraudsim.Generator(votes=1500, seed=5, start=START, days=7)
    sim.sim.categories = 2
    sim.sim.nominees = {0: [0, 1, 2], 1: [3, 4, 5]}
    sim.genuine(1200)
    sim.campaign("scripted_delay", 0, 1, 120)
    edition, categories, nominees = fraudsim.create_edition(sim.sim, start=START, days=7)
    fraudsim.copy_rows(
        sim.sim.rows,
        list(range(len(sim.sim.rows))),
        edition_id=edition.pk,
        category_ids=categories,
        nominee_ids=nominees,
    )
    scan_edition(edition)
    process_all_pending_votes()
    [review] = IntegrityReview.objects.filter(edition=edition)
    assert review.nominee_id == nominees[1]
    return review


def test_an_open_review_holds_its_group_and_blocks_qualification(review):
    held = FraudFlag.objects.filter(nominee=review.nominee, rule=FraudRule.INTEGRITY, decision=FraudDecision.PENDING)
    assert held.count() == review.held_votes >= 100
    assert not Vote.objects.filter(pk__in=held.values("vote_id"), standing=Standing.COUNTED).exists()
    assert nominees_under_integrity_review([review.nominee_id]) == {review.nominee_id}
    groups = review.evidence["groups"]
    assert groups[0]["dimension"] == "delay" and groups[0]["measures"]["fast_delays"] >= 10
    assert "<svg" in review_chart_svg(review) and "style=" not in review_chart_svg(review)


def test_the_auditor_holds_a_group_in_one_logged_decision_and_the_review_settles(review):
    auditor = UserFactory(groups=["Auditor"])
    label = f"{review.evidence['groups'][0]['dimension']}:{review.evidence['groups'][0]['key']}"
    settled = services.settle_group(review=review, group=label, decision=FraudDecision.FRAUD, by=auditor)
    assert settled > 0
    entry = AuditEntry.objects.get(action="integrityreview.hold")
    assert entry.after["group"] == label and entry.after["votes"] == settled
    services.settle_group(review=review, group=None, decision=FraudDecision.GENUINE, by=auditor)
    review.refresh_from_db()
    assert review.state == ReviewState.SETTLED and review.held_votes == 0
    assert nominees_under_integrity_review([review.nominee_id]) == set()
    process_all_pending_votes()
    assert Vote.objects.filter(nominee=review.nominee, standing=Standing.REJECTED).count() == settled


def test_settling_a_review_needs_the_auditor_permission(review):
    with pytest.raises(NotAllowed):
        services.settle_group(review=review, group=None, decision=FraudDecision.GENUINE, by=UserFactory())
    assert IntegrityReview.objects.get(pk=review.pk).state == ReviewState.OPEN
