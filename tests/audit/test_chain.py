"""Each entry's hash covers its content and the previous entry's hash, in id order."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from audit import chain
from audit import services as audit
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_fresh_log_verifies(edition):
    assert audit.verify_log().ok and audit.verify_log().count == 0
    first = audit.record(actor=None, action="test.first", obj=edition)
    assert first.prev_hash == chain.GENESIS
    verdict = audit.verify_log()
    assert (verdict.ok, verdict.count, verdict.head) == (True, 1, first.hash)


def test_many_records_and_record_manys_make_one_chain_in_id_order(edition, auditor):
    for i in range(30):
        audit.record(actor=auditor if i % 2 else None, action="test.one", obj=edition, after={"i": i}, reason=f"r{i}")
        if i % 10 == 0:
            changes = [audit.Change(obj=edition, before={"n": n}, after={"n": n + 1}) for n in range(25)]
            audit.record_many(actor=auditor, action="test.many", changes=changes)
    entries = list(AuditEntry.objects.order_by("pk"))
    assert len(entries) == 30 + 3 * 25
    assert [e.prev_hash for e in entries] == [chain.GENESIS] + [e.hash for e in entries[:-1]]
    verdict = audit.verify_log()
    assert (verdict.ok, verdict.count, verdict.head) == (True, len(entries), entries[-1].hash)


def test_record_many_chains_the_entries_in_the_order_given(edition, category):
    audit.record_many(
        actor=None,
        action="test.many",
        changes=[
            audit.Change(obj=obj, before={}, after={"k": k}) for k, obj in enumerate([category, edition, category])
        ],
    )
    entries = list(AuditEntry.objects.order_by("pk"))
    assert [e.after["k"] for e in entries] == [0, 1, 2]
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]


def test_an_empty_record_many_appends_nothing(db):
    assert audit.record_many(actor=None, action="test.none", changes=[]) == 0
    assert not AuditEntry.objects.exists()


def _entry(**changes) -> AuditEntry:
    fields = {
        "at": datetime(2027, 3, 31, 21, 59, 0, 123456, tzinfo=UTC),
        "actor_id": 7,
        "actor_name": "anna",
        "action": "check.record",
        "object_type": "certification.check",
        "object_id": "12",
        "object_repr": "Registration",
        "before": {"a": 1},
        "after": {"a": 2},
        "reason": "why",
    }
    return AuditEntry(**{**fields, **changes})


@pytest.mark.parametrize(
    "change",
    [
        {"at": datetime(2027, 3, 31, 21, 59, 0, 123457, tzinfo=UTC)},
        {"actor_id": 8},
        {"actor_id": None},
        {"actor_name": "bogdan"},
        {"action": "check.change"},
        {"object_type": "certification.evidence"},
        {"object_id": "13"},
        {"object_repr": "Charter"},
        {"before": {"a": 0}},
        {"after": {"a": 3}},
        {"after": {"a": 2, "b": None}},
        {"reason": "why not"},
    ],
)
def test_the_hash_covers_every_part_of_the_content(change):
    assert chain.entry_hash(_entry(**change), chain.GENESIS) != chain.entry_hash(_entry(), chain.GENESIS)


def test_the_hash_covers_the_previous_hash():
    assert chain.entry_hash(_entry(), "a" * 64) != chain.entry_hash(_entry(), "b" * 64)


def test_the_hash_does_not_depend_on_the_time_zone_or_key_order():
    from zoneinfo import ZoneInfo

    utc = _entry(before={"a": 1, "b": {"c": 1, "d": 2}})
    warsaw = _entry(at=utc.at.astimezone(ZoneInfo("Europe/Warsaw")), before={"b": {"d": 2, "c": 1}, "a": 1})
    assert chain.entry_hash(warsaw, chain.GENESIS) == chain.entry_hash(utc, chain.GENESIS)


def test_what_was_hashed_is_what_the_database_gives_back(edition):
    """jsonb keeps 1.0 but turns 1e20 into an integer; decimals, dates and letters stay as recorded."""
    values = {
        "float": 0.1,
        "whole": 1.0,
        "big": 1e20,
        "small": 1e-7,
        "negative": -2.5,
        "decimal": Decimal("0.20005"),
        "when": datetime(2027, 3, 31, 22, 0, tzinfo=UTC),
        "name": "Łódź Ștefănești",
        "nested": [{"b": 1, "a": [True, None]}],
    }
    audit.record(actor=None, action="test.values", obj=edition, before=values, after={"ok": True}, reason="ąę\r\nșț")
    assert audit.verify_log().ok
