import itertools

import pytest

from audit.models import AuditEntry
from certification import workflow
from certification.exceptions import TransitionRefused
from nominations.models import Nominee
from nominations.models import NomineeState as S
from tests.factories import NomineeFactory, UserFactory

pytestmark = pytest.mark.django_db

ALLOWED = {
    (S.NOMINATED, S.QUALIFIED),
    (S.QUALIFIED, S.UNDER_REVIEW),
    (S.UNDER_REVIEW, S.APPROVED),
    (S.UNDER_REVIEW, S.REJECTED),
    (S.APPROVED, S.CERTIFIED),
}
ALL_MOVES = list(itertools.permutations(S.values, 2))


def test_the_allowed_moves_are_exactly_the_documented_path():
    assert {(a, b) for a, targets in workflow.ALLOWED_MOVES.items() for b in targets} == ALLOWED


@pytest.mark.parametrize("from_state,to", sorted(set(ALL_MOVES) - ALLOWED))
def test_every_other_move_is_refused_with_a_message(from_state, to):
    nominee = NomineeFactory(state=from_state)
    everyone = UserFactory(is_superuser=True)  # holds every move's permission: the refusal is the path's
    with pytest.raises(TransitionRefused) as error:
        workflow.transition(nominee=nominee, to=to, actor=everyone, reason="because")
    assert str(S(from_state).label) in str(error.value.message)
    assert Nominee.objects.get(pk=nominee.pk).state == from_state
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("from_state,to", [(S.NOMINATED, S.QUALIFIED), (S.QUALIFIED, S.UNDER_REVIEW)])
def test_unguarded_allowed_moves_change_the_state_and_are_logged(from_state, to, second_auditor):
    nominee = NomineeFactory(state=from_state)
    workflow.transition(nominee=nominee, to=to, actor=second_auditor)
    assert Nominee.objects.get(pk=nominee.pk).state == to
    entry = AuditEntry.objects.get(action=f"nominee.{to}")
    assert (entry.before, entry.after["state"], entry.actor) == ({"state": from_state}, to, second_auditor)


def test_approval_and_rejection_from_review_are_allowed(vetted, second_auditor):
    workflow.transition(nominee=vetted, to=S.APPROVED, actor=second_auditor)
    other = NomineeFactory(state=S.UNDER_REVIEW)
    workflow.transition(nominee=other, to=S.REJECTED, actor=second_auditor, reason="charter not published")
    assert Nominee.objects.get(pk=vetted.pk).state == S.APPROVED
    assert Nominee.objects.get(pk=other.pk).state == S.REJECTED


def test_skipping_a_step_says_what_the_next_step_is(second_auditor):
    nominee = NomineeFactory(state=S.NOMINATED)
    with pytest.raises(TransitionRefused, match="cannot become approved; its next step is: qualified"):
        workflow.transition(nominee=nominee, to=S.APPROVED, actor=second_auditor)


def test_a_stale_copy_cannot_move_the_nominee_twice(second_auditor):
    nominee = NomineeFactory(state=S.QUALIFIED)
    stale = Nominee.objects.get(pk=nominee.pk)
    workflow.transition(nominee=nominee, to=S.UNDER_REVIEW, actor=second_auditor)
    with pytest.raises(TransitionRefused):
        workflow.transition(nominee=stale, to=S.UNDER_REVIEW, actor=second_auditor)
    assert AuditEntry.objects.filter(action="nominee.under_review").count() == 1


def test_a_move_needs_the_role_permission(db):
    from tests.factories import UserFactory

    nobody = UserFactory(groups=[])
    nominee = NomineeFactory(state=S.QUALIFIED)
    with pytest.raises(TransitionRefused, match="permission"):
        workflow.transition(nominee=nominee, to=S.UNDER_REVIEW, actor=nobody)
