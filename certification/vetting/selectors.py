"""Functions that read vetting data for the admin; vote figures only through nominations' visibility rule."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Prefetch,
    QuerySet,
)
from django.db.models.functions import Cast, Coalesce, NullIf, TruncDate
from django.http import Http404

from nominations.models import Channel, FraudDecision, FraudFlag, Nominee, NomineeState, Vote
from nominations.selectors import can_see_vote_figures, visible_vote_figure, vote_figures_visible
from portal.auth import Actor

from .. import workflow
from ..models import Check, CheckKind, Evidence, NomineeVetting
from . import scoring


def flagged_share_expression() -> ExpressionWrapper:
    """held / (counted + held), NULL without such votes (for filters and ordering); rejected fraud is left out."""
    flagged = Cast(Coalesce(F("tally__held"), 0), FloatField())
    confirmed = NullIf(Coalesce(F("tally__counted"), 0) + Coalesce(F("tally__held"), 0), 0)
    return ExpressionWrapper(flagged / Cast(confirmed, FloatField()), output_field=FloatField())


# The annotations of vetting_queryset that carry vote figures.
FIGURE_ANNOTATIONS = ("counted_votes", "share")


def vetting_queryset(*, user: Actor) -> QuerySet:
    """Nominees with what the lists show: two queries (rows, then their checks) whatever the number of rows.

    The figures come through nominations' visibility rule: `tallies_visible` per row, and
    `counted_votes` and `share` NULL where this user may not see them, so the list's
    cells, filters, sorting, facets and export cannot tell hidden rows apart.
    """
    return (
        NomineeVetting.objects.select_related("firm", "category", "edition")
        .annotate(
            tallies_visible=vote_figures_visible(user=user),
            counted_votes=visible_vote_figure(Coalesce(F("tally__counted"), 0), user=user),
            share=visible_vote_figure(flagged_share_expression(), user=user),
        )
        .prefetch_related(
            Prefetch("checks", queryset=Check.objects.only("pk", "nominee_id", "kind", "channel", "result", "score"))
        )
    )


# The columns of the side-by-side view: one per kind, mystery shopping one per channel.
COLUMNS: list[tuple[str, str]] = [
    (CheckKind.REGISTRATION, ""),
    (CheckKind.CHARTER, ""),
    (CheckKind.COMPLAINTS, ""),
    *[(CheckKind.MYSTERY_SHOPPING, channel) for channel in Channel.values],
    (CheckKind.SURVEY, ""),
    (CheckKind.VOTE_INTEGRITY, ""),
]


@dataclass(frozen=True)
class CheckColumn:
    kind: str
    channel: str
    label: str
    mandatory: bool
    check: Check | None


@dataclass(frozen=True)
class DayCount:
    day: date
    votes: int
    x: int
    y: int
    height: int


@dataclass(frozen=True)
class VettingSummary:
    nominee: Nominee
    columns: list[CheckColumn]
    score: Decimal | None
    approval_problems: list[str]
    pending_flags: int
    figures_visible: bool  # nominations' visibility rule for this edition
    days: list[DayCount]
    chart_width: int
    chart_height: int
    max_votes: int


CHART_HEIGHT = 120
CHART_BAR = 12  # SVG units per day


def votes_per_day(*, nominee: Nominee) -> list[tuple[date, int]]:
    """Confirmed votes per day of confirmation, one GROUP BY query."""
    rows = (
        Vote.objects.filter(nominee=nominee, confirmed_at__isnull=False)
        .annotate(day=TruncDate("confirmed_at"))
        .values_list("day")
        .annotate(n=Count("*"))
        .order_by("day")
    )
    return list(rows)


def vetting_summary(*, nominee: Nominee, user: Actor) -> VettingSummary:
    """Everything the nominee's vetting page shows: checks side by side, score, what blocks approval, votes over time."""
    checks = list(Check.objects.filter(nominee=nominee).select_related("recorded_by").prefetch_related("evidence"))
    by_key = {(c.kind, c.channel): c for c in checks}
    columns = []
    for kind, channel in COLUMNS:
        label = str(CheckKind(kind).label)
        if channel:
            label = f"{label}: {Channel(channel).label}"
        columns.append(CheckColumn(kind, channel, label, kind in scoring.MANDATORY, by_key.get((kind, channel))))
    pending = FraudFlag.objects.filter(nominee=nominee, decision=FraudDecision.PENDING).count()
    problems = scoring.approval_problems(checks=checks, pass_mark=nominee.edition.pass_mark, pending_flags=pending)
    if user.pk in {c.recorded_by_id for c in checks}:
        problems += workflow.four_eyes(nominee=nominee, actor=user, reason="")
    figures_visible = can_see_vote_figures(user=user, edition=nominee.edition)
    counts = votes_per_day(nominee=nominee) if figures_visible and user.has_perm("nominations.view_vote") else []
    peak = max((n for _d, n in counts), default=0)
    days = []
    for i, (day, n) in enumerate(counts):
        height = round(CHART_HEIGHT * n / peak) if peak else 0
        days.append(DayCount(day=day, votes=n, x=i * CHART_BAR, y=CHART_HEIGHT - height, height=height))
    return VettingSummary(
        nominee=nominee,
        columns=columns,
        score=scoring.vetting_score(checks),
        approval_problems=problems,
        pending_flags=pending,
        figures_visible=figures_visible,
        days=days,
        chart_width=max(len(days), 1) * CHART_BAR,
        chart_height=CHART_HEIGHT,
        max_votes=peak,
    )


SEVERITY = {"fail": 0, "na": 1, "pass": 2}


def csv_rows(*, nominees: QuerySet, user: Actor) -> tuple[list[str], list[list]]:
    """A category's nominees with their scores; vote counts only where the user may see them."""
    nominees = (
        nominees.select_related("firm", "category", "edition", "tally")
        .prefetch_related("checks")
        .order_by("edition", "category", "firm__name")
    )
    kinds = list(CheckKind)
    header = [
        "edition",
        "category",
        "firm",
        "registration_number",
        "state",
        "vetting_score",
        *[f"{kind.value}_result" for kind in kinds],
        "counted_votes",
        "flagged_share",
    ]
    rows = []
    visible: dict[int, bool] = {}
    for nominee in nominees:
        checks = list(nominee.checks.all())
        results: dict[str, str] = {}
        for check in checks:
            # Mystery shopping: the worst channel's result is the kind's result.
            previous = results.get(check.kind)
            results[check.kind] = (
                check.result if previous is None else min(previous, check.result, key=SEVERITY.__getitem__)
            )
        if nominee.edition_id not in visible:
            visible[nominee.edition_id] = can_see_vote_figures(user=user, edition=nominee.edition)
        tally = getattr(nominee, "tally", None)
        show = visible[nominee.edition_id]
        rows.append(
            [
                str(nominee.edition),
                nominee.category.name_en,
                nominee.firm.name,
                nominee.firm.registration_number,
                nominee.state,
                scoring.vetting_score(checks) or "",
                *[results.get(kind.value, "") for kind in kinds],
                (tally.counted if tally else 0) if show else "",
                (f"{tally.flagged_share:.2f}" if tally else "") if show else "",
            ]
        )
    return header, rows


def get_evidence_for_download(*, user: Actor, evidence_id: int | str) -> Evidence:
    """The evidence file if this staff user may see it; 404 alike for missing and not allowed."""
    if not (user.is_active and user.is_staff and user.has_perm("certification.view_evidence")):
        raise Http404
    try:
        return Evidence.objects.select_related("check_record").get(pk=int(evidence_id))
    except (Evidence.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def get_nominee_for_check(*, nominee_id: int | str) -> Nominee:
    """The nominee whose checks the admin's record page shows: 404 alike for missing and not under review.

    A hand-typed or stale URL gets no form; services.record_check checks the
    state again under the nominee's row lock.
    """
    try:
        return Nominee.objects.select_related("firm", "category", "edition").get(
            pk=int(nominee_id), state=NomineeState.UNDER_REVIEW
        )
    except (Nominee.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def get_check(*, nominee: Nominee, kind: str, channel: str) -> Check | None:
    """The nominee's check of this kind and channel, if recorded, with its recorder and evidence files."""
    return (
        Check.objects.filter(nominee=nominee, kind=kind, channel=channel)
        .select_related("recorded_by")
        .prefetch_related("evidence")
        .first()
    )


def get_check_for_evidence(*, check_id: int | str) -> Check:
    """A check evidence can be added to from the record page: 404 alike for missing and nominee not under review."""
    try:
        return Check.objects.select_related(
            "nominee__firm", "nominee__category", "nominee__edition", "recorded_by"
        ).get(pk=int(check_id), nominee__state=NomineeState.UNDER_REVIEW)
    except (Check.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
