from datetime import timedelta

import pytest
from django.urls import reverse

from certification.certificates import services as certificates
from certification.certificates import validity
from certification.models import Certificate

pytestmark = pytest.mark.django_db


def page(client, serial):
    return client.get(reverse("certification:verify", args=[serial]))


def api(client, serial):
    return client.get(f"/api/verify/{serial}.json")


def expire(certificate):
    Certificate.objects.filter(pk=certificate.pk).update(
        valid_from=certificate.valid_from - timedelta(days=400), valid_until=certificate.valid_from - timedelta(days=1)
    )


def test_a_valid_certificate_reads_valid_with_its_details(client, issued):
    response = page(client, issued.serial)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-status="valid"' in body and "VALID" in body and "alert-success" in body
    assert "Łódź Spółdzielnia Mleczarska" in body and "Banking" in body and issued.serial in body
    assert response["Cache-Control"].startswith("no-cache")


def test_the_serial_is_looked_up_case_insensitively(client, issued):
    assert page(client, issued.serial.lower()).status_code == 200
    assert api(client, f"  {issued.serial.lower()}").status_code == 200


def test_a_revoked_certificate_never_reads_as_valid(client, issued, manager):
    certificates.revoke_certificate(certificate=issued, actor=manager, reason="Logo misused.")
    response = page(client, issued.serial)
    assert response.status_code == 410
    body = response.content.decode()
    assert 'data-status="revoked"' in body and "REVOKED" in body and "NOT valid" in body and "alert-danger" in body
    assert "VALID:" not in body and "alert-success" not in body
    assert "Logo misused." in body


def test_an_expired_certificate_reads_expired(client, issued):
    expire(issued)
    response = page(client, issued.serial)
    assert response.status_code == 410
    assert 'data-status="expired"' in response.content.decode()


def test_an_unknown_serial_says_so(client, db):
    response = page(client, "CF-PL26-AAAA-BBBB-CCCC-DDDD")
    assert response.status_code == 404
    assert "UNKNOWN" in response.content.decode()


def test_a_malformed_or_overlong_serial_is_unknown(client, db):
    for serial in ("<script>", "x" * 500, "CF-PL26-0000-0000-0000-0000"):
        assert page(client, serial).status_code == 404
        assert api(client, serial).json() == {"serial": serial[:32], "status": "unknown"}


def test_the_json_of_a_valid_certificate(client, issued):
    response = api(client, issued.serial)
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("no-cache")
    data = response.json()
    assert data == {
        "serial": issued.serial,
        "status": "valid",
        "language": "pl",  # the edition's, as on the certificate's files, whoever asks
        "programme": "Przyjaciel Klienta",
        "title": "Certyfikat Przyjazny Klientom",
        "medal": "Złoty Medal",
        "edition_label": issued.edition.label,
        "certifying_body": "ICERTIAS",
        "firm": "Łódź Spółdzielnia Mleczarska",
        "registration_number": issued.firm.registration_number,
        "registration_label": "NIP",
        "category": "Bankowość",
        "edition": f"Polska {issued.edition.label}",
        "country": "PL",
        "valid_from": issued.valid_from.isoformat(),
        "valid_until": issued.valid_until.isoformat(),
        "issued_at": issued.issued_at.isoformat(),
        "revoked_at": None,
        "revocation_reason": None,
    }


def test_the_json_of_a_revoked_certificate(client, issued, manager):
    certificates.revoke_certificate(certificate=issued, actor=manager, reason="Logo misused.")
    response = api(client, issued.serial)
    assert response.status_code == 410
    data = response.json()
    assert (data["status"], data["revocation_reason"]) == ("revoked", "Logo misused.")
    assert data["revoked_at"]


def test_the_json_of_an_expired_certificate(client, issued):
    expire(issued)
    response = api(client, issued.serial)
    assert (response.status_code, response.json()["status"]) == (410, "expired")


def test_the_json_of_an_unknown_serial(client, db):
    response = api(client, "CF-PL26-AAAA-BBBB-CCCC-DDDD")
    assert (response.status_code, response.json()) == (
        404,
        {"serial": "CF-PL26-AAAA-BBBB-CCCC-DDDD", "status": "unknown"},
    )


def test_the_qr_code_path_leads_to_the_page_in_the_readers_language(client, issued):
    response = client.get(validity.verification_path(issued.serial), HTTP_ACCEPT_LANGUAGE="pl")
    assert response.status_code == 302
    assert response["Location"] == f"/pl/verify/{issued.serial}/"


def test_the_form_sends_to_the_page_of_the_serial(client, issued):
    response = client.get(reverse("certification:verify_form"), {"serial": issued.serial.lower()})
    assert response["Location"] == reverse("certification:verify", args=[issued.serial])


def test_verification_takes_one_query(client, issued, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert api(client, issued.serial).status_code == 200


def test_every_page_links_to_verification_and_the_registry(client, db):
    body = client.get(reverse("nominations:home")).content.decode()
    assert reverse("certification:verify_form") in body and reverse("certification:registry") in body


def test_a_serial_that_cannot_be_one_gets_the_unknown_answer_from_the_form(client, db):
    response = client.get(reverse("certification:verify_form"), {"serial": "AB/CD"})
    assert response.status_code == 404
    assert "alert-secondary" in response.content.decode()
