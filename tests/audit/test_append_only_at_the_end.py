"""The log only grows at its end: the database refuses back-dated rows and a second successor of an entry."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import timezone

from audit import chain
from audit import services as audit
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db

DB_REFUSED = (IntegrityError, InternalError)


@pytest.fixture
def head(edition):
    audit.record(actor=None, action="test.first", obj=edition)
    return audit.record(actor=None, action="test.second", obj=edition)


def entry_after(head, **fields) -> AuditEntry:
    fields = {
        "at": head.at,
        "actor": None,
        "actor_name": "system",
        "action": "test.forged",
        "object_type": head.object_type,
        "object_id": head.object_id,
        "object_repr": head.object_repr,
        "prev_hash": head.hash,
        **fields,
    }
    entry = AuditEntry(**fields)
    entry.hash = chain.entry_hash(entry, entry.prev_hash)
    return entry


def test_database_refuses_an_entry_older_than_the_newest(head):
    with pytest.raises(DB_REFUSED), transaction.atomic():
        entry_after(head, at=head.at - timedelta(seconds=1)).save(force_insert=True)
    assert AuditEntry.objects.count() == 2


def test_database_accepts_an_entry_as_old_as_the_newest(head):
    entry_after(head).save(force_insert=True)
    assert audit.verify_log().ok


def test_database_refuses_a_second_successor_of_an_entry(head):
    """Two writers that read the same head cannot both append: the chain cannot fork."""
    fork = entry_after(head, at=timezone.now())
    fork.prev_hash = head.prev_hash
    fork.hash = chain.entry_hash(fork, fork.prev_hash)
    with pytest.raises(IntegrityError), transaction.atomic():
        fork.save(force_insert=True)


@pytest.mark.postgres
def test_database_refuses_an_id_before_the_newest(head):
    if connection.vendor != "postgresql":
        pytest.skip("the id check is PostgreSQL's trigger")
    free_id_before_the_head = AuditEntry.objects.order_by("pk").first().pk - 1
    with pytest.raises(DB_REFUSED), transaction.atomic():
        entry_after(head, id=free_id_before_the_head, at=timezone.now()).save(force_insert=True)


def test_record_never_dates_an_entry_before_the_newest(head, edition):
    """A machine whose clock is behind the one that wrote the head still appends, at the head's time."""
    with mock.patch("audit.services.timezone.now", return_value=head.at - timedelta(minutes=5)):
        late = audit.record(actor=None, action="test.late", obj=edition)
    assert late.at == head.at
    assert audit.verify_log().ok
