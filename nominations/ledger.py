"""The published vote ledger: what it says, its digests, how it is stored, and the check that it still matches the votes.

A category's ledger has one line per confirmed vote, in a canonical CSV that
needs no quoting (every field is a slug, hex, a number, a date or a word):

    category,receipt_hash,nominee,day,standing,reason
    banking,0a3f…(32 hex),17,2026-03-02,counted,
    banking,0b91…,17,2026-03-02,rejected,disposable+network

sorted by receipt hash (so the order says nothing about when a vote came in),
"\\n" line ends, UTF-8. Its digest is the SHA-256 of those bytes; the edition's
digest is the SHA-256 of one "<category slug>,<category digest>\\n" line per
category, by slug. The README shows how to check both with a short script.

The receipt hash is HMAC-SHA256 under a per-edition secret key (truncated to
128 bits): a voter finds their line through the receipt page, and nobody can
test receipt codes offline against the published lines (a public salt would let
anyone search the 60-bit codes against every line at once).
"""

import hashlib
import hmac
import io
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry

from .models import (
    Category,
    Edition,
    FraudDecision,
    FraudFlag,
    LedgerLine,
    Nominee,
    ReleasedCategory,
    ReleasedFigure,
    ReleasedResults,
    Standing,
    Vote,
)

HEADER = "category,receipt_hash,nominee,day,standing,reason\n"
RECEIPT_HASH_LENGTH = 32  # hex digits: 128 bits
REASON_SEPARATOR = "+"
# Standings a ledger line can have, in the order the figures list them.
PUBLISHED = (Standing.COUNTED, Standing.HELD, Standing.REJECTED)


def new_ledger_key() -> str:
    return secrets.token_hex(32)


def receipt_hasher(key: str) -> Callable[[str], str]:
    """HMAC-SHA256 under the edition's key, truncated; keyed once, copied per receipt (a ledger hashes millions)."""
    keyed = hmac.new(bytes.fromhex(key), digestmod=hashlib.sha256)

    def hash_receipt(receipt_code: str) -> str:
        mac = keyed.copy()
        mac.update(receipt_code.encode("ascii"))
        return mac.hexdigest()[:RECEIPT_HASH_LENGTH]

    return hash_receipt


def receipt_hash(*, key: str, receipt_code: str) -> str:
    return receipt_hasher(key)(receipt_code)


def ledger_days(edition=None) -> Callable[[datetime], date]:
    """How the ledger turns a confirmation instant into its day: in the portal's time zone (TIME_ZONE) for now.

    The one place to change when editions carry their own zone (issue 10, item 3);
    an edition released before such a change would then read differently to verify_results.
    """
    zone = timezone.get_default_timezone()
    return lambda instant: instant.astimezone(zone).date()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Line:
    receipt_hash: str
    nominee_id: int
    day: date
    standing: str
    reason: str
    vote_id: int | None = None  # not published; names the vote when verify_results finds a difference

    def text(self, category_slug: str) -> str:
        return f"{category_slug},{self.receipt_hash},{self.nominee_id},{self.day.isoformat()},{self.standing},{self.reason}\n"

    def published(self) -> tuple:
        return (self.receipt_hash, self.nominee_id, self.day, self.standing, self.reason)


@dataclass(frozen=True)
class Figures:
    counted: int = 0
    held: int = 0
    rejected: int = 0

    def __str__(self) -> str:
        return f"counted {self.counted}, held {self.held}, rejected {self.rejected}"


@dataclass
class CategoryLedger:
    category_id: int
    slug: str
    lines: list[Line]  # canonical order
    figures: dict[int, Figures]  # every nominee of the category, zeros included
    digest: str = ""

    def text(self) -> Iterator[str]:
        yield HEADER
        for line in self.lines:
            yield line.text(self.slug)


@dataclass
class EditionLedger:
    categories: list[CategoryLedger] = field(default_factory=list)  # by slug

    @property
    def digest(self) -> str:
        return edition_digest({c.slug: c.digest for c in self.categories if c.lines})

    def figures(self) -> dict[int, Figures]:
        return {nominee_id: f for c in self.categories for nominee_id, f in c.figures.items()}


def category_digest(chunks: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk.encode("utf-8"))
    return digest.hexdigest()


def edition_digest(category_digests: dict[str, str]) -> str:
    """Over the categories that have lines: an empty ledger adds nothing to check."""
    return sha256("".join(f"{slug},{category_digests[slug]}\n" for slug in sorted(category_digests)))


def count(lines: Iterable[Line], nominee_ids: Iterable[int]) -> dict[int, Figures]:
    tallies: dict[int, dict[str, int]] = {pk: dict.fromkeys(PUBLISHED, 0) for pk in nominee_ids}
    for line in lines:
        tallies.setdefault(line.nominee_id, dict.fromkeys(PUBLISHED, 0))[line.standing] += 1
    return {
        pk: Figures(counted=t[Standing.COUNTED], held=t[Standing.HELD], rejected=t[Standing.REJECTED])
        for pk, t in tallies.items()
    }


def compute(
    *,
    key: str,
    categories: Iterable[tuple[int, str]],
    nominees: Iterable[tuple[int, int]],
    votes: Iterable[tuple[int, int, int, str, datetime, str]],
    flags: Iterable[tuple[int, str, str]],
    day: Callable[[datetime], date] | None = None,
) -> EditionLedger:
    """The ledger from plain rows, so the migration that freezes older releases can use it too.

    categories (id, slug); nominees (id, category id); confirmed votes (id,
    category id, nominee id, receipt code, confirmed at, standing); flags not
    settled as genuine (vote id, rule, decision).
    """
    day = day or ledger_days()
    hash_receipt = receipt_hasher(key)
    fraud_rules: dict[int, set[str]] = defaultdict(set)
    pending_rules: dict[int, set[str]] = defaultdict(set)
    for vote_id, rule, decision in flags:
        (fraud_rules if decision == FraudDecision.FRAUD else pending_rules)[vote_id].add(rule)
    by_category: dict[int, list[Line]] = defaultdict(list)
    for vote_id, category_id, nominee_id, receipt_code, confirmed_at, standing in votes:
        rules = fraud_rules if standing == Standing.REJECTED else pending_rules if standing == Standing.HELD else {}
        reason = REASON_SEPARATOR.join(sorted(rules.get(vote_id, ())))
        by_category[category_id].append(
            Line(hash_receipt(receipt_code), nominee_id, day(confirmed_at), standing, reason, vote_id)
        )
    nominees_of: dict[int, list[int]] = defaultdict(list)
    for nominee_id, category_id in nominees:
        nominees_of[category_id].append(nominee_id)
    ledger = EditionLedger()
    for category_id, slug in sorted(categories, key=lambda c: c[1]):
        lines = sorted(by_category.get(category_id, []), key=lambda line: line.receipt_hash)
        category = CategoryLedger(category_id, slug, lines, count(lines, nominees_of[category_id]))
        category.digest = category_digest(category.text())
        ledger.categories.append(category)
    return ledger


def from_votes(edition: Edition, *, key: str) -> EditionLedger:
    """The ledger the edition's votes give now (read inside the caller's transaction to see one state)."""
    return compute(
        key=key,
        categories=Category.objects.filter(edition=edition).values_list("pk", "slug"),
        nominees=Nominee.objects.filter(edition=edition).values_list("pk", "category_id"),
        votes=Vote.objects.filter(edition=edition, confirmed_at__isnull=False)
        .values_list("pk", "category_id", "nominee_id", "receipt_code", "confirmed_at", "standing")
        .order_by()
        .iterator(chunk_size=20000),
        flags=FraudFlag.objects.filter(nominee__edition=edition)
        .exclude(decision=FraudDecision.GENUINE)
        .values_list("vote_id", "rule", "decision")
        .order_by()
        .iterator(chunk_size=20000),
    )


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
                ReleasedFigure(results=results, category_id=category.category_id, nominee_id=nominee_id,
                               counted=f.counted, held=f.held, rejected=f.rejected)
                for nominee_id, f in sorted(category.figures.items())
            ]
        )
        rows = (
            (released.pk, position, line.receipt_hash, line.nominee_id, line.day.isoformat(), line.standing, line.reason)
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
    rows = (
        LedgerLine.objects.filter(ledger=released)
        .order_by("line")
        .values_list("receipt_hash", "nominee_id", "day", "standing", "reason")
        .iterator(chunk_size=10000)
    )
    for row in rows:
        yield Line(*row)


def stored_text(released: ReleasedCategory, *, header: bool = True) -> Iterator[str]:
    """A published category's CSV, exactly the bytes its digest is over (with the header)."""
    if header:
        yield HEADER
    slug = released.category.slug
    for line in stored_lines(released):
        yield line.text(slug)


def released_categories(results: ReleasedResults) -> list[ReleasedCategory]:
    """A version's categories, by slug: the order of the edition digest and of the edition-wide ledger."""
    return sorted(ReleasedCategory.objects.filter(results=results).select_related("category"), key=lambda c: c.category.slug)


def stored_figures(results: ReleasedResults) -> dict[int, dict[int, Figures]]:
    """A version's figures per category id, then per nominee id."""
    figures: dict[int, dict[int, Figures]] = defaultdict(dict)
    rows = ReleasedFigure.objects.filter(results=results).values_list("category_id", "nominee_id", "counted", "held", "rejected")
    for category_id, nominee_id, counted, held, rejected in rows:
        figures[category_id][nominee_id] = Figures(counted, held, rejected)
    return figures


def flat(figures: dict[int, dict[int, Figures]]) -> dict[int, Figures]:
    return {nominee_id: f for per_nominee in figures.values() for nominee_id, f in per_nominee.items()}


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
        object_type=Edition._meta.label_lower, object_id=str(edition.pk),
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
        return ["the edition's results are released but no released-results record exists"] if edition.results_released else []
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
            problems.append(f"version {latest.version}: category {slug} is in the edition but not in the published results")
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
        problems.append(f"{where}: the category digests give edition digest {edition_digest(with_lines)}, published {results.digest}")
    audited = _audited_digests(edition, results.version)
    if audited is None:
        problems.append(f"{where}: no audit entry records its digests")
    elif audited.get("digest") != results.digest or audited.get("categories") != digests:
        problems.append(f"{where}: the digests differ from those recorded in the audit log at release")
    return problems
