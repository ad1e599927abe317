"""The append-only audit log: every state change, check, decision and vote override goes through `record`."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from .models import AuditEntry

SYSTEM = "system"


def _jsonable(value: dict | None) -> dict:
    # Decimals, dates and lazy strings become plain JSON values, as they were at the time.
    return json.loads(json.dumps(value or {}, cls=DjangoJSONEncoder))


def _actor_fields(actor) -> dict[str, Any]:
    if actor is None:
        return {"actor": None, "actor_name": SYSTEM}
    return {"actor": actor, "actor_name": actor.get_username()[:150]}


def _object_fields(obj) -> dict[str, str]:
    return {
        "object_type": obj._meta.label_lower,
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
    }


def record(*, actor, action: str, obj, before: dict | None = None, after: dict | None = None, reason: str = "") -> AuditEntry:
    """Append one entry; `actor` None means the system (a background task). Call it inside the change's transaction."""
    return AuditEntry.objects.create(
        action=action,
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason[:2000],
        **_actor_fields(actor),
        **_object_fields(obj),
    )


@dataclass(frozen=True)
class Change:
    obj: Any
    before: dict
    after: dict
    reason: str = ""


def record_many(*, actor, action: str, changes: Iterable[Change]) -> int:
    """The same action on many objects in one INSERT (bulk actions, qualification)."""
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
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)
