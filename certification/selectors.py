"""Functions that read vetting data for the admin."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import BooleanField, Count, ExpressionWrapper, F, FloatField, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, NullIf, TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from nominations.models import Channel, Edition, FraudFlag, Nominee, Vote

from . import scoring, workflow
from .accounts import has_accepted_terms
from .models import (
    SERIAL_ALPHABET,
    SERIAL_GROUPS,
    SERIAL_MAX_LENGTH,
    Certificate,
    Check,
    CheckKind,
    Evidence,
    FilesStatus,
    FirmAccount,
    NomineeVetting,
)


def can_see_unreleased_tallies(*, user) -> bool:
    return user.has_perm("nominations.release_results") or user.has_perm("certification.view_unreleased_tallies")


def can_see_tallies(*, user, edition: Edition) -> bool:
    """Vote counts of an edition are visible once released, or to those allowed to see them earlier."""
    return edition.results_released or can_see_unreleased_tallies(user=user)


def flagged_share_expression():
    """(held + rejected) / confirmed, NULL without confirmed votes (for filters and ordering)."""
    flagged = Cast(Coalesce(F("tally__held"), 0) + Coalesce(F("tally__rejected"), 0), FloatField())
    confirmed = NullIf(Coalesce(F("tally__counted"), 0) + Coalesce(F("tally__held"), 0) + Coalesce(F("tally__rejected"), 0), 0)
    return ExpressionWrapper(flagged / Cast(confirmed, FloatField()), output_field=FloatField())


def vetting_queryset(*, user) -> QuerySet:
    """Nominees with what the lists show: two queries (rows, then their checks) whatever the number of rows.

    `tallies_visible` says whether this user may see the nominee's vote counts (can_see_tallies, per row).
    """
    if can_see_unreleased_tallies(user=user):
        visible = Value(True)
    else:
        visible = ExpressionWrapper(Q(edition__results_released_at__isnull=False), output_field=BooleanField())
    return (
        NomineeVetting.objects.select_related("firm", "category", "edition", "tally")
        .annotate(share=flagged_share_expression(), tallies_visible=visible)
        .prefetch_related(Prefetch("checks", queryset=Check.objects.only("pk", "nominee_id", "kind", "channel", "result", "score")))
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


def vetting_summary(*, nominee: Nominee, user) -> VettingSummary:
    """Everything the nominee's vetting page shows: checks side by side, score, what blocks approval, votes over time."""
    checks = list(
        Check.objects.filter(nominee=nominee).select_related("recorded_by").prefetch_related("evidence")
    )
    by_key = {(c.kind, c.channel): c for c in checks}
    columns = []
    for kind, channel in COLUMNS:
        label = str(CheckKind(kind).label)
        if channel:
            label = f"{label}: {Channel(channel).label}"
        columns.append(CheckColumn(kind, channel, label, kind in scoring.MANDATORY, by_key.get((kind, channel))))
    pending = FraudFlag.objects.filter(nominee=nominee, decision="").count()
    problems = scoring.approval_problems(checks=checks, pass_mark=nominee.edition.pass_mark, pending_flags=pending)
    if user.pk in {c.recorded_by_id for c in checks}:
        problems += workflow.four_eyes(nominee=nominee, actor=user, reason="")
    show_chart = user.has_perm("nominations.view_vote") and can_see_tallies(user=user, edition=nominee.edition)
    counts = votes_per_day(nominee=nominee) if show_chart else []
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
        days=days,
        chart_width=max(len(days), 1) * CHART_BAR,
        chart_height=CHART_HEIGHT,
        max_votes=peak,
    )


SEVERITY = {"fail": 0, "na": 1, "pass": 2}


def csv_rows(*, nominees: QuerySet, user) -> tuple[list[str], list[list]]:
    """A category's nominees with their scores; vote counts only where the user may see them."""
    nominees = nominees.select_related("firm", "category", "edition", "tally").prefetch_related("checks").order_by(
        "edition", "category", "firm__name"
    )
    kinds = list(CheckKind)
    header = [
        "edition", "category", "firm", "registration_number", "state", "vetting_score",
        *[f"{kind.value}_result" for kind in kinds],
        "counted_votes", "flagged_share",
    ]
    rows = []
    visible: dict[int, bool] = {}
    for nominee in nominees:
        checks = list(nominee.checks.all())
        results: dict[str, str] = {}
        for check in checks:
            # Mystery shopping: the worst channel's result is the kind's result.
            previous = results.get(check.kind)
            results[check.kind] = check.result if previous is None else min(previous, check.result, key=SEVERITY.get)
        if nominee.edition_id not in visible:
            visible[nominee.edition_id] = can_see_tallies(user=user, edition=nominee.edition)
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


def get_evidence_for_download(*, user, evidence_id) -> Evidence:
    """The evidence file if this staff user may see it; 404 alike for missing and not allowed."""
    if not (user.is_active and user.is_staff and user.has_perm("certification.view_evidence")):
        raise Http404
    try:
        return Evidence.objects.select_related("check_record").get(pk=int(evidence_id))
    except (Evidence.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


# Certificates ----------------------------------------------------------------------------

SERIAL_PATTERN = re.compile(r"^CF-[A-Z]{2}\d{2}(-[" + SERIAL_ALPHABET + r"]{4}){" + str(SERIAL_GROUPS) + r"}$")


def normalise_serial(raw: str) -> str | None:
    """The serial in its stored form (upper case, trimmed), or None when it cannot be one."""
    serial = (raw or "").strip().upper()
    if len(serial) > SERIAL_MAX_LENGTH or not SERIAL_PATTERN.match(serial):
        return None
    return serial


@dataclass(frozen=True)
class Verification:
    serial: str
    status: str  # valid, expired, revoked, unknown
    certificate: Certificate | None

    def as_json(self) -> dict:
        c = self.certificate
        if c is None:
            return {"serial": self.serial, "status": "unknown"}
        return {
            "serial": c.serial,
            "status": self.status,
            "firm": c.firm.name,
            "registration_number": c.firm.registration_number,
            "category": c.category.name_en,
            "edition": str(c.edition),
            "country": c.country,
            "valid_from": c.valid_from.isoformat(),
            "valid_until": c.valid_until.isoformat(),
            "issued_at": c.issued_at.isoformat(),
            "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
            "revocation_reason": c.revocation_reason or None,
        }


def verify_serial(raw: str) -> Verification:
    """What the public learns about a serial (case-insensitive); one query.

    A certificate of an edition whose results are not released yet is "unknown" to the public.
    """
    serial = normalise_serial(raw)
    certificate = None
    if serial is not None:
        certificate = (
            Certificate.objects.select_related("firm", "category", "edition")
            .filter(serial=serial, edition__results_released_at__isnull=False)
            .first()
        )
    if certificate is None:
        return Verification(serial=(raw or "")[:SERIAL_MAX_LENGTH], status="unknown", certificate=None)
    return Verification(serial=certificate.serial, status=certificate.status(), certificate=certificate)


def currently_valid(queryset: QuerySet) -> QuerySet:
    """Not revoked, not expired, and of an edition whose results are public."""
    return queryset.filter(
        revoked_at__isnull=True, valid_until__gte=timezone.localdate(), edition__results_released_at__isnull=False
    )


def registry_editions() -> QuerySet:
    """Editions with at least one currently valid certificate, newest first."""
    return Edition.objects.filter(pk__in=currently_valid(Certificate.objects.all()).values("edition_id")).order_by(
        "-voting_closes_at"
    )


def registry_for_edition(*, slug: str) -> tuple[Edition, list[tuple]]:
    """(edition, [(category, [certificates])]): currently valid certificates only; two queries."""
    edition = Edition.objects.filter(slug=slug).first()
    if edition is None:
        raise Http404
    certificates = currently_valid(Certificate.objects.filter(edition=edition)).select_related("firm", "category").order_by(
        "category__position", "category__name_en", "firm__name"
    )
    grouped: dict = {}
    for certificate in certificates:
        grouped.setdefault(certificate.category, []).append(certificate)
    return edition, list(grouped.items())


def firm_account_of(user) -> FirmAccount | None:
    if not user.is_authenticated:
        return None
    return FirmAccount.objects.select_related("firm").filter(user=user, user__is_active=True).first()


def firm_certificates(*, account: FirmAccount) -> list[Certificate]:
    return list(
        Certificate.objects.filter(firm_id=account.firm_id).select_related("category", "edition").order_by("-issued_at")
    )


def get_certificate_for_download(*, user, download_key) -> Certificate:
    """The certificate behind a download URL if it is this firm user's; 404 alike for missing and another firm's.

    Whether the download is allowed now (terms, revoked, expired) is `download_refusal`.
    """
    account = firm_account_of(user)
    if account is None:
        raise Http404
    certificate = (
        Certificate.objects.select_related("firm", "category", "edition")
        .filter(download_key=download_key, firm_id=account.firm_id)
        .first()
    )
    if certificate is None:
        raise Http404
    return certificate


# Download kinds in URLs: kind -> (field, content type, file name suffix).
DOWNLOADS = {
    "pdf": ("pdf", "application/pdf", "certificate.pdf"),
    "svg": ("svg", "image/svg+xml", "logo.svg"),
    "png-256": ("png_256", "image/png", "logo-256.png"),
    "png-512": ("png_512", "image/png", "logo-512.png"),
    "png-1024": ("png_1024", "image/png", "logo-1024.png"),
    "zip": ("zip", "application/zip", "logo-pack.zip"),
}


def download_refusal(*, certificate: Certificate, user) -> tuple[int, str] | None:
    """Why this firm user cannot download the certificate's files right now (HTTP status, message), or None.

    Read at request time: a revocation or the end of validity stops downloads at once.
    """
    status = certificate.status()
    if status == "revoked":
        return 410, _("This certificate has been revoked, so its files can no longer be downloaded.")
    if status == "expired":
        return 410, _("This certificate has expired, so its files can no longer be downloaded.")
    if not has_accepted_terms(user=user, firm_id=certificate.firm_id):
        return 403, _("Accept the logo usage terms before downloading the files.")
    if certificate.files_status != FilesStatus.READY:
        return 409, _("The files of this certificate are being prepared; try again in a few minutes.")
    return None
