"""Certificate files and evidence on S3-compatible object storage (a real S3 API: moto's server, started by the suite).

The objects are checked with a plain S3 client, not through Django, so a test would fail if
anything still wrote to the web host's disk.
"""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certification.certificates import services as certificates
from certification.models import CERTIFICATE_FILES
from certification.vetting import services as vetting
from tests.certification.test_evidence_upload import PDF
from tests.certification.test_firm_downloads import PASSWORD, invitation_path, sign_in, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(s3_storage, issued):
    """The winner's certificate, its files generated while the object store was the default storage."""
    return issued


@pytest.fixture
def firm_client(client, issued):
    client.post(invitation_path(), {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert sign_in(client)
    client.post(reverse("certification:firm_terms"), {"accept": "yes"})
    return client


def bucket_keys(s3_storage) -> set[str]:
    server, bucket = s3_storage
    return {item["Key"] for item in server.client().list_objects_v2(Bucket=bucket).get("Contents", [])}


def test_certificate_files_are_stored_in_the_bucket_not_on_disk(s3_storage, issued, settings):
    names = {getattr(issued, field).name for field, _f in CERTIFICATE_FILES}
    assert names and names <= bucket_keys(s3_storage)
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*.*"))


def test_the_firm_downloads_the_stored_object_through_the_view(s3_storage, firm_client, issued):
    server, bucket = s3_storage
    response = firm_client.get(url(issued))
    assert response.status_code == 200
    stored = server.client().get_object(Bucket=bucket, Key=issued.pdf.name)["Body"].read()
    assert b"".join(response.streaming_content) == stored and stored.startswith(b"%PDF-")
    assert response["Cache-Control"] == "private, no-store"


def test_revocation_stops_downloads_while_the_object_is_still_stored(s3_storage, firm_client, issued, manager):
    certificates.revoke_certificate(certificate=issued, actor=manager, reason="Logo misused.")
    response = firm_client.get(url(issued))
    assert response.status_code == 410 and "revoked" in response.content.decode()
    assert issued.pdf.name in bucket_keys(s3_storage)  # the refusal is the view's, not a missing object


def test_a_missing_certificate_object_is_a_clear_page_not_an_error(s3_storage, firm_client, issued):
    server, bucket = s3_storage
    server.client().delete_object(Bucket=bucket, Key=issued.pdf.name)
    response = firm_client.get(url(issued))
    assert response.status_code == 503
    assert "cannot be read at the moment" in response.content.decode()
    assert response["Retry-After"]
    # The other files still download.
    assert firm_client.get(url(issued, "svg")).status_code == 200


def test_evidence_is_uploaded_to_the_bucket_and_downloaded_by_staff(s3_storage, client, under_review, auditor):
    check = vetting.record_check(nominee=under_review, kind="registration", inputs={"active": True}, actor=auditor)
    evidence = vetting.add_evidence(check=check, file=SimpleUploadedFile("KRS extract.pdf", PDF), actor=auditor)
    assert evidence.file.name in bucket_keys(s3_storage)
    client.force_login(auditor)
    response = client.get(reverse("admin:certification_evidence_download", args=[evidence.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF


def test_missing_evidence_says_so_to_the_auditor(s3_storage, client, under_review, auditor):
    server, bucket = s3_storage
    check = vetting.record_check(nominee=under_review, kind="registration", inputs={"active": True}, actor=auditor)
    evidence = vetting.add_evidence(check=check, file=SimpleUploadedFile("KRS extract.pdf", PDF), actor=auditor)
    server.client().delete_object(Bucket=bucket, Key=evidence.file.name)
    client.force_login(auditor)
    response = client.get(reverse("admin:certification_evidence_download", args=[evidence.pk]))
    assert response.status_code == 302
    assert response.url == reverse("admin:certification_check_change", args=[check.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The file KRS extract.pdf is missing from the file store; upload it again."
    ]
