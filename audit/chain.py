"""The hash chain of the audit log: how an entry's hash is computed, and how the chain is checked.

Each entry's `hash` is the SHA-256 of a canonical serialisation of its content and
of `prev_hash`, the hash of the entry before it in id order (GENESIS for the first).
Changing, removing or inserting an entry anywhere but at the end breaks the chain from
that point on; removing the newest entries is seen by comparing with a head published
earlier (`chain_head()` on the admin and in released results).

The serialisation is frozen: entries hashed with it must verify for ever. A change
would need a new VERSION and verification of each entry under the version it was made with.
Pure functions, no database: the migration that hashed the existing entries uses them too.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

VERSION = 1
GENESIS = "0" * 64

CONTENT_CHANGED = "content changed"
LINK_BROKEN = "link broken"
OUT_OF_ORDER = "out of order"

# Closes the entries that existed when the chain was introduced (audit migration 0002):
# their times were not checked as they were written; it lists those out of order.
CHAIN_STARTED = "audit.chain_started"


def _plain(value):
    # PostgreSQL's jsonb gives 1.0 back as 1.0 but 1e20 as an integer: an integral float
    # is hashed as the integer it equals, so what was hashed is what is read back.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _instant(at: datetime) -> str:
    # Microseconds: what both PostgreSQL and SQLite store.
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(entry, prev_hash: str) -> bytes:
    """The bytes an entry's hash is computed over: its content, its time and the previous entry's hash."""
    payload = {
        "v": VERSION,
        "prev_hash": prev_hash,
        "at": _instant(entry.at),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": _plain(entry.before),
        "after": _plain(entry.after),
        "reason": entry.reason,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def entry_hash(entry, prev_hash: str) -> str:
    return hashlib.sha256(canonical(entry, prev_hash)).hexdigest()


@dataclass
class Verdict:
    """What a walk along the chain found: the entries seen, the head, and the first broken entry if any."""

    count: int = 0
    head: str = GENESIS
    broken_id: int | None = None
    problems: list[str] = field(default_factory=list)
    published_head_found: bool = False

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify(entries: Iterable, *, published_head: str | None = None, excused: frozenset[int] = frozenset()) -> Verdict:
    """Walk the entries in id order; stop at the first one whose hash, link or time is wrong.

    content changed: its hash is not the hash of what it holds now;
    link broken: its prev_hash is not the hash of the entry before it (one removed or put in between);
    out of order: its time is earlier than the entry before it (back-dated), unless `excused`.
    """
    verdict = Verdict()
    previous_at = None
    for entry in entries:
        problems = []
        if entry_hash(entry, entry.prev_hash) != entry.hash:
            problems.append(CONTENT_CHANGED)
        if entry.prev_hash != verdict.head:
            problems.append(LINK_BROKEN)
        if previous_at is not None and entry.at < previous_at and entry.pk not in excused:
            problems.append(OUT_OF_ORDER)
        if problems:
            verdict.broken_id, verdict.problems = entry.pk, problems
            return verdict
        verdict.count += 1
        verdict.head = entry.hash
        previous_at = entry.at
        if published_head and entry.hash == published_head:
            verdict.published_head_found = True
    return verdict
