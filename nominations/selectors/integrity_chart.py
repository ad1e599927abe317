"""The integrity review page's figures: votes per day, the nominee's against its category's average nominee, as SVG."""

from collections import defaultdict

from django.db.models import Count
from django.db.models.functions import TruncDay
from django.utils.html import format_html, format_html_join

from ..models import IntegrityReview, Nominee, Vote

__all__ = ["review_chart_svg"]

WIDTH, HEIGHT, PAD = 720, 220, 30


def _series(review: IntegrityReview) -> tuple[list, list, list]:
    confirmed = Vote.objects.filter(edition_id=review.edition_id, confirmed_at__isnull=False)
    mine = dict(
        confirmed.filter(nominee_id=review.nominee_id)
        .annotate(day=TruncDay("confirmed_at"))
        .values_list("day")
        .annotate(n=Count("*"))
        .values_list("day", "n")
    )
    category = review.nominee.category_id
    others: dict = defaultdict(int)
    for day, n in (
        confirmed.filter(category_id=category)
        .exclude(nominee_id=review.nominee_id)
        .annotate(day=TruncDay("confirmed_at"))
        .values_list("day")
        .annotate(n=Count("*"))
        .values_list("day", "n")
    ):
        others[day] += n
    peers = max(1, Nominee.objects.filter(category_id=category).count() - 1)
    days = sorted(set(mine) | set(others))
    return days, [mine.get(d, 0) for d in days], [others.get(d, 0) / peers for d in days]


def review_chart_svg(review: IntegrityReview) -> str:
    """A server-drawn line chart (no script, no inline style: presentation attributes only, for the strict CSP)."""
    days, mine, average = _series(review)
    if not days:
        return ""
    top = max([*mine, *average, 1])
    step = (WIDTH - 2 * PAD) / max(1, len(days) - 1)

    def points(values: list[float]) -> str:
        return " ".join(
            f"{PAD + i * step:.1f},{HEIGHT - PAD - v / top * (HEIGHT - 2 * PAD):.1f}" for i, v in enumerate(values)
        )

    labels = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="10" text-anchor="middle">{}</text>',
        ((f"{PAD + i * step:.1f}", HEIGHT - 8, d.strftime("%d.%m")) for i, d in enumerate(days) if i % 2 == 0),
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}">'
        "<title>{title}</title>"
        '<line x1="{p}" y1="{b}" x2="{r}" y2="{b}" stroke="#888"/>'
        '<text x="{p}" y="14" font-size="11">{top}</text>'
        '<polyline fill="none" stroke="#b22222" stroke-width="2" points="{mine}"/>'
        '<polyline fill="none" stroke="#1f5fa8" stroke-width="2" stroke-dasharray="5,3" points="{avg}"/>'
        "{labels}</svg>",
        w=WIDTH,
        h=HEIGHT,
        p=PAD,
        r=WIDTH - PAD,
        b=HEIGHT - PAD,
        top=top if isinstance(top, int) else f"{top:.0f}",
        title="votes per day",
        mine=points(mine),
        avg=points(average),
        labels=labels,
    )
