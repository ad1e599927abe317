"""The programme's identity is configuration: settings rename it on the public pages, in e-mails, the PDF and the logos."""

import io
import re

import pytest
from django.core import mail
from pypdf import PdfReader

from nominations.mail import deliver_vote_email
from tests.factories import VoteFactory

IDENTITY = {
    "PROGRAMME_NAME": {"en": "Service Stars", "pl": "Gwiazdy Obsługi", "ro": "Stelele Serviciului"},
    "CERTIFICATE_TITLE": {
        "en": "Service Star Certificate",
        "pl": "Certyfikat Gwiazdy Obsługi",
        "ro": "Certificatul Stelele Serviciului",
    },
    "CERTIFYING_BODY_NAME": "Acme Certification AG",
    "CERTIFYING_BODY_ADDRESS": "Bahnhofstrasse 1, 8001 Zürich",
    "CERTIFYING_BODY_CONTACT": "certification@acme.example",
    "MARK_RIM_COLOUR": "#1D4ED8",
    "MARK_FACE_COLOUR": "#DBEAFE",
    "MARK_INK_COLOUR": "#111827",
}
DEFAULTS = ("Przyjaciel Klienta", "Certyfikat Przyjazny Klientom", "ICERTIAS", "Zurych")


@pytest.fixture
def acme(settings):
    for name, value in IDENTITY.items():
        setattr(settings, name, value)


@pytest.fixture
def acme_issued(acme, issued):
    """A certificate issued (files made, invitation sent) under the configured identity."""
    return issued


def test_a_public_page_shows_the_configured_programme_and_body(client, acme, db):
    html = client.get("/pl/").content.decode()
    assert re.search(r"<title>.*Gwiazdy Obsługi</title>", html)
    assert "Gwiazdy Obsługi: klienci nominują i głosują; Acme Certification AG" in html
    assert "Bahnhofstrasse 1, 8001 Zürich" in html and 'href="mailto:certification@acme.example"' in html
    assert not [name for name in DEFAULTS if name in html]
    assert "Service Stars" in client.get("/en/").content.decode()


def test_by_default_the_pages_name_customers_friend_and_icertias(client, db):
    html = client.get("/pl/").content.decode()
    assert "Przyjaciel Klienta" in html and "ICERTIAS" in html and "Zurych, Szwajcaria" in html


def test_the_firms_invitation_shows_the_configured_identity(acme_issued):
    (message,) = mail.outbox
    assert message.subject == "Twoje konto firmy w programie Gwiazdy Obsługi"
    assert f"Certyfikat Gwiazdy Obsługi {acme_issued.edition.label}" in message.body
    assert "Acme Certification AG · Bahnhofstrasse 1, 8001 Zürich · certification@acme.example" in message.body
    assert not [name for name in DEFAULTS if name in message.body]


def test_the_voters_email_shows_the_configured_programme(acme, db):
    vote = VoteFactory(language="pl")
    deliver_vote_email(vote_id=vote.pk, kind="confirm")
    body = mail.outbox[0].body
    assert "programu Gwiazdy Obsługi" in body and "Acme Certification AG" in body
    assert not [name for name in DEFAULTS if name in body]


def test_the_pdf_and_the_logos_show_the_configured_identity_and_colours(acme_issued):
    text = PdfReader(io.BytesIO(acme_issued.pdf.read())).pages[0].extract_text()
    for expected in (
        "Certyfikat Gwiazdy Obsługi",
        "GWIAZDY OBSŁUGI",
        "Acme Certification AG",
        "Bahnhofstrasse 1, 8001 Zürich · certification@acme.example",
    ):
        assert expected in text
    assert not [name for name in DEFAULTS if name in text]
    svg = acme_issued.svg.read().decode()
    assert "GWIAZDY OBSŁUGI" in svg and "Certyfikat Gwiazdy" in svg
    assert 'fill="#1D4ED8"' in svg and 'fill="#DBEAFE"' in svg and 'fill="#111827"' in svg
    assert "#B8860B" not in svg


def test_the_verification_page_names_the_configured_body(client, acme_issued):
    html = client.get(f"/en/verify/{acme_issued.serial}/").content.decode()
    assert f"Service Star Certificate {acme_issued.edition.label}" in html
    assert "Acme Certification AG, Bahnhofstrasse 1, 8001 Zürich" in html
