"""Functions that read for views and the admin."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    Min,
    Subquery,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEntry
from portal.breaker import broker_breaker
from portal.celery import app

from . import ledger
from .models import (
    COUNTRY_TIME_ZONES,
    Category,
    Edition,
    FraudFlag,
    LedgerLine,
    Nominee,
    ReleasedCategory,
    ReleasedFigure,
    ReleasedResults,
    Tally,
    TimeZone,
    Vote,
)
from .tally import waiting_votes_queryset


def current_editions(now=None) -> list[Edition]:
    """Per country, the edition that started most recently, else the next one to start."""
    now = now or timezone.now()
    chosen: dict[str, Edition] = {}
    for edition in Edition.objects.filter(nomination_opens_at__lte=now).order_by("-nomination_opens_at"):
        chosen.setdefault(edition.country, edition)
    for edition in Edition.objects.filter(nomination_opens_at__gt=now).order_by("nomination_opens_at"):
        chosen.setdefault(edition.country, edition)
    editions = sorted(chosen.values(), key=lambda e: e.country)
    _attach_categories(editions)
    return editions


def _attach_categories(editions: list[Edition]) -> None:
    by_edition: dict[int, list[Category]] = {e.pk: [] for e in editions}
    for category in Category.objects.filter(edition__in=editions):
        by_edition[category.edition_id].append(category)
    for edition in editions:
        edition.category_list = by_edition[edition.pk]


def edition_form_zone(*, object_id, data) -> ZoneInfo:
    """The zone an edition's form is typed and shown in: the one submitted, else the edition's, else its country's."""
    if data.get("time_zone") in TimeZone.values:
        return ZoneInfo(data["time_zone"])
    edition = Edition.objects.filter(pk=object_id).only("time_zone", "country").first() if str(object_id).isdigit() else None
    if edition is not None:
        return edition.zone
    country_default = COUNTRY_TIME_ZONES.get(data.get("country", ""))
    return ZoneInfo(country_default or settings.TIME_ZONE)


def get_edition_by_id(pk) -> Edition:
    """For staff pages reached from the admin; 404 for an unknown or malformed id."""
    edition = Edition.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if edition is None:
        raise Http404("No such edition.")
    return edition


def get_edition(*, slug: str) -> Edition | None:
    edition = Edition.objects.filter(slug=slug).first()
    if edition is not None:
        _attach_categories([edition])
    return edition


def get_category(*, edition_slug: str, slug: str) -> Category | None:
    """The category with its edition, in one query (the vote form's hot path)."""
    return Category.objects.filter(edition__slug=edition_slug, slug=slug).select_related("edition").first()


def nominees_for_vote(*, category: Category) -> list[Nominee]:
    """The nominees the vote form offers, by firm name."""
    return list(Nominee.objects.filter(category=category).select_related("firm").order_by("firm__name"))


def get_nominee_for_vote(*, edition_slug: str, category_slug: str, nominee_id) -> Nominee | None:
    """The nominee a vote is for, with its category, edition and firm, in one query (the vote POST's hot path)."""
    try:
        nominee_id = int(nominee_id)
    except (TypeError, ValueError):
        return None
    nominee = (
        Nominee.objects.filter(pk=nominee_id, category__slug=category_slug, category__edition__slug=edition_slug)
        .select_related("category__edition", "firm")
        .first()
    )
    if nominee is not None:
        nominee.edition = nominee.category.edition
    return nominee


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


def _version_number(version) -> int | None:
    if version in (None, ""):
        return None
    if not str(version).isdigit():
        raise Http404("No such version.")
    return int(version)


def released_version(*, edition: Edition, version=None) -> ReleasedResults:
    """A version of an edition's released results (the latest by default); 404 when unreleased or unknown."""
    number = _version_number(version)
    versions = ReleasedResults.objects.filter(edition=edition, edition__results_released_at__isnull=False)
    found = versions.filter(version=number).first() if number is not None else versions.order_by("-version").first()
    if found is None:
        raise Http404("No such version of the results.")
    return found


def published_results(*, edition: Edition, version=None) -> PublishedResults:
    """What the public results page shows: the frozen figures of one version, never a live count; 404 for an unknown version."""
    number = _version_number(version)
    versions = list(ReleasedResults.objects.filter(edition=edition).order_by("version"))
    if number is not None:
        shown = next((v for v in versions if v.version == number), None)
    else:
        shown = versions[-1] if versions else None
    if shown is None:
        raise Http404("No such version of the results.")
    released = {
        c.category_id: c for c in ReleasedCategory.objects.filter(results=shown).select_related("category")
    }
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
    return PublishedResults(results=shown, versions=versions, categories=categories, audit_reference=audit_reference(shown))


def audit_reference(results: ReleasedResults) -> str:
    """The audit entry that recorded this version (the head of the audit log just then), as the results page prints it.

    Its id for now; once the log is hash-chained (issue 10, item 5) this is the one
    place to print the entry's hash as well.
    """
    entry = (
        AuditEntry.objects.filter(
            object_type=Edition._meta.label_lower, object_id=str(results.edition_id), action__in=RESULT_ACTIONS,
            after__version=results.version,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return f"#{entry}" if entry else ""


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
        ReleasedFigure.objects.filter(nominee=nominee)
        .select_related("results")
        .order_by("-results__version")
        .first()
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
    released = ReleasedCategory.objects.filter(results=latest, category_id=vote.category_id).select_related("category").first()
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


def vote_by_receipt(*, code: str) -> Vote | None:
    code = (code or "").strip().upper().replace(" ", "")
    if len(code) == 12 and "-" not in code:
        code = f"{code[:4]}-{code[4:8]}-{code[8:]}"
    if len(code) != 14:
        return None
    return Vote.objects.select_related("nominee__firm", "category", "edition").filter(receipt_code=code).first()


@dataclass(frozen=True)
class BackgroundStatus:
    eager: bool
    workers: list[str]
    broker_error: str
    waiting_votes: int
    oldest_waiting_since: object  # datetime | None
    stale: bool  # work waits longer than two reconcile periods: nothing is processing it


def background_status() -> BackgroundStatus:
    """What the admin shows about the background processing, including whether a worker answers."""
    waiting = waiting_votes_queryset().aggregate(count=Count("pk"), since=Min("confirmed_at"))
    count, oldest = waiting["count"], waiting["since"]
    stale = bool(oldest and (timezone.now() - oldest).total_seconds() > 2 * settings.RECONCILE_EVERY_SECONDS)
    eager = bool(app.conf.task_always_eager)
    workers: list[str] = []
    error = ""
    if not eager:
        if not broker_breaker.allows():
            error = "broker unreachable (recent failure)"
        else:
            try:
                replies = app.control.ping(timeout=1.0) or []
                workers = sorted(name for reply in replies for name in reply)
            except Exception as exc:  # noqa: BLE001 - any broker failure is shown, not raised
                broker_breaker.trip()
                error = f"broker unreachable: {exc.__class__.__name__}"
    return BackgroundStatus(eager, workers, error, count, oldest, stale)


# Who may see vote figures ----------------------------------------------------------------
#
# One rule, asked by every list, filter, sort, annotation, lookup, export and page of the
# admin in both apps: an edition's vote figures (counts, shares, the votes themselves listed
# per nominee or standing, charts) are visible once its results are released, and earlier
# only to those who release them or may see them before. The helpers below are that rule in
# SQL; they all start from can_see_vote_figures.

FIGURE_MODELS = (Vote, Tally)
VOTER_EMAIL_FIELDS = ("email", "email_canonical", "email_fingerprint")
# Keys under which the audit log keeps a nominee's figures (qualification's measures).
AUDITED_FIGURES = ["counted", "held", "rejected", "unconfirmed", "networks", "flagged_share"]


def can_see_vote_figures(*, user, edition: Edition | None = None) -> bool:
    """Whether `user` may see the vote figures of `edition`; without an edition, those of every edition, released or not."""
    if user.has_perm("nominations.release_results") or user.has_perm("nominations.view_unreleased_tallies"):
        return True
    return edition is not None and edition.results_released


def can_see_unreleased_tallies(*, user) -> bool:
    """can_see_vote_figures of every edition (the name callers used before the rule had one)."""
    return can_see_vote_figures(user=user)


def can_see_tallies(*, user, edition: Edition) -> bool:
    """can_see_vote_figures of one edition (the name callers used before the rule had one)."""
    return can_see_vote_figures(user=user, edition=edition)


def vote_figures_visible_q(*, user, edition_path: str = "edition") -> Q:
    """The rows whose edition's figures `user` may see (`edition_path` leads from the row to its edition)."""
    if can_see_vote_figures(user=user):
        return Q()
    return Q(**{f"{edition_path}__results_released_at__isnull": False})


def vote_figures_visible(*, user, edition_path: str = "edition"):
    """can_see_vote_figures per row, as an annotation."""
    if can_see_vote_figures(user=user):
        return Value(True)
    return ExpressionWrapper(vote_figures_visible_q(user=user, edition_path=edition_path), output_field=BooleanField())


def visible_vote_figure(expression, *, user, edition_path: str = "edition"):
    """A figure as an annotation that is NULL on rows whose figures `user` may not see.

    Filters, sorting, facets and exports built on it can then not tell hidden rows apart.
    """
    if can_see_vote_figures(user=user):
        return expression
    return Case(When(vote_figures_visible_q(user=user, edition_path=edition_path), then=expression), default=None)


def visible_votes(*, user, queryset: QuerySet | None = None) -> QuerySet:
    """The votes `user` may list: a list of votes filtered by nominee or standing is a count.

    Those of editions whose figures the user may see, and the flagged ones to those who
    settle flags: a flag shows its vote anyway, and its settlement needs the vote's details.
    """
    queryset = Vote.objects.all() if queryset is None else queryset
    if can_see_vote_figures(user=user):
        return queryset
    visible = vote_figures_visible_q(user=user)
    if user.has_perm("nominations.view_fraudflag"):
        visible |= Q(Exists(FraudFlag.objects.filter(vote=OuterRef("pk"))))
    return queryset.filter(visible)


def visible_tallies(*, user, queryset: QuerySet | None = None) -> QuerySet:
    """The tallies `user` may see: those of editions whose figures are visible to them."""
    queryset = Tally.objects.all() if queryset is None else queryset
    return queryset.filter(vote_figures_visible_q(user=user))


def _lookup_reaches(model, lookup: str) -> tuple[bool, bool]:
    """Whether a lookup path reaches the votes or tallies through a relation, and whether it reads a voter's address."""
    opts = model._meta
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return False, False  # a transform, a comparison ("gt", "pk") or an unknown name
        if issubclass(opts.model, Vote) and part in VOTER_EMAIL_FIELDS:
            return False, True
        if not field.is_relation or field.related_model is None:
            return False, False
        if issubclass(field.related_model, FIGURE_MODELS):
            return True, False
        opts = field.related_model._meta
    return False, False


def may_filter_by(*, user, model, lookup: str, figure_annotations: tuple[str, ...] = ()) -> bool:
    """Whether a URL filter of an admin list may run for `user`; a refused one must answer as an unknown field does.

    Refused: a figure the queryset annotates (`figure_annotations`) or a path into the
    votes or tallies, to a user who may not see every edition's figures (the rows of Vote
    and Tally are restricted by visible_votes / visible_tallies instead); a voter's
    address, to a user who may not see addresses (a filter would be an oracle for them).
    """
    reaches_figures, reads_email = _lookup_reaches(model, lookup)
    reaches_figures |= lookup.split(LOOKUP_SEP)[0] in figure_annotations
    if reaches_figures and not can_see_vote_figures(user=user):
        return False
    return not (reads_email and not can_see_voter_emails(user=user))


def audit_entries_with_hidden_figures(*, user) -> Q | None:
    """The audit entries whose content `user` may not read: a nominee's figures (qualification's measures) before release.

    None when the user may see every edition's figures. Registered with audit.redaction
    (the audit log imports no app).
    """
    if can_see_vote_figures(user=user):
        return None
    visible_nominees = (
        Nominee.objects.filter(vote_figures_visible_q(user=user))
        .annotate(text_pk=Cast("pk", CharField()))
        .values("text_pk")
    )
    carries_figures = Q(after__has_any_keys=AUDITED_FIGURES) | Q(before__has_any_keys=AUDITED_FIGURES)
    return Q(object_type=Nominee._meta.label_lower) & carries_figures & ~Q(object_id__in=visible_nominees)


# Who may see voters' e-mail addresses -------------------------------------------


def can_see_voter_emails(*, user) -> bool:
    """Voters' addresses are shown whole only with nominations.view_voter_email (no role has it); the admin masks them otherwise."""
    return user.has_perm("nominations.view_voter_email")
