"""`manage.py verify_audit_log` passes on an intact log and names the first entry changed, removed or back-dated."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from audit import chain
from audit import services as audit
from audit.models import AuditEntry

from .conftest import by_hand, triggers_lifted

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(edition, auditor):
    """Six entries: four recorded one by one, two at once."""
    for i in range(4):
        audit.record(actor=auditor, action="test.one", obj=edition, after={"i": i}, reason=f"reason {i}")
    audit.record_many(
        actor=None, action="test.many", changes=[audit.Change(obj=edition, before={}, after={"n": n}) for n in range(2)]
    )
    return list(AuditEntry.objects.order_by("pk"))


def verify(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit_log", *args, stdout=out)
    return out.getvalue()


def test_an_intact_log_is_ok_with_its_count_and_head(log):
    assert verify() == f"OK: 6 entries, head {log[-1].hash}\n"


def test_an_empty_log_is_ok(db):
    assert verify() == f"OK: 0 entries, head {chain.GENESIS}\n"


def test_an_entry_changed_by_hand_is_named(log):
    by_hand("UPDATE audit_auditentry SET reason = %s WHERE id = %s", ["nothing happened", log[2].pk])
    with pytest.raises(
        CommandError, match=rf"broken at entry {log[2].pk} \(.*test\.one.*\): content changed\. The 2 entries"
    ):
        verify()


def test_an_entry_changed_and_rehashed_by_hand_breaks_the_link_of_the_next(log):
    changed = log[2]
    changed.reason = "nothing happened"
    rehashed = chain.entry_hash(changed, changed.prev_hash)
    by_hand("UPDATE audit_auditentry SET reason = %s, hash = %s WHERE id = %s", [changed.reason, rehashed, changed.pk])
    with pytest.raises(CommandError, match=rf"broken at entry {log[3].pk} .*: link broken\."):
        verify()


def test_a_deleted_entry_breaks_the_link_of_the_next(log):
    by_hand("DELETE FROM audit_auditentry WHERE id = %s", [log[1].pk])
    with pytest.raises(CommandError, match=rf"broken at entry {log[2].pk} .*: link broken\. The 1 entries"):
        verify()


def test_a_deleted_first_entry_breaks_the_link_of_the_second(log):
    by_hand("DELETE FROM audit_auditentry WHERE id = %s", [log[0].pk])
    with pytest.raises(CommandError, match=rf"broken at entry {log[1].pk} .*: link broken"):
        verify()


def test_a_back_dated_entry_is_out_of_order_even_when_hashed_right(log, edition):
    forged = AuditEntry(
        at=log[-1].at - timedelta(days=3),
        actor=None,
        actor_name="system",
        action="test.forged",
        object_type="nominations.edition",
        object_id=str(edition.pk),
        object_repr=str(edition),
        prev_hash=log[-1].hash,
    )
    forged.hash = chain.entry_hash(forged, forged.prev_hash)
    with triggers_lifted():
        forged.save(force_insert=True)
    with pytest.raises(
        CommandError, match=rf"broken at entry {forged.pk} .*test\.forged.*: out of order\. The 6 entries"
    ):
        verify()


def test_entries_removed_from_the_end_are_seen_against_a_published_head(log):
    published = audit.chain_head().hash
    assert verify("--published-head", published).startswith("OK: 6 entries")
    by_hand("DELETE FROM audit_auditentry WHERE id = %s", [log[-1].pk])
    assert verify() == f"OK: 5 entries, head {log[-2].hash}\n"  # the chain alone cannot tell
    with pytest.raises(CommandError, match=f"the published head {published} is not in the chain"):
        verify("--published-head", published)
