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
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from ..models import (
    Category,
    Edition,
    FraudDecision,
    FraudFlag,
    Nominee,
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


def ledger_days(edition: Edition | None = None) -> Callable[[datetime], date]:
    """How the ledger turns a confirmation instant into its day: in the edition's time zone (a Romanian vote at
    00:30 in Bucharest is of that day), else the portal's (TIME_ZONE; the migration that froze older releases)."""
    zone = edition.zone if edition is not None else timezone.get_default_timezone()
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
        day=ledger_days(edition),
    )
