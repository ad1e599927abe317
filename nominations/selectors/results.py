"""Reads of released results: the published figures, their versions, the ledgers and a voter's line."""

from dataclasses import dataclass

from django.db.models import (
    Subquery,
)
from django.http import Http404

from audit.models import AuditEntry

from .. import ledger
from ..models import (
    Category,
    Edition,
    LedgerLine,
    Nominee,
    ReleasedCategory,
    ReleasedFigure,
    ReleasedResults,
    Vote,
)

__all__ = [
    "AmendmentPreview",
    "CHART_BAR_WIDTH",
    "CHART_ROW_HEIGHT",
    "CategoryResult",
    "NomineeResult",
    "PublishedResults",
    "RESULT_ACTIONS",
    "ReceiptLine",
    "amendment_preview",
    "audit_reference",
    "ledger_categories",
    "ledger_line_for_vote",
    "published_results",
    "released_counts",
    "released_editions",
    "released_figure",
    "released_version",
]

CHART_BAR_WIDTH = 280  # SVG units of the longest bar
CHART_ROW_HEIGHT = 40
RESULT_ACTIONS = ("edition.release_results", "edition.amend_results")


@dataclass(frozen=True)
class NomineeResult:
    nominee: Nominee
    votes: int  # counted
    rejected: int  # confirmed as fraud, not counted
    held: int
    percent: float  # of the category's counted votes
    bar_width: int  # SVG units, the category's best is CHART_BAR_WIDTH
    y: int  # SVG offset of the row

    @property
    def bar_percent(self) -> int:
        """The bar's length as a share of the category's best (the chart's scale), 0 to 100."""
        return round(100 * self.bar_width / CHART_BAR_WIDTH)


@dataclass(frozen=True)
class CategoryResult:
    category: Category
    total: int
    rows: list[NomineeResult]
    digest: str  # of the category's published ledger
    lines: int

    @property
    def chart_height(self) -> int:
        return max(len(self.rows), 1) * CHART_ROW_HEIGHT


@dataclass(frozen=True)
class PublishedResults:
    """One version of an edition's released results, with the versions before and after it."""

    results: ReleasedResults  # the version shown
    versions: list[ReleasedResults]  # all, oldest first
    categories: list[CategoryResult]
    audit_reference: str

    @property
    def latest(self) -> ReleasedResults:
        return self.versions[-1]

    @property
    def is_latest(self) -> bool:
        return self.results.pk == self.latest.pk

    @property
    def amendments(self) -> list[ReleasedResults]:
        return [v for v in self.versions if v.is_amendment]


def _version_number(version: str | int | None) -> int | None:
    if version in (None, ""):
        return None
    if not str(version).isdigit():
        raise Http404("No such version.")
    return int(str(version))


def released_version(*, edition: Edition, version: str | int | None = None) -> ReleasedResults:
    """A version of an edition's released results (the latest by default); 404 when unreleased or unknown."""
    number = _version_number(version)
    versions = ReleasedResults.objects.filter(edition=edition, edition__results_released_at__isnull=False)
    found = versions.filter(version=number).first() if number is not None else versions.order_by("-version").first()
    if found is None:
        raise Http404("No such version of the results.")
    return found


def published_results(*, edition: Edition, version: str | int | None = None) -> PublishedResults:
    """What the public results page shows: the frozen figures of one version, never a live count; 404 for an unknown version."""
    number = _version_number(version)
    versions = list(ReleasedResults.objects.filter(edition=edition).order_by("version"))
    if number is not None:
        shown = next((v for v in versions if v.version == number), None)
    else:
        shown = versions[-1] if versions else None
    if shown is None:
        raise Http404("No such version of the results.")
    released = {c.category_id: c for c in ReleasedCategory.objects.filter(results=shown).select_related("category")}
    figures = (
        ReleasedFigure.objects.filter(results=shown)
        .select_related("nominee__firm")
        .order_by("-counted", "nominee__firm__name", "nominee_id")
    )
    by_category: dict[int, list[ReleasedFigure]] = {pk: [] for pk in released}
    for figure in figures:
        by_category.setdefault(figure.category_id, []).append(figure)
    categories = []
    for category_id, rows in by_category.items():
        if category_id not in released:
            continue
        total = sum(f.counted for f in rows)
        best = max((f.counted for f in rows), default=0)
        categories.append(
            CategoryResult(
                category=released[category_id].category,
                total=total,
                rows=[
                    NomineeResult(
                        nominee=f.nominee,
                        votes=f.counted,
                        rejected=f.rejected,
                        held=f.held,
                        percent=round(100 * f.counted / total, 1) if total else 0.0,
                        bar_width=round(CHART_BAR_WIDTH * f.counted / best) if best else 0,
                        y=i * CHART_ROW_HEIGHT,
                    )
                    for i, f in enumerate(rows)
                ],
                digest=released[category_id].digest,
                lines=released[category_id].lines,
            )
        )
    categories.sort(key=lambda c: (c.category.position, c.category.name_en))
    return PublishedResults(
        results=shown, versions=versions, categories=categories, audit_reference=audit_reference(shown)
    )


def audit_reference(results: ReleasedResults) -> str:
    """The audit entry that recorded this version, as the results page prints it: its id and its hash in the chain.

    Written last in the release's transaction, so its hash was the head of the audit log's
    hash chain just then: `manage.py verify_audit_log --published-head <hash>` proves the
    log has not been rewritten up to that point.
    """
    entry = (
        AuditEntry.objects.filter(
            object_type=Edition._meta.label_lower,
            object_id=str(results.edition_id),
            action__in=RESULT_ACTIONS,
            after__version=results.version,
        )
        .order_by("pk")
        .values_list("pk", "hash")
        .first()
    )
    return f"#{entry[0]} {entry[1]}" if entry else ""


def released_counts(*, edition: Edition) -> dict[int, int] | None:
    """Counted votes per nominee as published (latest version), in one query; None while nothing is released. The winners read this."""
    latest = ReleasedResults.objects.filter(edition=edition).order_by("-version").values("pk")[:1]
    counts = dict(ReleasedFigure.objects.filter(results_id=Subquery(latest)).values_list("nominee_id", "counted"))
    if not counts and not ReleasedResults.objects.filter(edition=edition).exists():
        return None
    return counts


def released_figure(*, nominee: Nominee) -> tuple[ReleasedResults, ReleasedFigure] | None:
    """A nominee's published figures (latest version) with their version; None while nothing is released."""
    figure = (
        ReleasedFigure.objects.filter(nominee=nominee).select_related("results").order_by("-results__version").first()
    )
    return (figure.results, figure) if figure else None


def released_editions() -> list[Edition]:
    """The archive: every edition whose results are released, the most recent first."""
    return list(Edition.objects.filter(results_released_at__isnull=False).order_by("-voting_closes_at", "-pk"))


# The published ledgers -----------------------------------------------------------


def ledger_categories(*, results: ReleasedResults, category_slug: str | None = None) -> list[ReleasedCategory]:
    """A version's ledgers, by category slug (one when a slug is given); 404 for an unknown category."""
    categories = ledger.released_categories(results)
    if category_slug is None:
        return categories
    chosen = [c for c in categories if c.category.slug == category_slug]
    if not chosen:
        raise Http404("No such category in these results.")
    return chosen


@dataclass(frozen=True)
class ReceiptLine:
    """A voter's line in the latest published ledger of their edition."""

    results: ReleasedResults
    category: Category
    line: int
    text: str  # as in the CSV, without the line end


def ledger_line_for_vote(*, vote: Vote) -> ReceiptLine | None:
    """The published ledger line of this vote, found by its receipt hash; None before release or for an unconfirmed vote."""
    if not vote.is_confirmed or not vote.edition.results_released:
        return None
    latest = ReleasedResults.objects.filter(edition_id=vote.edition_id).order_by("-version").first()
    if latest is None:
        return None
    released = (
        ReleasedCategory.objects.filter(results=latest, category_id=vote.category_id).select_related("category").first()
    )
    if released is None:
        return None
    code_hash = ledger.receipt_hash(key=latest.ledger_key, receipt_code=vote.receipt_code)
    row = LedgerLine.objects.filter(ledger=released, receipt_hash=code_hash).first()
    if row is None:
        return None
    line = ledger.Line(row.receipt_hash, row.nominee_id, row.day, row.standing, row.reason)
    text = line.text(released.category.slug).rstrip("\n")
    return ReceiptLine(results=latest, category=released.category, line=row.line, text=text)


@dataclass(frozen=True)
class AmendmentPreview:
    """What an amendment would publish: the nominees whose figures change, and whether any ledger line does."""

    current: ReleasedResults
    differences: list[ledger.Difference]
    changes_anything: bool


def amendment_preview(*, edition: Edition) -> AmendmentPreview | None:
    """The votes now against the latest published version (for the amendment's confirmation page)."""
    current = ReleasedResults.objects.filter(edition=edition).order_by("-version").first()
    if current is None:
        return None
    now = ledger.from_votes(edition, key=current.ledger_key)
    differences = ledger.differences(ledger.flat(ledger.stored_figures(current)), now.figures())
    return AmendmentPreview(current=current, differences=differences, changes_anything=now.digest != current.digest)
