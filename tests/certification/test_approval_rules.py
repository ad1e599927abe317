from datetime import timedelta
from decimal import Decimal

import pytest

from audit.models import AuditEntry
from certification.exceptions import TransitionRefused
from certification.vetting import services as vetting
from nominations.models import Edition, Nominee
from nominations.models import NomineeState as S
from tests.certification.conftest import PASSING
from tests.factories import VoteFactory

pytestmark = pytest.mark.django_db


def test_approval_records_the_score_and_reason(vetted, second_auditor):
    vetting.approve(nominee=vetted, actor=second_auditor, reason="all good")
    entry = AuditEntry.objects.get(action="nominee.approved")
    assert entry.after == {"state": "approved", "vetting_score": "4.3"} and entry.reason == "all good"


def test_missing_mandatory_check_blocks_approval(under_review, auditor, second_auditor):
    for kind, inputs in PASSING.items():
        vetting.record_check(nominee=under_review, kind=kind, inputs=inputs, actor=auditor)
    with pytest.raises(TransitionRefused, match="Mandatory checks not recorded: Mystery shopping"):
        vetting.approve(nominee=under_review, actor=second_auditor)


def test_approval_needs_one_mandatory_scored_check_that_applies(under_review, auditor, second_auditor):
    vetting.record_check(nominee=under_review, kind="registration", inputs={"active": True}, actor=auditor)
    vetting.record_check(nominee=under_review, kind="vote_integrity", inputs={}, actor=auditor)
    for kind in ("charter", "complaints"):
        vetting.record_check(nominee=under_review, kind=kind, inputs={"not_applicable": True}, actor=auditor)
    vetting.record_check(
        nominee=under_review, kind="mystery_shopping", channel="phone", inputs={"not_applicable": True}, actor=auditor
    )
    vetting.record_check(
        nominee=under_review, kind="survey", inputs={"sample_size": 10, "satisfied": 10}, actor=auditor
    )
    with pytest.raises(TransitionRefused, match="must apply"):
        vetting.approve(nominee=under_review, actor=second_auditor)


def test_failed_mandatory_check_blocks_approval(vetted, auditor, second_auditor):
    vetting.record_check(nominee=vetted, kind="registration", inputs={"active": False}, actor=auditor)
    with pytest.raises(TransitionRefused, match="Mandatory checks failed: Registration"):
        vetting.approve(nominee=vetted, actor=second_auditor)


def test_score_below_the_pass_mark_blocks_approval(under_review, auditor, second_auditor):
    for kind, inputs in PASSING.items():
        vetting.record_check(nominee=under_review, kind=kind, inputs=inputs, actor=auditor)
    vetting.record_check(
        nominee=under_review,
        kind="mystery_shopping",
        channel="office",
        inputs={"fast": 3, "personalised": 3, "competent": 3, "friendly": 3, "helpful": 3},
        actor=auditor,
    )
    vetting.record_check(
        nominee=under_review, kind="survey", inputs={"sample_size": 100, "satisfied": 10}, actor=auditor
    )
    # charter 5, complaints 4, mystery 3, survey 1.4 -> 3.35 -> 3.4 < 3.5
    with pytest.raises(TransitionRefused, match="below the pass mark 3.50"):
        vetting.approve(nominee=under_review, actor=second_auditor)


def test_the_pass_mark_is_the_editions(vetted, second_auditor):
    later = vetted.edition.voting_closes_at
    # Move the window (the database guards only the thresholds), then raise the mark.
    Edition.objects.filter(pk=vetted.edition_id).update(
        voting_opens_at=later, voting_closes_at=later + timedelta(days=1)
    )
    Edition.objects.filter(pk=vetted.edition_id).update(pass_mark=Decimal("4.50"))
    with pytest.raises(TransitionRefused, match="below the pass mark 4.50"):
        vetting.approve(nominee=vetted, actor=second_auditor)


def test_unsettled_flags_block_approval_even_after_the_integrity_check(vetted, second_auditor):
    from nominations.models import FraudFlag

    vote = VoteFactory(nominee=vetted, confirmed_at=vetted.created_at, standing="held")
    FraudFlag.objects.create(vote=vote, nominee=vetted, rule="network")
    with pytest.raises(TransitionRefused, match="1 flagged votes are not settled"):
        vetting.approve(nominee=vetted, actor=second_auditor)


def test_rejection_needs_a_reason(vetted, second_auditor):
    with pytest.raises(TransitionRefused, match="reason"):
        vetting.reject(nominee=vetted, actor=second_auditor, reason="  ")
    vetting.reject(nominee=vetted, actor=second_auditor, reason="Survey shows poor service.")
    assert Nominee.objects.get(pk=vetted.pk).state == S.REJECTED
