"""Storing a published version's ledger lines and reading them back."""

import io
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import connection

from portal.paging import by_key

from ..models import (
    LedgerLine,
    ReleasedCategory,
    ReleasedFigure,
    ReleasedResults,
)
from .core import HEADER, EditionLedger, Figures, Line

# Storing and reading a published version -------------------------------------


LINE_COLUMNS = ("ledger_id", "line", "receipt_hash", "nominee_id", "day", "standing", "reason")


def store(ledger: EditionLedger, *, results: ReleasedResults) -> None:
    """Write a version's categories, figures and lines (inside the release's transaction).

    The lines go in with COPY on PostgreSQL: a national edition has millions, and
    model instances would make the release minutes long. No field of a line holds a
    tab, a backslash or a line end, so they are written as they are.
    """
    for category in ledger.categories:
        released = ReleasedCategory.objects.create(
            results=results, category_id=category.category_id, digest=category.digest, lines=len(category.lines)
        )
        ReleasedFigure.objects.bulk_create(
            [
                ReleasedFigure(
                    results=results,
                    category_id=category.category_id,
                    nominee_id=nominee_id,
                    counted=f.counted,
                    held=f.held,
                    rejected=f.rejected,
                )
                for nominee_id, f in sorted(category.figures.items())
            ]
        )
        rows = (
            (
                released.pk,
                position,
                line.receipt_hash,
                line.nominee_id,
                line.day.isoformat(),
                line.standing,
                line.reason,
            )
            for position, line in enumerate(category.lines, start=1)
        )
        _insert_lines(rows)


def _insert_lines(rows: Iterable[tuple]) -> None:
    table, columns = LedgerLine._meta.db_table, ", ".join(LINE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO("".join("\t".join(map(str, row)) + "\n" for row in rows))
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)
        else:
            placeholders = ", ".join(["%s"] * len(LINE_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", list(rows))


def stored_lines(released: ReleasedCategory) -> Iterator[Line]:
    # Paged by line number (the unique (ledger, line) index): the download streams after the view returned.
    rows = LedgerLine.objects.filter(ledger=released).values_list(
        "line", "receipt_hash", "nominee_id", "day", "standing", "reason"
    )
    for row in by_key(rows, key="line", page=10000):
        yield Line(*row[1:])


def stored_text(released: ReleasedCategory, *, header: bool = True) -> Iterator[str]:
    """A published category's CSV, exactly the bytes its digest is over (with the header)."""
    if header:
        yield HEADER
    slug = released.category.slug
    for line in stored_lines(released):
        yield line.text(slug)


def released_categories(results: ReleasedResults) -> list[ReleasedCategory]:
    """A version's categories, by slug: the order of the edition digest and of the edition-wide ledger."""
    return sorted(
        ReleasedCategory.objects.filter(results=results).select_related("category"), key=lambda c: c.category.slug
    )


def stored_figures(results: ReleasedResults) -> dict[int, dict[int, Figures]]:
    """A version's figures per category id, then per nominee id."""
    figures: dict[int, dict[int, Figures]] = defaultdict(dict)
    rows = ReleasedFigure.objects.filter(results=results).values_list(
        "category_id", "nominee_id", "counted", "held", "rejected"
    )
    for category_id, nominee_id, counted, held, rejected in rows:
        figures[category_id][nominee_id] = Figures(counted, held, rejected)
    return figures


def flat(figures: dict[int, dict[int, Figures]]) -> dict[int, Figures]:
    return {nominee_id: f for per_nominee in figures.values() for nominee_id, f in per_nominee.items()}
