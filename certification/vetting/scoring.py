"""How each check's result and score follow from what the auditor found, and the nominee's vetting score.

The rules are written out in the README ("## Vetting"); keep the two in step.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from statistics import mean

from django.utils.translation import gettext_lazy as _

from nominations.models import QUALITIES

from ..exceptions import CheckRefused
from ..models import CheckKind, CheckResult

# A nominee cannot be approved without these, nor with any of them failed.
# Mystery shopping needs at least one channel; the survey is optional (not every
# firm's customers can be sampled) but counts in the score when recorded.
MANDATORY = frozenset(
    {
        CheckKind.REGISTRATION,
        CheckKind.CHARTER,
        CheckKind.COMPLAINTS,
        CheckKind.MYSTERY_SHOPPING,
        CheckKind.VOTE_INTEGRITY,
    }
)

# Kinds scored 1-5; registration and vote integrity are pass/fail only.
SCORED = frozenset({CheckKind.CHARTER, CheckKind.COMPLAINTS, CheckKind.MYSTERY_SHOPPING, CheckKind.SURVEY})

# A scored check (complaints, mystery shopping) passes with a mean of at least this.
CHECK_PASS_SCORE = Decimal("3")

CHARTER_ITEMS = (
    ("published", _("published")),
    ("expectations", _("says what customers can expect")),
    ("standards", _("states the service standards")),
    ("complaint_procedure", _("describes the complaint procedure")),
)

# The five A's of handling a complaint (domain.md).
FIVE_AS = (
    ("acknowledge", _("Acknowledge")),
    ("apologise", _("Apologise")),
    ("assess", _("Assess")),
    ("act", _("Act")),
    ("follow_up", _("Follow up")),
)

# Registration and vote integrity always apply.
NOT_APPLICABLE_ALLOWED = frozenset(CheckKind) - {CheckKind.REGISTRATION, CheckKind.VOTE_INTEGRITY}


@dataclass(frozen=True)
class Outcome:
    result: str
    score: Decimal | None
    details: dict


def two_places(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def one_place(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _grades(inputs: dict, names) -> dict[str, int]:
    grades = {}
    for name, label in names:
        try:
            value = int(inputs.get(name))
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 5:
            raise CheckRefused(_("Give %(item)s a score from 1 to 5.") % {"item": label})
        grades[name] = value
    return grades


def _count(inputs: dict, name: str, label, minimum: int = 0) -> int:
    try:
        value = int(inputs.get(name))
    except (TypeError, ValueError):
        value = -1
    if value < minimum:
        raise CheckRefused(
            _("Give %(item)s as a whole number of at least %(minimum)d.") % {"item": label, "minimum": minimum}
        )
    return value


def evaluate(*, kind: str, inputs: dict, survey_threshold: int, pending_flags: int, settled_flags: int) -> Outcome:
    """The result and score of a check from its inputs; raises CheckRefused for missing or out-of-range inputs."""
    if inputs.get("not_applicable"):
        if kind not in NOT_APPLICABLE_ALLOWED:
            raise CheckRefused(_("This check always applies."))
        return Outcome(CheckResult.NOT_APPLICABLE, None, {"not_applicable": True})
    if kind == CheckKind.REGISTRATION:
        active = bool(inputs.get("active"))
        return Outcome(CheckResult.PASS if active else CheckResult.FAIL, None, {"active": active})
    if kind == CheckKind.CHARTER:
        items = {name: bool(inputs.get(name)) for name, _label in CHARTER_ITEMS}
        met = sum(items.values())
        result = CheckResult.PASS if met == len(CHARTER_ITEMS) else CheckResult.FAIL
        return Outcome(result, two_places(1 + met), items)
    if kind in (CheckKind.COMPLAINTS, CheckKind.MYSTERY_SHOPPING):
        names = FIVE_AS if kind == CheckKind.COMPLAINTS else QUALITIES
        grades = _grades(inputs, names)
        details: dict = dict(grades)
        if kind == CheckKind.COMPLAINTS:
            details["sample_size"] = _count(inputs, "sample_size", _("the number of complaints sampled"), 1)
        score = two_places(mean(grades.values()))
        return Outcome(CheckResult.PASS if score >= CHECK_PASS_SCORE else CheckResult.FAIL, score, details)
    if kind == CheckKind.SURVEY:
        sample = _count(inputs, "sample_size", _("the number of customers surveyed"), 1)
        satisfied = _count(inputs, "satisfied", _("the number of satisfied customers"), 0)
        if satisfied > sample:
            raise CheckRefused(_("More satisfied customers than customers surveyed."))
        # Judged on the exact share (79.995 % is not 80 %); the rounded figure is only shown.
        result = CheckResult.PASS if Decimal(100) * satisfied >= survey_threshold * sample else CheckResult.FAIL
        percent = two_places(Decimal(100) * satisfied / sample)
        # 0% satisfied is 1, 100% is 5.
        details = {
            "sample_size": sample,
            "satisfied": satisfied,
            "percent": float(percent),
            "threshold": survey_threshold,
        }
        return Outcome(result, two_places(1 + 4 * percent / 100), details)
    if kind == CheckKind.VOTE_INTEGRITY:
        # Computed from the flags, whatever the auditor says.
        result = CheckResult.PASS if pending_flags == 0 else CheckResult.FAIL
        return Outcome(result, None, {"pending_flags": pending_flags, "settled_flags": settled_flags})
    raise CheckRefused(_("Unknown check."))


def vetting_score(checks) -> Decimal | None:
    """Mean over the scored kinds (mystery shopping counts once: the mean of its channels), one decimal."""
    by_kind: dict[str, list[Decimal]] = {}
    for check in checks:
        if check.score is not None:
            by_kind.setdefault(check.kind, []).append(Decimal(check.score))
    if not by_kind:
        return None
    return one_place(mean(mean(scores) for scores in by_kind.values()))


def approval_problems(*, checks, pass_mark: Decimal, pending_flags: int) -> list[str]:
    """Why these checks do not allow an approval (empty: they do). Four eyes is the workflow's guard."""
    problems = []
    recorded = {check.kind for check in checks}
    missing = [str(CheckKind(kind).label) for kind in sorted(MANDATORY - recorded)]
    if missing:
        problems.append(str(_("Mandatory checks not recorded: %(checks)s.") % {"checks": ", ".join(missing)}))
    failed = sorted({str(check) for check in checks if check.kind in MANDATORY and check.result == CheckResult.FAIL})
    if failed:
        problems.append(str(_("Mandatory checks failed: %(checks)s.") % {"checks": ", ".join(failed)}))
    # Not applicable everywhere would approve a nominee nobody really vetted.
    done = {
        check.kind
        for check in checks
        if check.kind in MANDATORY & SCORED and check.result != CheckResult.NOT_APPLICABLE
    }
    if recorded >= MANDATORY and not done:
        problems.append(
            str(_("At least one of the charter, complaint handling or mystery shopping checks must apply."))
        )
    if pending_flags:
        problems.append(str(_("%(count)d flagged votes are not settled yet.") % {"count": pending_flags}))
    score = vetting_score(checks)
    if score is None or score < pass_mark:
        problems.append(
            str(
                _("The vetting score %(score)s is below the pass mark %(mark)s.")
                % {"score": score or "–", "mark": pass_mark}
            )
        )
    return problems
