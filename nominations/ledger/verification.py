"""Checking a published version against the votes, line by line and digest by digest."""

from dataclasses import dataclass

from audit.models import AuditEntry

from ..models import (
    Edition,
    Nominee,
    ReleasedResults,
)
from .core import HEADER, Figures, Line, category_digest, count, edition_digest, from_votes
from .stored import flat, released_categories, stored_figures, stored_lines

# Checking a published version against the votes --------------------------------


@dataclass(frozen=True)
class Difference:
    """A nominee whose figures differ between two versions (what the amendment page shows)."""

    nominee: Nominee
    before: Figures
    after: Figures


def differences(before: dict[int, Figures], after: dict[int, Figures]) -> list[Difference]:
    changed = sorted(pk for pk in set(before) | set(after) if before.get(pk, Figures()) != after.get(pk, Figures()))
    nominees = Nominee.objects.select_related("firm", "category").in_bulk(changed)
    return [
        Difference(nominees[pk], before.get(pk, Figures()), after.get(pk, Figures()))
        for pk in changed
        if pk in nominees
    ]


def _describe(line: Line) -> str:
    reason = f" ({line.reason})" if line.reason else ""
    return f"nominee {line.nominee_id}, {line.day.isoformat()}, {line.standing}{reason}"


def _first_line_difference(slug: str, published: list[Line], now: list[Line]) -> str | None:
    """The first line, in published order, that the votes no longer give; or the first vote the ledger lacks."""
    now_by_hash = {line.receipt_hash: line for line in now}
    for position, line in enumerate(published, start=1):
        current = now_by_hash.pop(line.receipt_hash, None)
        if current is None:
            return f"ledger {slug}, line {position} (receipt hash {line.receipt_hash}): no confirmed vote gives this line any more"
        if current.published() != line.published():
            return (
                f"ledger {slug}, line {position} (receipt hash {line.receipt_hash}): published {_describe(line)}; "
                f"vote {current.vote_id} now says {_describe(current)}"
            )
    for line in sorted(now_by_hash.values(), key=lambda item: item.receipt_hash):
        return f"ledger {slug}: vote {line.vote_id} (receipt hash {line.receipt_hash}, {_describe(line)}) is not in the published ledger"
    return None


def _audited_digests(edition: Edition, version: int) -> dict | None:
    entries = AuditEntry.objects.filter(
        object_type=Edition._meta.label_lower,
        object_id=str(edition.pk),
        action__in=("edition.release_results", "edition.amend_results"),
    ).values_list("after", flat=True)
    for after in entries:
        if isinstance(after, dict) and after.get("version") == version:
            return after
    return None


def verify(edition: Edition) -> list[str]:
    """What no longer matches in an edition's published results; empty when everything does.

    Every version: its ledgers hash to their digests, its figures are its ledgers'
    counts, and the audit log holds the digests it was published with. The latest
    version: the votes, recomputed now, give the same lines and figures.
    """
    versions = list(ReleasedResults.objects.filter(edition=edition).order_by("version"))
    if not versions:
        return (
            ["the edition's results are released but no released-results record exists"]
            if edition.results_released
            else []
        )
    problems: list[str] = []
    for results in versions:
        problems += _verify_version(edition, results)
    latest = versions[-1]
    now = from_votes(edition, key=latest.ledger_key)
    published = {c.category.slug: c for c in released_categories(latest)}
    current = {c.slug: c for c in now.categories}
    for slug in sorted(set(published) | set(current)):
        if slug not in current:
            problems.append(f"version {latest.version}: category {slug} is published but no longer in the edition")
            continue
        if slug not in published:
            problems.append(
                f"version {latest.version}: category {slug} is in the edition but not in the published results"
            )
            continue
        stored = list(stored_lines(published[slug]))
        difference = _first_line_difference(slug, stored, current[slug].lines)
        if difference:
            problems.append(f"version {latest.version}: {difference}")
    figures = flat(stored_figures(latest))
    for nominee_id, after in sorted(now.figures().items()):
        before = figures.get(nominee_id)
        if before is None and after == Figures():
            continue  # a nominee added since, without votes: the published figures still hold
        if before != after:
            problems.append(
                f"version {latest.version}: nominee {nominee_id}: published {before or 'nothing'}; the votes now give {after}"
            )
            break
    return problems


def _verify_version(edition: Edition, results: ReleasedResults) -> list[str]:
    problems = []
    where = f"version {results.version}"
    categories = released_categories(results)
    digests = {c.category.slug: c.digest for c in categories}
    with_lines = {c.category.slug: c.digest for c in categories if c.lines}
    figures = stored_figures(results)
    for released in categories:
        slug = released.category.slug
        lines = list(stored_lines(released))
        text_digest = category_digest([HEADER, *(line.text(slug) for line in lines)])
        if text_digest != released.digest:
            problems.append(f"{where}: ledger {slug} hashes to {text_digest}, published {released.digest}")
        if len(lines) != released.lines:
            problems.append(f"{where}: ledger {slug} has {len(lines)} lines, published {released.lines}")
        published = figures.get(released.category_id, {})
        for nominee_id, recounted in sorted(count(lines, published).items()):
            if published.get(nominee_id) != recounted:
                problems.append(
                    f"{where}: nominee {nominee_id}: published {published.get(nominee_id) or 'nothing'}, "
                    f"its ledger {slug} counts {recounted}"
                )
                break
    if edition_digest(with_lines) != results.digest:
        problems.append(
            f"{where}: the category digests give edition digest {edition_digest(with_lines)}, published {results.digest}"
        )
    audited = _audited_digests(edition, results.version)
    if audited is None:
        problems.append(f"{where}: no audit entry records its digests")
    elif audited.get("digest") != results.digest or audited.get("categories") != digests:
        problems.append(f"{where}: the digests differ from those recorded in the audit log at release")
    return problems
