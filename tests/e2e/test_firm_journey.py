"""The winning firm's journey in a real browser: invitation e-mail, password, sign-in, terms, download.

The certificate is issued in this process (Celery eager), so its files are
generated and the invitation lands in django.core.mail.outbox; the link in it
points at the live server (settings.SITE_URL).
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from certification.certificates import services as certificates
from certification.models import Certificate
from nominations.models import Tally
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, publish_figures

pytestmark = pytest.mark.e2e

FIRM = "Łódź Spółdzielnia Mleczarska"
CONTACT = "biuro@lodz-mleko.example"
PASSWORD = "a-long-firm-password-2026"


@pytest.fixture
def certificate(live_site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    now = timezone.now()
    edition = EditionFactory(
        nomination_opens_at=now - timedelta(days=40),
        nomination_closes_at=now - timedelta(days=30),
        voting_opens_at=now - timedelta(days=30),
        voting_closes_at=now - timedelta(days=1),
        results_date=(now + timedelta(days=5)).date(),
        final_tally_at=now - timedelta(hours=20),
        results_released_at=now - timedelta(hours=19),
    )
    category = CategoryFactory(edition=edition, name_en="Banking", name_pl="Bankowość")
    nominee = NomineeFactory(category=category, state="approved", firm__name=FIRM, firm__contact_email=CONTACT)
    Tally.objects.create(nominee=nominee, edition=edition, category=category, counted=42)
    publish_figures(nominee, counted=42)
    # A superuser: the roles' groups come from a migration, which a live-server test's flush empties.
    manager = get_user_model().objects.create_superuser("maria", "maria@example.com", "unused-password-123")
    issued = certificates.issue_certificates(edition=edition, nominee_ids=[nominee.pk], actor=manager).certificates[0]
    issued.refresh_from_db()
    assert issued.files_status == "ready"
    return issued, manager


def invitation_link() -> str:
    (message,) = [m for m in mail.outbox if CONTACT in m.to]
    link = re.search(r"https?://\S+/firm/invitation/\S+/", message.body).group(0)
    # The e-mail speaks the firm's certificate's language (Polish); the journey reads English.
    assert "/pl/firm/invitation/" in link
    return link.replace("/pl/", "/en/", 1)


def test_firm_accepts_the_invitation_signs_in_accepts_terms_and_downloads(page: Page, certificate, artifacts_dir):
    issued, manager = certificate
    link = invitation_link()

    # Set the password from the invitation link.
    page.goto(link)
    expect(page.locator("main h1")).to_have_text("Set your password")
    page.fill("#id_new_password1", PASSWORD)
    page.fill("#id_new_password2", PASSWORD)
    page.click("main button[type=submit]")

    # Sign in.
    expect(page).to_have_url(re.compile(r"/en/firm/login/"))
    page.fill("#id_username", CONTACT)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/en/firm/$"))
    expect(page.locator("main h1")).to_contain_text(FIRM)
    expect(page.locator(f'.certificate[data-serial="{issued.serial}"]')).to_be_visible()

    # No download before the terms are accepted.
    expect(page.locator("a[data-kind=pdf]")).to_have_count(0)
    page.check("#accept-terms")
    page.click("#terms button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("terms are accepted")
    page.screenshot(path=str(artifacts_dir / "firm-dashboard.png"), full_page=True)

    # Download the PDF.
    with page.expect_download() as download_info:
        page.click("a[data-kind=pdf]")
    download = download_info.value
    assert download.suggested_filename == f"{issued.serial}-certificate.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    download_url = page.locator("a[data-kind=pdf]").get_attribute("href")

    # The link invitation works once.
    page.goto(link)
    expect(page.locator(".alert-warning")).to_contain_text("not valid")

    # Revoked: the download stops at once.
    certificates.revoke_certificate(
        certificate=Certificate.objects.get(pk=issued.pk), actor=manager, reason="Logo misused."
    )
    response = page.goto(download_url)
    assert response.status == 410
    expect(page.locator("#download-refused")).to_contain_text("revoked")
    page.goto("/en/firm/")
    expect(page.locator("a[data-kind=pdf]")).to_have_count(0)

    # And the public verification page says so.
    response = page.goto(f"/verify/{issued.serial}/")
    assert response.status == 410
    expect(page.locator("#verification-status")).to_contain_text("REVOKED")
