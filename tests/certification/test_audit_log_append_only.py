import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, InternalError, transaction
from django.urls import reverse

from audit import services as audit
from audit.models import AuditEntry

pytestmark = pytest.mark.django_db

DB_REFUSED = (IntegrityError, InternalError)


@pytest.fixture
def entry(edition, auditor):
    return audit.record(actor=auditor, action="test.thing", obj=edition, before={"a": 1}, after={"a": 2}, reason="why")


def test_record_keeps_who_what_before_and_after(entry, auditor, edition):
    assert (entry.actor, entry.actor_name, entry.object_type, entry.object_id) == (
        auditor,
        "anna",
        "nominations.edition",
        str(edition.pk),
    )
    assert (entry.before, entry.after, entry.reason) == ({"a": 1}, {"a": 2}, "why")


def test_system_changes_are_recorded_without_a_user(edition):
    entry = audit.record(actor=None, action="test.system", obj=edition)
    assert entry.actor is None and entry.actor_name == "system"


def test_database_refuses_to_update_an_entry(entry):
    with pytest.raises(DB_REFUSED), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    entry.refresh_from_db()
    assert entry.reason == "why"


def test_database_refuses_to_delete_an_entry(entry):
    with pytest.raises(DB_REFUSED), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
def test_database_refuses_to_truncate_the_log(entry):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    with pytest.raises(DB_REFUSED), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses to run with deferred checks pending
        cursor.execute("TRUNCATE audit_auditentry")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_user_with_history_cannot_be_deleted(entry, auditor):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        auditor.delete()


def test_even_a_superuser_cannot_add_change_or_delete_entries_in_the_admin(client, entry):
    boss = get_user_model().objects.create_superuser("boss", "b@example.com", "long-password-123")
    client.force_login(boss)
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    page = client.get(reverse("admin:audit_auditentry_change", args=[entry.pk])).content.decode()
    assert "why" in page and 'name="_save"' not in page
    assert client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    entry.refresh_from_db()
    assert entry.reason == "why"


def test_auditor_sees_the_log_but_cannot_delete_it(client, entry, auditor):
    client.force_login(auditor)
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    response = client.post(
        reverse("admin:audit_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
