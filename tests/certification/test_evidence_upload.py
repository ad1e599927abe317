import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from audit.models import AuditEntry
from certification.exceptions import CheckRefused
from certification.models import Evidence
from certification.vetting import services as vetting

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes(fmt="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def check(under_review, auditor):
    return vetting.record_check(nominee=under_review, kind="registration", inputs={"active": True}, actor=auditor)


def test_a_pdf_is_stored_under_a_random_name_and_logged(check, auditor):
    evidence = vetting.add_evidence(check=check, file=SimpleUploadedFile("KRS extract.pdf", PDF), actor=auditor)
    assert evidence.content_type == "application/pdf" and evidence.size == len(PDF)
    assert evidence.file.name.startswith("evidence/") and "KRS" not in evidence.file.name
    assert evidence.file.storage.exists(evidence.file.name)
    assert AuditEntry.objects.get(action="evidence.add").after["sha256"]


@pytest.mark.parametrize("name,fmt", [("shop.png", "PNG"), ("shop.jpg", "JPEG"), ("shop.webp", "WEBP")])
def test_images_are_accepted(check, auditor, name, fmt):
    evidence = vetting.add_evidence(check=check, file=SimpleUploadedFile(name, png_bytes(fmt)), actor=auditor)
    assert evidence.content_type.startswith("image/")


def test_other_types_are_refused(check, auditor):
    with pytest.raises(CheckRefused, match="PDF or an image"):
        vetting.add_evidence(check=check, file=SimpleUploadedFile("notes.docx", b"PK\x03\x04"), actor=auditor)
    assert not Evidence.objects.exists()


def test_a_file_whose_content_does_not_match_its_name_is_refused(check, auditor):
    with pytest.raises(CheckRefused, match="does not match"):
        vetting.add_evidence(check=check, file=SimpleUploadedFile("fake.pdf", b"<html>hi</html>"), actor=auditor)
    with pytest.raises(CheckRefused, match="does not match"):
        vetting.add_evidence(check=check, file=SimpleUploadedFile("photo.jpg", png_bytes("PNG")), actor=auditor)


def test_files_over_the_size_limit_are_refused(check, auditor, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    with pytest.raises(CheckRefused, match="at most 100"):
        vetting.add_evidence(check=check, file=SimpleUploadedFile("big.pdf", PDF + b"0" * 100), actor=auditor)


def test_only_the_checks_recorder_adds_evidence(check, second_auditor):
    with pytest.raises(CheckRefused, match="Another auditor"):
        vetting.add_evidence(check=check, file=SimpleUploadedFile("a.pdf", PDF), actor=second_auditor)


def test_staff_with_permission_download_through_the_admin(client, check, auditor, second_auditor, manager):
    evidence = vetting.add_evidence(check=check, file=SimpleUploadedFile("extract.pdf", PDF), actor=auditor)
    url = reverse("admin:certification_evidence_download", args=[evidence.pk])
    client.force_login(second_auditor)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(manager)  # no view_evidence permission
    assert client.get(url).status_code == 404


def test_evidence_is_never_served_publicly(client, check, auditor):
    evidence = vetting.add_evidence(check=check, file=SimpleUploadedFile("extract.pdf", PDF), actor=auditor)
    assert client.get(f"/media/{evidence.file.name}").status_code == 404
    client.logout()
    url = reverse("admin:certification_evidence_download", args=[evidence.pk])
    assert client.get(url).status_code == 302  # to the admin login


def evidence_url(check):
    return reverse("admin:certification_check_evidence", args=[check.pk])


def test_upload_on_the_record_page(client, check, auditor):
    client.force_login(auditor)
    record_page = reverse("admin:certification_check_record", args=[check.nominee_id]) + "?kind=registration&channel="
    page = client.get(record_page).content.decode()
    assert f'action="{evidence_url(check)}"' in page and 'name="file"' in page
    response = client.post(evidence_url(check), {"file": SimpleUploadedFile("krs.pdf", PDF)}, follow=True)
    assert response.redirect_chain == [(record_page, 302)]
    assert (
        "The file “krs.pdf” was added" in response.content.decode()
        and 'id="evidence-files"><li><a href=' in response.content.decode()
    )
    assert Evidence.objects.get().original_name == "krs.pdf"
    assert AuditEntry.objects.filter(action="evidence.add").count() == 1


def test_a_bad_upload_on_the_record_page_shows_the_error(client, check, auditor):
    client.force_login(auditor)
    response = client.post(evidence_url(check), {"file": SimpleUploadedFile("fake.pdf", b"MZ not a pdf")})
    assert response.status_code == 200
    assert "does not match" in response.content.decode()
    assert not Evidence.objects.exists() and not AuditEntry.objects.filter(action="evidence.add").exists()


def test_another_auditor_cannot_add_evidence_on_the_record_page(client, check, second_auditor):
    client.force_login(second_auditor)
    response = client.post(evidence_url(check), {"file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 200 and "only they can add evidence" in response.content.decode()
    assert not Evidence.objects.exists()


def test_no_evidence_is_added_once_the_nominee_left_review(client, check, auditor):
    from nominations.models import Nominee

    Nominee.objects.filter(pk=check.nominee_id).update(state="rejected")
    client.force_login(auditor)
    assert client.post(evidence_url(check), {"file": SimpleUploadedFile("a.pdf", PDF)}).status_code == 404
    assert not Evidence.objects.exists()


def test_the_service_refuses_evidence_once_a_decision_was_made(check, auditor):
    from nominations.models import Nominee

    Nominee.objects.filter(pk=check.nominee_id).update(state="approved")
    with pytest.raises(CheckRefused, match="only while the nominee is under review"):
        vetting.add_evidence(check=check, file=SimpleUploadedFile("late.pdf", PDF), actor=auditor)
    assert not Evidence.objects.exists() and not AuditEntry.objects.filter(action="evidence.add").exists()
