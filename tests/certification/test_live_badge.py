"""The live badge: the status of the moment, unmistakable, cached for at most an hour; the snippet firms paste."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest

from certification.certificates import badge
from certification.certificates import services as certificates

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def fetch(client, serial):
    response = client.get(f"/badge/{serial}.svg")
    root = ElementTree.fromstring(response.content)
    words = [t.text for t in root.iter(f"{SVG}text")]
    return response, root, words


def test_a_valid_certificates_badge_says_valid_in_its_language_and_is_cached_at_most_an_hour(issued, client):
    response, root, words = fetch(client, issued.serial)
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    max_age = int(response["Cache-Control"].split("max-age=")[1])
    assert 0 < max_age <= 3600
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert root.get("data-status") == "valid"
    assert "WAŻNY" in words and "Bankowość" in words  # the certificate's language (Polish), its category
    assert issued.edition.label in words


def test_a_revoked_certificates_badge_says_revoked_and_is_struck_through(issued, manager, client):
    certificates.revoke_certificate(certificate=issued, actor=manager, reason="Logo misused.")
    _response, root, words = fetch(client, issued.serial)
    assert root.get("data-status") == "revoked"
    assert "UNIEWAŻNIONY" in words
    assert root.find(f"{SVG}path") is not None  # the strike across the medal
    assert "#B00020" in {el.get("fill") for el in root.iter(f"{SVG}rect")}


def test_an_expired_certificates_badge_says_expired_and_the_medal_is_grey(issued, client, settings):
    from certification.models import Certificate

    Certificate.objects.filter(pk=issued.pk).update(
        valid_from=issued.valid_from - timedelta(days=800), valid_until=issued.valid_from - timedelta(days=400)
    )
    _response, root, words = fetch(client, issued.serial)
    assert root.get("data-status") == "expired" and "WYGASŁY" in words
    fills = {el.get("fill") for el in root.iter()}
    assert settings.MARK_RIM_COLOUR not in fills  # no gold left


def test_an_unknown_serial_gets_a_not_found_badge(client):
    response, root, _words = fetch(client, "CF-PL26-AAAA-BBBB-CCCC-DDDD")
    assert response.status_code == 404 and root.get("data-status") == "unknown"


def test_the_snippet_is_a_link_around_an_image_without_script_in_the_certificates_language(issued):
    html = badge.snippet(issued)
    assert html.startswith("<a href=") and html.endswith("></a>") and "<img src=" in html
    assert "<script" not in html.lower() and " on" not in html.lower().replace(" one", "")
    assert f"/pl/verify/{issued.serial}/" in html and f"/badge/{issued.serial}.svg" in html
    assert "sprawdź" in html.lower()
