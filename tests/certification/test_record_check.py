import pytest

from audit.models import AuditEntry
from certification.exceptions import CheckRefused
from certification.models import Check
from certification.vetting import services as vetting
from nominations.models import FraudFlag
from nominations.models import NomineeState as S
from tests.factories import NomineeFactory, VoteFactory

pytestmark = pytest.mark.django_db


def test_a_check_is_recorded_with_its_computed_result_and_logged(under_review, auditor):
    check = vetting.record_check(
        nominee=under_review,
        kind="mystery_shopping",
        channel="chat",
        inputs={"fast": 5, "personalised": 4, "competent": 4, "friendly": 5, "helpful": 4},
        notes="Answered in 40 s.",
        actor=auditor,
    )
    assert (check.result, str(check.score), check.recorded_by) == ("pass", "4.40", auditor)
    entry = AuditEntry.objects.get(action="check.record")
    assert entry.after["score"] == "4.40" and entry.before == {}


@pytest.mark.parametrize("state", [S.NOMINATED, S.QUALIFIED, S.APPROVED, S.REJECTED, S.CERTIFIED])
def test_checks_are_recorded_only_under_review(state, auditor):
    nominee = NomineeFactory(state=state)
    with pytest.raises(CheckRefused, match="only while a nominee is under review"):
        vetting.record_check(nominee=nominee, kind="registration", inputs={"active": True}, actor=auditor)
    assert not Check.objects.exists()


def test_an_auditor_corrects_their_own_check_and_the_change_is_logged(under_review, auditor):
    vetting.record_check(nominee=under_review, kind="registration", inputs={"active": False}, actor=auditor)
    vetting.record_check(nominee=under_review, kind="registration", inputs={"active": True}, actor=auditor)
    assert Check.objects.get().result == "pass"
    entry = AuditEntry.objects.get(action="check.change")
    assert (entry.before["result"], entry.after["result"]) == ("fail", "pass")


def test_an_auditor_cannot_change_another_auditors_check(under_review, auditor, second_auditor):
    vetting.record_check(nominee=under_review, kind="registration", inputs={"active": True}, actor=auditor)
    with pytest.raises(CheckRefused, match="Another auditor"):
        vetting.record_check(nominee=under_review, kind="registration", inputs={"active": False}, actor=second_auditor)
    assert Check.objects.get().result == "pass"


def test_vote_integrity_fails_while_flags_are_pending(under_review, auditor):
    vote = VoteFactory(nominee=under_review, confirmed_at=under_review.created_at, standing="held")
    FraudFlag.objects.create(vote=vote, nominee=under_review, rule="network")
    check = vetting.record_check(nominee=under_review, kind="vote_integrity", inputs={}, actor=auditor)
    assert check.result == "fail" and check.details == {"pending_flags": 1, "settled_flags": 0}


def test_mystery_shopping_needs_a_channel_and_others_none(under_review, auditor):
    with pytest.raises(CheckRefused):
        vetting.record_check(nominee=under_review, kind="mystery_shopping", inputs={}, actor=auditor)
    with pytest.raises(CheckRefused):
        vetting.record_check(nominee=under_review, kind="charter", channel="phone", inputs={}, actor=auditor)


def test_notes_have_a_length_limit(under_review, auditor):
    with pytest.raises(CheckRefused, match="2000"):
        vetting.record_check(
            nominee=under_review, kind="registration", inputs={"active": True}, notes="x" * 2001, actor=auditor
        )


def test_someone_without_the_auditor_role_cannot_record(under_review, manager):
    from certification.exceptions import NotAllowed

    with pytest.raises(NotAllowed):
        vetting.record_check(nominee=under_review, kind="registration", inputs={"active": True}, actor=manager)


@pytest.mark.parametrize("threshold,result", [(85, "fail"), (84, "pass")])
def test_the_survey_is_judged_against_its_editions_threshold(auditor, threshold, result):
    from tests.factories import CategoryFactory, EditionFactory

    category = CategoryFactory(edition=EditionFactory(survey_threshold=threshold))
    nominee = NomineeFactory(category=category, state=S.UNDER_REVIEW)
    check = vetting.record_check(
        nominee=nominee, kind="survey", inputs={"sample_size": 100, "satisfied": 84}, actor=auditor
    )
    assert check.result == result
    assert check.details["threshold"] == threshold
