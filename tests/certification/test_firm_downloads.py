import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from certification.certificates import services as certificates
from certification.models import Certificate, TermsAcceptance
from tests.certification.conftest import make_candidate
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-firm-password-2026"


def invitation_path():
    # The e-mail links to the Polish page (the firm's certificate is Polish); these tests read English.
    return re.search(r"https?://[^/]+(/\S+)", mail.outbox[-1].body).group(1).replace("/pl/", "/en/", 1)


def sign_in(client, password=PASSWORD) -> bool:
    """Through the login view (django-axes needs the request)."""
    response = client.post(
        reverse("certification:firm_login"), {"username": "biuro@lodz-mleko.example", "password": password}
    )
    return response.status_code == 302


@pytest.fixture
def firm_client(client, issued):
    """The winning firm, signed in, terms accepted."""
    client.post(invitation_path(), {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert sign_in(client)
    client.post(reverse("certification:firm_terms"), {"accept": "yes"})
    return client


def url(certificate, kind="pdf"):
    return reverse("certification:firm_download", args=[certificate.download_key, kind])


@pytest.fixture
def other_certificate(closed_edition, manager, django_capture_on_commit_callbacks):
    category = CategoryFactory(edition=closed_edition, slug="insurance", name_en="Insurance")
    nominee = make_candidate(category, votes=30, name="Asigurări Ţara S.A.", contact_email="contact@asig.example")
    with django_capture_on_commit_callbacks(execute=True):
        return certificates.issue_certificates(
            edition=closed_edition, nominee_ids=[nominee.pk], actor=manager
        ).certificates[0]


def test_the_invitation_sets_the_password_once(client, issued):
    path = invitation_path()
    response = client.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302
    assert sign_in(client)
    client.logout()
    again = client.post(path, {"new_password1": "another-password-77", "new_password2": "another-password-77"})
    assert again.status_code == 400
    assert "not valid" in again.content.decode()


def test_an_expired_invitation_is_refused(client, issued, settings):
    settings.FIRM_INVITATION_MAX_AGE = timedelta(seconds=-1)
    response = client.get(invitation_path())
    assert response.status_code == 400 and "expired" in response.content.decode()


def test_a_tampered_invitation_is_refused(client, issued):
    assert client.get(invitation_path().rstrip("/") + "x/").status_code == 400


def test_the_firm_downloads_its_files_after_accepting_the_terms(firm_client, issued):
    assert TermsAcceptance.objects.filter(firm=issued.firm, version="2026-1").count() == 1
    response = firm_client.get(url(issued))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert response["Content-Disposition"].startswith("attachment")
    assert issued.serial in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    for kind in ("svg", "png-256", "png-512", "png-1024", "zip"):
        assert firm_client.get(url(issued, kind)).status_code == 200


def test_downloads_are_refused_until_the_terms_are_accepted(client, issued):
    client.post(invitation_path(), {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert sign_in(client)
    assert client.get(url(issued)).status_code == 403
    dashboard = client.get(reverse("certification:firm_dashboard")).content.decode()
    assert "Logo usage terms" in dashboard and url(issued) not in dashboard


def test_terms_are_recorded_once(firm_client, issued):
    firm_client.post(reverse("certification:firm_terms"), {"accept": "yes"})
    assert TermsAcceptance.objects.count() == 1


def test_downloads_stop_at_once_after_revocation(firm_client, issued, manager):
    certificates.revoke_certificate(certificate=issued, actor=manager, reason="Logo misused.")
    response = firm_client.get(url(issued))
    assert response.status_code == 410
    assert "revoked" in response.content.decode()


def test_downloads_stop_after_expiry(firm_client, issued):
    Certificate.objects.filter(pk=issued.pk).update(
        valid_from=issued.valid_from - timedelta(days=400), valid_until=issued.valid_from - timedelta(days=1)
    )
    assert firm_client.get(url(issued)).status_code == 410


def test_a_firm_cannot_reach_another_firms_files(firm_client, other_certificate):
    for kind in ("pdf", "zip", "svg"):
        assert firm_client.get(url(other_certificate, kind)).status_code == 404
    assert firm_client.get(reverse("certification:firm_download", args=[uuid.uuid4(), "pdf"])).status_code == 404
    assert other_certificate.serial not in firm_client.get(reverse("certification:firm_dashboard")).content.decode()


def test_another_firms_file_and_a_missing_one_answer_alike(firm_client, other_certificate):
    firm_client.get(reverse("certification:firm_dashboard"))  # shows (and clears) the sign-in messages
    theirs = firm_client.get(url(other_certificate))
    missing = firm_client.get(reverse("certification:firm_download", args=[uuid.uuid4(), "pdf"]))
    # The language form carries a freshly masked CSRF token and the page's own path; nothing else may differ.
    unmask = lambda body: re.sub(rb'name="(csrfmiddlewaretoken|next)"( type="hidden")? value="[^"]+"', b"", body)  # noqa: E731
    a, b = unmask(theirs.content).decode(), unmask(missing.content).decode()
    assert theirs.status_code == missing.status_code == 404
    assert a == b, "\n".join(__import__("difflib").unified_diff(a.splitlines(), b.splitlines(), lineterm=""))


def test_an_unknown_file_kind_is_404(firm_client, issued):
    assert firm_client.get(url(issued, "exe")).status_code == 404


def test_staff_without_a_firm_account_get_404(client, issued, manager):
    client.force_login(manager)
    assert client.get(url(issued)).status_code == 404


def test_downloads_need_sign_in(client, issued):
    response = client.get(url(issued))
    assert response.status_code == 302 and "/firm/login/" in response["Location"]


def test_the_firm_signs_in_at_the_firm_login(client, issued):
    client.post(invitation_path(), {"new_password1": PASSWORD, "new_password2": PASSWORD})
    response = client.post(
        reverse("certification:firm_login"), {"username": "biuro@lodz-mleko.example", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("certification:firm_dashboard")


def test_the_firm_may_type_its_address_with_capitals_and_spaces(client, issued):
    client.post(invitation_path(), {"new_password1": PASSWORD, "new_password2": PASSWORD})
    response = client.post(
        reverse("certification:firm_login"), {"username": "  Biuro@Lodz-Mleko.EXAMPLE ", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("certification:firm_dashboard")


def test_media_files_are_not_served_by_any_url(client, issued):
    assert client.get("/media/" + issued.pdf.name).status_code == 404


def test_the_dashboard_takes_a_fixed_number_of_queries(firm_client, issued, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert firm_client.get(reverse("certification:firm_dashboard")).status_code == 200
