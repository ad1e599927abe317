import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEntry
from certification.models import Certificate
from nominations.models import Nominee
from nominations.models import NomineeState as S
from tests.certification.conftest import make_candidate
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def winners_url(edition):
    return reverse("admin:certification_certificate_winners", args=[edition.pk])


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def test_the_edition_admin_leads_to_the_proposed_winners(manager_client, closed_edition):
    response = manager_client.post(
        reverse("admin:nominations_edition_changelist"),
        {"action": "review_winners", "_selected_action": [closed_edition.pk]},
    )
    assert response["Location"] == winners_url(closed_edition)


def test_the_proposed_winners_page_ranks_approved_nominees_with_votes_and_score(
    manager_client, winner, runner_up, banking
):
    make_candidate(banking, votes=999, state=S.REJECTED, name="Odrzucona S.A.")
    body = manager_client.get(winners_url(winner.edition)).content.decode()
    assert "Łódź Spółdzielnia Mleczarska" in body and "Banca Comercială Ștefănești" in body
    assert "Odrzucona" not in body
    assert body.index("Łódź") < body.index("Banca")
    assert f'name="nominee" value="{winner.pk}" checked' in body
    assert f'value="{runner_up.pk}"' not in body
    assert "Issue certificates" in body


def test_issuing_from_the_admin(manager_client, winner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(winners_url(winner.edition), {"nominee": [winner.pk]}, follow=True)
    assert "1 certificates issued" in response.content.decode()
    assert Nominee.objects.get(pk=winner.pk).state == S.CERTIFIED
    assert Certificate.objects.get().files_status == "ready"


def test_issuing_for_a_firm_without_contact_address_warns(manager_client, banking, django_capture_on_commit_callbacks):
    nominee = make_candidate(banking, votes=10, name="Bez Adresu S.A.")
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(winners_url(nominee.edition), {"nominee": [nominee.pk]}, follow=True)
    assert "no contact e-mail" in response.content.decode()
    assert not mail.outbox


def test_auditors_cannot_issue(client, auditor, winner):
    client.force_login(auditor)
    assert client.post(winners_url(winner.edition), {"nominee": [winner.pk]}).status_code == 403
    assert Nominee.objects.get(pk=winner.pk).state == S.APPROVED


def test_the_page_says_why_while_the_results_are_not_final(manager_client, edition):
    assert "has not closed yet" in manager_client.get(winners_url(edition)).content.decode()


def test_the_proposed_winners_page_takes_a_fixed_number_of_queries(
    manager_client, closed_edition, django_assert_max_num_queries
):
    for _n in range(3):
        category = CategoryFactory(edition=closed_edition)
        for votes in range(10):
            make_candidate(category, votes=votes, score=4)
    with django_assert_max_num_queries(12):
        assert manager_client.get(winners_url(closed_edition)).status_code == 200


def test_revoking_from_the_admin_asks_for_a_reason(manager_client, issued):
    url = reverse("admin:certification_certificate_changelist")
    confirm = manager_client.post(url, {"action": "revoke", "_selected_action": [issued.pk]})
    assert "reason for revocation" in confirm.content.decode()
    manager_client.post(
        url, {"action": "revoke", "_selected_action": [issued.pk], "confirm": "yes", "reason": "Logo misused."}
    )
    assert Certificate.objects.get(pk=issued.pk).status() == "revoked"
    assert AuditEntry.objects.get(action="certificate.revoke").reason == "Logo misused."


def test_resending_the_invitation_from_the_admin(manager_client, issued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("admin:certification_certificate_changelist"),
            {"action": "resend_invitation", "_selected_action": [issued.pk]},
        )
    assert len(mail.outbox) == 2


def test_regenerating_files_from_the_admin(manager_client, issued, django_capture_on_commit_callbacks):
    old = issued.pdf.name
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("admin:certification_certificate_changelist"),
            {"action": "regenerate_files", "_selected_action": [issued.pk]},
        )
    assert Certificate.objects.get(pk=issued.pk).pdf.name != old


@pytest.mark.parametrize("status,expected", [("valid", 1), ("revoked", 0), ("expired", 0)])
def test_the_certificate_list_filters_by_status(manager_client, issued, status, expected):
    response = manager_client.get(reverse("admin:certification_certificate_changelist"), {"status": status})
    assert response.context["cl"].result_count == expected


def test_the_certificate_list_takes_a_fixed_number_of_queries(manager_client, issued, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        body = manager_client.get(
            reverse("admin:certification_certificate_changelist"), {"q": issued.serial}
        ).content.decode()
    assert issued.serial in body


@pytest.mark.parametrize(
    "reason,message",
    [
        ("<script>alert(1)</script>", "no HTML"),
        ("Logo misused\u202e.", "invisible or control characters"),
        ("x" * 2001, "at most 2000"),
    ],
)
def test_a_revocation_reason_that_would_be_published_badly_is_refused(manager_client, issued, reason, message):
    url = reverse("admin:certification_certificate_changelist")
    response = manager_client.post(
        url, {"action": "revoke", "_selected_action": [issued.pk], "confirm": "yes", "reason": reason}
    )
    assert message in response.content.decode()
    assert Certificate.objects.get(pk=issued.pk).status() == "valid"
    assert not AuditEntry.objects.filter(action="certificate.revoke").exists()
