"""The chain head: the newest entry's hash, for programme managers to note down and for released results to print."""

import pytest
from django.urls import reverse

from audit import chain
from audit import services as audit

pytestmark = pytest.mark.django_db


def test_chain_head_is_the_newest_entry(edition):
    assert audit.chain_head() == audit.ChainHead(entry_id=None, hash=chain.GENESIS, at=None)
    audit.record(actor=None, action="test.first", obj=edition)
    newest = audit.record(actor=None, action="test.second", obj=edition)
    assert audit.chain_head() == audit.ChainHead(entry_id=newest.pk, hash=newest.hash, at=newest.at)


def test_programme_manager_sees_the_chain_head_above_the_log(client, manager, edition, django_assert_max_num_queries):
    for i in range(30):
        audit.record(actor=manager, action="test.one", obj=edition, after={"i": i})
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("admin:audit_auditentry_changelist")).content.decode()
    assert audit.chain_head().hash in page and 'id="audit-chain-head"' in page


def test_programme_manager_sees_that_an_empty_log_has_no_head(client, manager):
    client.force_login(manager)
    page = client.get(reverse("admin:audit_auditentry_changelist")).content.decode()
    assert "The audit log is empty." in page


def test_auditor_sees_the_log_without_the_chain_head(client, auditor, edition):
    entry = audit.record(actor=auditor, action="test.one", obj=edition)
    client.force_login(auditor)
    page = client.get(reverse("admin:audit_auditentry_changelist")).content.decode()
    assert "test.one" in page and entry.hash not in page and 'id="audit-chain-head"' not in page


def test_the_chain_head_is_shown_in_polish_and_romanian(client, manager, edition):
    entry = audit.record(actor=manager, action="test.one", obj=edition)
    client.force_login(manager)
    for language, words in [("pl", "Ostatnie ogniwo łańcucha"), ("ro", "Ultima verigă a lanțului")]:
        page = client.get(reverse("admin:audit_auditentry_changelist"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert words in page and entry.hash in page
