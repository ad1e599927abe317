"""Reads for the public pages and the admin: editions, categories, nominees, receipts, background jobs."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    Min,
)
from django.http import Http404
from django.utils import timezone

from portal.breaker import broker_breaker
from portal.celery import app

from ..models import (
    COUNTRY_TIME_ZONES,
    Category,
    Country,
    Edition,
    Nominee,
    TimeZone,
    Vote,
)
from ..outbox import mails_waiting, relay_is_stale, relay_seen_at
from ..tally import waiting_votes_queryset
from . import hot_path

__all__ = [
    "BackgroundStatus",
    "all_editions",
    "attach_nominees",
    "latest_edition",
    "background_status",
    "current_editions",
    "edition_form_zone",
    "get_category",
    "get_edition",
    "get_edition_by_id",
    "get_nominee_for_vote",
    "nominees_for_vote",
    "vote_by_receipt",
]


def current_editions(now: datetime | None = None) -> list[Edition]:
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


def attach_nominees(editions: list[Edition]) -> list[Edition]:
    """Each category (of editions read with their categories) gets `nominee_list`, by firm name; one query."""
    by_category: dict[int, list[Nominee]] = {}
    nominees = Nominee.objects.filter(edition__in=editions).select_related("firm").order_by("firm__name", "pk")
    for nominee in nominees:
        by_category.setdefault(nominee.category_id, []).append(nominee)
    for edition in editions:
        for category in edition.category_list:  # type: ignore[attr-defined]
            category.nominee_list = by_category.get(category.pk, [])
    return editions


def all_editions() -> list[Edition]:
    """Every edition, the most recent first: the results index lists past ones and says when the others publish."""
    return list(Edition.objects.order_by("-voting_closes_at", "-pk"))


def latest_edition(now: datetime | None = None) -> Edition | None:
    """The edition that started most recently (else the next one): the footer's methodology link goes there."""
    now = now or timezone.now()
    started = Edition.objects.filter(nomination_opens_at__lte=now).order_by("-nomination_opens_at").first()
    return started or Edition.objects.order_by("nomination_opens_at").first()


def _attach_categories(editions: list[Edition]) -> None:
    by_edition: dict[int, list[Category]] = {e.pk: [] for e in editions}
    for category in Category.objects.filter(edition__in=editions):
        by_edition[category.edition_id].append(category)
    for edition in editions:
        edition.category_list = by_edition[edition.pk]  # type: ignore[attr-defined]  # read by the templates


def edition_form_zone(*, object_id: str | None, data: Mapping[str, str]) -> ZoneInfo:
    """The zone an edition's form is typed and shown in: the one submitted, else the edition's, else its country's."""
    if data.get("time_zone") in TimeZone.values:
        return ZoneInfo(data["time_zone"])
    edition = (
        Edition.objects.filter(pk=object_id).only("time_zone", "country").first()
        if object_id is not None and str(object_id).isdigit()
        else None
    )
    if edition is not None:
        return edition.zone
    country_default = (
        COUNTRY_TIME_ZONES.get(Country(data["country"])) if data.get("country") in Country.values else None
    )
    return ZoneInfo(country_default or settings.TIME_ZONE)


def get_edition_by_id(pk: int | str) -> Edition:
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


def get_nominee_for_vote(*, edition_slug: str, category_slug: str, nominee_id: str | int | None) -> Nominee | None:
    """The nominee a vote is for, with its category, edition and firm, in one query (the vote POST's hot path)."""
    try:
        pk = int(nominee_id or "")
    except (TypeError, ValueError):
        return None
    if not -(2**63) <= pk < 2**63:
        return None
    if hot_path.on_postgresql():
        return hot_path.nominee_for_vote(pk=pk, edition_slug=edition_slug, category_slug=category_slug)
    nominee = (
        Nominee.objects.filter(pk=pk, category__slug=category_slug, category__edition__slug=edition_slug)
        .select_related("category__edition", "firm")
        .first()
    )
    if nominee is not None:
        nominee.edition = nominee.category.edition
    return nominee


def vote_by_receipt(*, code: str) -> Vote | None:
    code = (code or "").strip().upper().replace(" ", "")
    if len(code) == 12 and "-" not in code:
        code = f"{code[:4]}-{code[4:8]}-{code[8:]}"
    if len(code) != 14:
        return None
    # Unique per edition (Vote's vote_receipt_per_edition): should two editions ever share a code, the newest edition's vote.
    return (
        Vote.objects.select_related("nominee__firm", "category", "edition")
        .filter(receipt_code=code)
        .order_by("-edition__voting_opens_at", "-edition_id")
        .first()
    )


@dataclass(frozen=True)
class BackgroundStatus:
    eager: bool
    workers: list[str]
    broker_error: str
    waiting_votes: int
    oldest_waiting_since: object  # datetime | None
    stale: bool  # work waits longer than two reconcile periods: nothing is processing it
    mails_waiting: int = 0
    oldest_mail_since: object = None  # datetime | None
    relay_seen_at: object = None  # the outbox relay's last heartbeat, datetime | None
    relay_stale: bool = False  # no heartbeat for three catch-up periods (and not eager, where no relay runs)


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
    mails, oldest_mail = mails_waiting()
    relay_seen = relay_seen_at()
    relay_stale = not eager and relay_is_stale(relay_seen)
    return BackgroundStatus(
        eager, workers, error, count, oldest, stale, mails, oldest_mail, relay_seen, bool(relay_stale)
    )
