"""The nominee's path, in one place: nominated -> qualified -> under review -> approved or rejected -> certified.

Every move goes through `transition` (one nominee) or `bulk_transition`
(qualification, set-based): the move must be in ALLOWED_MOVES, the actor must
hold REQUIRED_PERMISSION, the GUARDS of the target state must pass, and the
state changes by compare-and-set with its audit entry in the same transaction.
"""

from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit import services as audit
from nominations.models import FraudDecision, FraudFlag, Nominee
from nominations.models import NomineeState as S

from .certificates.winners import is_proposed_winner
from .exceptions import TransitionRefused, WinnersNotFinal
from .vetting import scoring

ALLOWED_MOVES: dict[str, frozenset[str]] = {
    S.NOMINATED: frozenset({S.QUALIFIED}),
    S.QUALIFIED: frozenset({S.UNDER_REVIEW}),
    S.UNDER_REVIEW: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.CERTIFIED}),
    S.REJECTED: frozenset(),
    S.CERTIFIED: frozenset(),
}

# Who may make each move (None: the system, from a background task, needs none).
REQUIRED_PERMISSION: dict[str, str] = {
    S.QUALIFIED: "certification.decide_nominee",
    S.UNDER_REVIEW: "certification.add_check",
    S.APPROVED: "certification.decide_nominee",
    S.REJECTED: "certification.decide_nominee",
    S.CERTIFIED: "certification.issue_certificate",
}


def _label(state: str) -> str:
    return str(S(state).label)


def refusal(from_state: str, to: str) -> str | None:
    """The message for a move that is not allowed, or None when it is."""
    if to in ALLOWED_MOVES.get(from_state, frozenset()):
        return None
    allowed = ALLOWED_MOVES.get(from_state, frozenset())
    if not allowed:
        return str(
            _("A nominee that is %(from)s cannot change state any more (asked: %(to)s).")
            % {"from": _label(from_state), "to": _label(to)}
        )
    return str(
        _("A nominee that is %(from)s cannot become %(to)s; its next step is: %(next)s.")
        % {"from": _label(from_state), "to": _label(to), "next": ", ".join(_label(s) for s in sorted(allowed))}
    )


# Guards: (nominee, actor, reason) -> problems; empty means the move may go ahead.
Guard = Callable[..., list[str]]


def recorders(nominee: Nominee) -> set[int]:
    return set(nominee.checks.values_list("recorded_by_id", flat=True))


def four_eyes(*, nominee: Nominee, actor, reason: str) -> list[str]:
    if actor is not None and actor.pk in recorders(nominee):
        return [str(_("You recorded checks on this nominee, so a second auditor must make the decision (four eyes)."))]
    return []


def checks_allow_approval(*, nominee: Nominee, actor, reason: str) -> list[str]:
    checks = list(nominee.checks.all())
    pending = FraudFlag.objects.filter(nominee=nominee, decision=FraudDecision.PENDING).count()
    return scoring.approval_problems(checks=checks, pass_mark=nominee.edition.pass_mark, pending_flags=pending)


def reason_given(*, nominee: Nominee, actor, reason: str) -> list[str]:
    return [] if reason.strip() else [str(_("Give the reason for the rejection."))]


def proposed_winner(*, nominee: Nominee, actor, reason: str) -> list[str]:
    try:
        if is_proposed_winner(nominee):
            return []
    except WinnersNotFinal as error:
        return [str(error.message)]
    return [str(_("%(firm)s is not a proposed winner of its category.") % {"firm": nominee.firm.name})]


GUARDS: dict[str, tuple[Guard, ...]] = {
    S.APPROVED: (four_eyes, checks_allow_approval),
    S.REJECTED: (four_eyes, reason_given),
    S.CERTIFIED: (proposed_winner,),
}


def _check_permission(actor, to: str) -> None:
    perm = REQUIRED_PERMISSION.get(to)
    if actor is not None and perm and not actor.has_perm(perm):
        raise TransitionRefused(_("You do not have the permission to make a nominee %(to)s.") % {"to": _label(to)})


def problems_for(*, nominee: Nominee, to: str, actor, reason: str = "") -> list[str]:
    """Everything that stops this move now (for the admin to show before anyone tries)."""
    message = refusal(nominee.state, to)
    if message:
        return [message]
    return [problem for guard in GUARDS.get(to, ()) for problem in guard(nominee=nominee, actor=actor, reason=reason)]


def transition(*, nominee: Nominee, to: str, actor, reason: str = "") -> Nominee:
    """Move one nominee, or raise TransitionRefused with the reason.

    Locks the nominee row (select_for_update) so the guards read checks that
    cannot change underneath (recording a check takes the same lock), then
    moves the state by compare-and-set: exactly one row must change.
    The lock also covers the joined edition, firm and category rows (FOR
    UPDATE without OF), so certifications in one category run one after the
    other and never hand out more places than it has: keep it that way.
    """
    _check_permission(actor, to)
    with transaction.atomic():
        current = Nominee.objects.select_for_update().select_related("edition", "firm", "category").get(pk=nominee.pk)
        problems = problems_for(nominee=current, to=to, actor=actor, reason=reason)
        if problems:
            raise TransitionRefused(" ".join(problems))
        changed = Nominee.objects.filter(pk=current.pk, state=current.state).update(state=to)
        if changed != 1:
            raise TransitionRefused(_("This nominee changed state meanwhile; reload and try again."))
        after: dict = {"state": to}
        if to in (S.APPROVED, S.REJECTED):
            after["vetting_score"] = scoring.vetting_score(current.checks.all())
        audit.record(
            actor=actor,
            action=f"nominee.{to}",
            obj=current,
            before={"state": current.state},
            after=after,
            reason=reason,
        )
    nominee.state = to
    return nominee


def bulk_transition(
    *, nominee_ids, from_state: str, to: str, actor, details: dict[int, dict] | None = None
) -> list[int]:
    """Move many nominees that are all in `from_state` (compare-and-set on the state); returns the ids moved.

    Only for moves without guards (qualification); call inside a transaction.
    """
    message = refusal(from_state, to)
    if message:
        raise TransitionRefused(message)
    if GUARDS.get(to):
        raise TransitionRefused(_("This move is checked one nominee at a time."))
    _check_permission(actor, to)
    details = details or {}
    moving = list(
        Nominee.objects.select_for_update()
        .filter(pk__in=list(nominee_ids), state=from_state)
        .select_related("firm", "category")
    )
    Nominee.objects.filter(pk__in=[n.pk for n in moving], state=from_state).update(state=to)
    audit.record_many(
        actor=actor,
        action=f"nominee.{to}",
        changes=[
            audit.Change(obj=n, before={"state": from_state}, after={"state": to, **details.get(n.pk, {})})
            for n in moving
        ],
    )
    return [n.pk for n in moving]
