"""Every artefact a firm sees speaks its edition's language, with one set of words: no English in a Polish or Romanian one.

The files are rendered by issuing a certificate (as in production) and read
back: the PDF by text extraction, the SVG by its text elements, the ZIP's README
with the terms, the e-mails from the outbox, the verification page and JSON.
"""

import io
import zipfile
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core import mail
from django.utils import timezone, translation
from pypdf import PdfReader

from certification.certificates import accounts, files, pack
from certification.certificates import services as certificates
from certification.models import FirmAccount
from nominations.registration import cui_from_body
from tests.certification.conftest import make_candidate
from tests.factories import CategoryFactory, EditionFactory

SVG = "{http://www.w3.org/2000/svg}"

# What the English artefacts say; none of it may show in a Polish or Romanian one (compared case-insensitively).
ENGLISH = (
    "Customer Friendly Certificate",
    "Customers' Friend",
    "Gold medal",
    "Edition ",
    "is awarded to",
    "in the category",
    "Registration number",
    "Valid from",
    "Issued on",
    "Serial ",
    "Check that this certificate",
    "certification body",
    "Logo usage terms",
    "Firm:",
    "Category:",
    "Files:",
    "Zurich",
    "Poland",
    "Romania",
    "Congratulations",
    "Your user name",
    "Sign in",
    "firm account",
    "Certified by",
)

WORDS = {
    "pl": {
        "programme": "Przyjaciel Klienta",
        "title": "Certyfikat Przyjazny Klientom",
        "medal": "Złoty Medal",
        "edition": "Edycja",
        "country": "Polska",
        "category": "Bankowość",
        "registration": "NIP",
        "terms": "Warunki korzystania z logo.",
        "body": "ICERTIAS — niezależna jednostka certyfikująca",
    },
    "ro": {
        "programme": "Prietenul Clienților",
        "title": "Certificat Prietenos cu Clienții",
        "medal": "Medalia de Aur",
        "edition": "Ediția",
        "country": "România",
        "category": "Bănci",
        "registration": "CUI",
        "terms": "Condițiile de utilizare a siglei.",
        "body": "ICERTIAS — organism de certificare independent",
    },
}


def english_in(text: str) -> list[str]:
    lowered = text.casefold()
    return [phrase for phrase in ENGLISH if phrase.casefold() in lowered]


@pytest.fixture(params=["pl", "ro"])
def certificate(request, manager, django_capture_on_commit_callbacks):
    """A certificate issued in a Polish or a Romanian edition, its files generated and its invitation sent."""
    language = request.param
    country = language.upper()
    now = timezone.now()
    edition = EditionFactory(
        country=country,
        slug=f"{language}-wording",
        nomination_opens_at=now - timedelta(days=40),
        nomination_closes_at=now - timedelta(days=30),
        voting_opens_at=now - timedelta(days=30),
        voting_closes_at=now - timedelta(days=1),
        results_date=(now + timedelta(days=5)).date(),
        final_tally_at=now - timedelta(hours=20),
        results_released_at=now - timedelta(hours=19),
    )
    banking = CategoryFactory(edition=edition, slug="banking", name_en="Banking", name_pl="Bankowość", name_ro="Bănci")
    firm = {"country": country, "contact_email": f"office@{language}.example"}
    if country == "RO":
        firm |= {"name": "Banca Comercială Ștefănești", "registration_number": cui_from_body("1854729")}
    else:
        firm |= {"name": "Łódź Spółdzielnia Mleczarska"}
    winner = make_candidate(banking, votes=120, score=4, **firm)
    with django_capture_on_commit_callbacks(execute=True):
        result = certificates.issue_certificates(edition=edition, nominee_ids=[winner.pk], actor=manager)
    issued = result.certificates[0]
    issued.refresh_from_db()
    return issued


def words_of(certificate) -> dict:
    return WORDS[certificate.language]


def pdf_text(data: bytes) -> str:
    return PdfReader(io.BytesIO(data)).pages[0].extract_text()


def svg_texts(data: bytes) -> list[str]:
    root = ElementTree.fromstring(data)
    return [root.find(f"{SVG}title").text] + [element.text for element in root.iter(f"{SVG}text")]


def test_the_pdf_is_worded_in_the_editions_language(certificate):
    words = words_of(certificate)
    text = pdf_text(certificate.pdf.read())
    for expected in (
        words["title"],
        words["medal"],
        words["medal"].upper(),
        f"{words['edition']} {certificate.edition.label}",
        words["programme"].upper(),
        words["category"],
        f"{words['registration']} {certificate.firm.registration_number}",
        words["body"],
    ):
        assert expected in text
    assert english_in(text) == []


def test_the_svg_logo_is_the_editions_medal_in_its_language(certificate):
    words = words_of(certificate)
    texts = svg_texts(certificate.svg.read())
    faces = texts[1:]
    assert faces[0] == words["programme"].upper()
    assert faces[1] == words["medal"].upper()
    assert words["title"] in " ".join(faces)  # set on one or two lines
    assert certificate.edition.label in faces
    assert words["category"] in faces
    assert words["country"] in faces
    assert faces[-1] == certificate.serial
    assert english_in(" ".join(texts)) == []


def test_the_logo_packs_readme_and_terms_are_in_the_editions_language(certificate):
    words = words_of(certificate)
    archive = zipfile.ZipFile(io.BytesIO(certificate.zip.read()))
    readme = archive.read(f"{certificate.serial}/README.txt").decode()
    assert words["title"] in readme and words["medal"] in readme
    assert words["terms"] in readme
    assert f"{words['registration']} {certificate.firm.registration_number}" in readme
    assert english_in(readme) == []
    # The pack's PDF and SVG are the certificate's own.
    assert english_in(pdf_text(archive.read(f"{certificate.serial}/certificate.pdf"))) == []


def test_the_invitation_and_new_certificate_emails_name_the_certificate_in_the_editions_language(certificate):
    words = words_of(certificate)
    account = FirmAccount.objects.get(firm=certificate.firm)
    accounts.deliver_firm_invitation(account_id=account.pk, with_link=False)
    invitation, new_certificate = mail.outbox
    for message in (invitation, new_certificate):
        text = f"{message.subject}\n{message.body}"
        assert f"{words['title']} {certificate.edition.label}" in message.body
        assert words["medal"] in message.body and words["category"] in message.body
        assert words["programme"] in message.body and "ICERTIAS" in message.body
        assert english_in(text) == []
    assert words["programme"] in invitation.subject
    assert words["title"] in new_certificate.subject


def test_the_verification_page_names_the_certificate_and_the_number_in_the_readers_language(client, certificate):
    words = words_of(certificate)
    html = client.get(f"/{certificate.language}/verify/{certificate.serial}/").content.decode()
    assert f"{words['title']} {certificate.edition.label}" in html
    assert words["medal"] in html
    assert f"{words['registration']} {certificate.firm.registration_number}" in html
    assert english_in(html.replace("&#x27;", "'")) == []


def test_the_verification_json_speaks_the_editions_language_whoever_asks(client, certificate):
    words = words_of(certificate)
    data = client.get(f"/api/verify/{certificate.serial}.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (data["language"], data["title"], data["medal"]) == (certificate.language, words["title"], words["medal"])
    assert (data["programme"], data["registration_label"], data["category"]) == (
        words["programme"],
        words["registration"],
        words["category"],
    )
    assert english_in(" ".join(str(value) for value in data.values())) == []


def test_in_english_the_files_say_customer_friendly_certificate_and_gold_medal(certificate):
    with translation.override("en"):
        rendered = pack.all_files(files.certificate_text(certificate))
    text = pdf_text(rendered["pdf"])
    assert "Customer Friendly Certificate" in text and "Gold medal" in text and "Edition " in text
    faces = svg_texts(rendered["svg"])[1:]
    assert faces[:2] == ["CUSTOMERS' FRIEND", "GOLD MEDAL"]
    assert "Customer Friendly Certificate" in " ".join(faces)
