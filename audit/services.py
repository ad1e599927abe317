"""The append-only audit log: every state change, check, decision and vote override goes through `record`.

Appends are serialised and chained (audit/chain.py): each entry's hash covers its
content and the previous entry's hash, in id order.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from portal.auth import Actor
from portal.locks import advisory_lock
from portal.paging import by_key

from . import chain
from .models import AuditEntry

SYSTEM = "system"
# Held from reading the head to the end of the caller's transaction: appends happen one at a
# time, so ids follow the chain. Record last in a transaction, after taking any other lock.
CHAIN_LOCK = "audit.chain"


def _jsonable(value: dict | None) -> dict:
    # Decimals, dates and lazy strings become plain JSON values, as they were at the time.
    return json.loads(json.dumps(value or {}, cls=DjangoJSONEncoder))


def _actor_fields(actor: Actor | None) -> dict[str, Any]:
    if actor is None:
        return {"actor": None, "actor_name": SYSTEM}
    return {"actor": actor, "actor_name": actor.get_username()[:150]}


def _object_fields(obj: Model) -> dict[str, str]:
    return {
        "object_type": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
    }


def _append(entries: list[AuditEntry]) -> None:
    """Chain the entries, in order, to the head of the log and insert them.

    The lock (PostgreSQL; SQLite serialises writers anyway) is taken before the head is
    read; the unique prev_hash refuses a fork if anything appends without it. The time is
    taken under the lock and never before the head's: the database refuses back-dated rows.
    """
    with transaction.atomic():
        advisory_lock(CHAIN_LOCK, wait=True)
        head = AuditEntry.objects.order_by("-pk").values("hash", "at").first()
        prev_hash = head["hash"] if head else chain.GENESIS
        at = timezone.now()
        if head and at < head["at"]:
            at = head["at"]  # this machine's clock is behind the one that wrote the head
        for entry in entries:
            entry.at, entry.prev_hash = at, prev_hash
            entry.hash = prev_hash = chain.entry_hash(entry, prev_hash)
        if len(entries) == 1:
            entries[0].save(force_insert=True)
        else:
            AuditEntry.objects.bulk_create(entries, batch_size=1000)
            ids = [entry.pk for entry in entries]
            if None not in ids and ids != sorted(ids):
                raise RuntimeError("the audit entries were not numbered in the order they were chained")


def record(
    *,
    actor: Actor | None,
    action: str,
    obj: Model,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEntry:
    """Append one entry; `actor` None means the system (a background task).

    Call it inside the change's transaction, after its other locks: appends wait for each
    other until that transaction ends.
    """
    entry = AuditEntry(
        action=action,
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason[:2000],
        **_actor_fields(actor),
        **_object_fields(obj),
    )
    _append([entry])
    return entry


@dataclass(frozen=True)
class Change:
    obj: Any
    before: dict
    after: dict
    reason: str = ""


def record_many(*, actor: Actor | None, action: str, changes: Iterable[Change]) -> int:
    """The same action on many objects in few INSERTs (bulk actions, qualification), chained in the order given."""
    who = _actor_fields(actor)
    entries = [
        AuditEntry(
            action=action,
            before=_jsonable(change.before),
            after=_jsonable(change.after),
            reason=change.reason[:2000],
            **who,
            **_object_fields(change.obj),
        )
        for change in changes
    ]
    if entries:
        _append(entries)
    return len(entries)


@dataclass(frozen=True)
class ChainHead:
    """The newest entry's hash: whoever notes it down can later tell whether anything up to it was changed."""

    entry_id: int | None
    hash: str
    at: datetime | None


def chain_head() -> ChainHead:
    """The head of the chain now (GENESIS for an empty log). Inside a transaction that recorded, its own last entry."""
    head = AuditEntry.objects.order_by("-pk").values("pk", "hash", "at").first()
    if head is None:
        return ChainHead(entry_id=None, hash=chain.GENESIS, at=None)
    return ChainHead(entry_id=head["pk"], hash=head["hash"], at=head["at"])


def _excused_from_order() -> frozenset[int]:
    """The entries older than the chain that were already out of order, as the first chain_started entry lists them."""
    started = AuditEntry.objects.filter(action=chain.CHAIN_STARTED).order_by("pk").values("pk", "after").first()
    if started is None:
        return frozenset()
    return frozenset(pk for pk in started["after"].get("out_of_order", []) if pk < started["pk"])


def verify_log(*, published_head: str | None = None) -> chain.Verdict:
    """Recompute the whole chain from the stored entries, in id order (one query, streamed)."""
    return chain.verify(
        by_key(AuditEntry.objects.all(), page=2000),  # paged, not a server-side cursor (PgBouncer-safe)
        published_head=published_head,
        excused=_excused_from_order(),
    )
