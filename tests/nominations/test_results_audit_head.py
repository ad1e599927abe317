"""The results page prints the audit log's chain head at release: anyone can hold the log to it later."""

from django.urls import reverse

from audit.models import AuditEntry


def test_the_results_page_prints_the_release_entrys_hash(client, released):
    edition = released["edition"]
    entry = AuditEntry.objects.get(action="edition.release_results")
    page = client.get(reverse("nominations:results", args=[edition.slug])).content.decode()
    assert entry.hash and f"#{entry.pk} {entry.hash}" in page
