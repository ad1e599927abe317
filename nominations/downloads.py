"""The published results as files anyone can download: the figures (JSON) and the vote ledgers (CSV and JSON).

The CSV is exactly the bytes the digests are over (nominations/ledger.py); the
JSON says the same in another shape. Both stream, so a national edition's
ledger never sits in memory whole.
"""

import json
from collections.abc import Iterator

from django.urls import reverse

from . import ledger
from .models import Edition, ReleasedCategory, ReleasedResults
from .selectors import PublishedResults


def _query(results: ReleasedResults, latest: bool) -> str:
    return "" if latest else f"?version={results.version}"


def ledger_urls(edition: Edition, results: ReleasedResults, *, latest: bool, category_slug: str | None = None) -> dict:
    if category_slug is None:
        csv = reverse("nominations:ledger_csv", kwargs={"slug": edition.slug})
        json_url = reverse("nominations:ledger_json", kwargs={"slug": edition.slug})
    else:
        kwargs = {"slug": edition.slug, "category_slug": category_slug}
        csv = reverse("nominations:category_ledger_csv", kwargs=kwargs)
        json_url = reverse("nominations:category_ledger_json", kwargs=kwargs)
    query = _query(results, latest)
    return {"csv": csv + query, "json": json_url + query}


def filename(edition: Edition, results: ReleasedResults, category_slug: str | None, extension: str) -> str:
    part = f"-{category_slug}" if category_slug else ""
    return f"{edition.slug}-results-v{results.version}-ledger{part}.{extension}"


def results_document(edition: Edition, published: PublishedResults, absolute) -> dict:
    """The figures of one version, with its digests and where its ledgers are; `absolute` makes a URL absolute."""
    shown, latest = published.results, published.is_latest
    urls = ledger_urls(edition, shown, latest=latest)
    return {
        "edition": edition.slug,
        "name": str(edition),
        "version": shown.version,
        "latest_version": published.latest.version,
        "released_at": published.versions[0].released_at.isoformat(),
        "published_at": shown.released_at.isoformat(),
        "amendments": [
            {"version": v.version, "amended_at": v.released_at.isoformat(), "reason": v.reason}
            for v in published.amendments
        ],
        "digest": shown.digest,
        "audit_entry": published.audit_reference,
        "ledger": {"csv": absolute(urls["csv"]), "json": absolute(urls["json"])},
        "categories": [
            {
                "slug": result.category.slug,
                "name": result.category.name,
                "digest": result.digest,
                "lines": result.lines,
                "ledger": {
                    kind: absolute(url)
                    for kind, url in ledger_urls(
                        edition, shown, latest=latest, category_slug=result.category.slug
                    ).items()
                },
                "nominees": [
                    {
                        "id": row.nominee.pk,
                        "firm": row.nominee.firm.name,
                        "counted": row.votes,
                        "held": row.held,
                        "rejected": row.rejected,
                    }
                    for row in result.rows
                ],
            }
            for result in published.categories
        ],
    }


def _batched(parts: Iterator[str], size: int = 5000) -> Iterator[bytes]:
    buffer: list[str] = []
    for part in parts:
        buffer.append(part)
        if len(buffer) >= size:
            yield "".join(buffer).encode()
            buffer = []
    if buffer:
        yield "".join(buffer).encode()


def ledger_csv(categories: list[ReleasedCategory]) -> Iterator[bytes]:
    """One category's ledger as published; for several, the edition-wide file: one header, then each category's lines by slug."""

    def parts() -> Iterator[str]:
        yield ledger.HEADER
        for released in categories:
            yield from ledger.stored_text(released, header=False)

    return _batched(parts())


def _open(head: dict, key: str) -> str:
    """The start of a JSON object with these keys, then `key` opening a list."""
    return json.dumps(head)[:-1] + f', "{key}": ['


def _category_head(released: ReleasedCategory) -> dict:
    return {"category": released.category.slug, "digest": released.digest, "lines": released.lines}


def _lines_json(released: ReleasedCategory) -> Iterator[str]:
    for position, line in enumerate(ledger.stored_lines(released)):
        fields = {
            "receipt_hash": line.receipt_hash,
            "nominee": line.nominee_id,
            "day": line.day.isoformat(),
            "standing": line.standing,
            "reason": line.reason,
        }
        yield ("," if position else "") + json.dumps(fields, separators=(",", ":"))


def ledger_json(
    edition: Edition, results: ReleasedResults, categories: list[ReleasedCategory], *, one: bool
) -> Iterator[bytes]:
    """The same lines as JSON: one category's object, or the edition's with every category."""

    def parts() -> Iterator[str]:
        if one:
            released = categories[0]
            head = {"edition": edition.slug, "version": results.version, "edition_digest": results.digest}
            yield _open({**head, **_category_head(released)}, "ledger")
            yield from _lines_json(released)
            yield "]}"
            return
        yield _open({"edition": edition.slug, "version": results.version, "digest": results.digest}, "categories")
        for position, released in enumerate(categories):
            yield ("," if position else "") + _open(_category_head(released), "ledger")
            yield from _lines_json(released)
            yield "]}"
        yield "]}"

    return _batched(parts())
