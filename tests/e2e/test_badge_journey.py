"""A firm copies the live badge snippet from its dashboard onto its own (plain HTML) page; a revocation shows there.

The firm's page is served by a separate local HTTP server (another origin), as a
firm's website would be; the badge image comes from the live server.
"""

import io
import re
import threading
from datetime import timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from certification.certificates import services as certificates
from certification.models import Certificate, FirmAccount
from nominations.models import Tally
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, publish_figures

pytestmark = pytest.mark.e2e

CONTACT = "biuro@lodz-mleko.example"
PASSWORD = "a-long-firm-password-2026"
GREEN, RED = (0x1B, 0x5E, 0x20), (0xB0, 0x00, 0x20)


@pytest.fixture
def issued(live_site, settings, tmp_path):
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
    nominee = NomineeFactory(category=category, state="approved", firm__name="Łódź Mleko", firm__contact_email=CONTACT)
    Tally.objects.create(nominee=nominee, edition=edition, category=category, counted=42)
    publish_figures(nominee, counted=42)
    manager = get_user_model().objects.create_superuser("maria", "maria@example.com", "unused-password-123")
    certificate = certificates.issue_certificates(
        edition=edition, nominee_ids=[nominee.pk], actor=manager
    ).certificates[0]
    account = FirmAccount.objects.get(firm=nominee.firm)
    account.user.set_password(PASSWORD)
    account.user.save(update_fields=["password"])
    return certificate, manager


@pytest.fixture
def firm_site(tmp_path):
    """A plain static web server on a free port: the firm's own website."""
    root = tmp_path / "firm-site"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def band_colour(page: Page) -> tuple[int, int, int]:
    """The colour of the badge's status band, as the browser drew it."""
    image = page.locator("a > img")
    expect(image).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.querySelector('a > img'); return i.complete && i.naturalWidth > 0; }"
    )
    shot = Image.open(io.BytesIO(image.screenshot())).convert("RGB")
    width, height = shot.size
    return shot.getpixel((round(width * 0.05), round(height * 0.94)))


def close(colour, expected) -> bool:
    return all(abs(a - b) <= 24 for a, b in zip(colour, expected, strict=True))


def test_the_firm_pastes_the_badge_snippet_on_its_site_and_the_badge_turns_revoked(
    browser, page: Page, issued, firm_site, artifacts_dir
):
    certificate, manager = issued
    root, site = firm_site

    page.goto("/en/firm/login/")
    page.fill("#id_username", CONTACT)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/en/firm/$"))
    page.check("#accept-terms")
    page.click("#terms button[type=submit]")

    # Copy the snippet, as a person would select and copy the text box.
    snippet = page.locator("textarea[data-snippet]").input_value()
    assert "<script" not in snippet.lower()
    assert f"/badge/{certificate.serial}.svg" in snippet and f"/pl/verify/{certificate.serial}/" in snippet
    (root / "index.html").write_text(
        f'<!doctype html><html lang="pl"><head><meta charset="utf-8"><title>Łódź Mleko</title></head>'
        f"<body><h1>Łódź Mleko</h1>{snippet}</body></html>",
        encoding="utf-8",
    )

    visitor = browser.new_context()
    firm_page = visitor.new_page()
    firm_page.goto(site + "/")
    assert close(band_colour(firm_page), GREEN), band_colour(firm_page)
    firm_page.screenshot(path=str(artifacts_dir / "badge-valid.png"))
    # The badge links to the verification page, which says valid.
    firm_page.click("a > img")
    expect(firm_page.locator("#verification-status")).to_have_attribute("data-status", "valid")
    visitor.close()

    certificates.revoke_certificate(
        certificate=Certificate.objects.get(pk=certificate.pk), actor=manager, reason="Logo misused."
    )
    # A visitor after the revocation (browsers may keep the badge BADGE_MAX_AGE_SECONDS, at most an hour).
    visitor = browser.new_context()
    firm_page = visitor.new_page()
    firm_page.goto(site + "/")
    assert close(band_colour(firm_page), RED), band_colour(firm_page)
    firm_page.screenshot(path=str(artifacts_dir / "badge-revoked.png"))
    firm_page.click("a > img")
    expect(firm_page.locator("#verification-status")).to_have_attribute("data-status", "revoked")
    visitor.close()
