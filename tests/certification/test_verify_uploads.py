"""The verification page takes what people have: the PDF, a baked logo, the credential; and says plainly what it is."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from certification.certificates import baking, documents, signing
from certification.certificates import services as certificates

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name: str = "file.bin"):
    return client.post("/en/verify/", {"file": SimpleUploadedFile(name, data)})


def status_of(response) -> str:
    return response.content.decode().split('data-status="')[1].split('"')[0]


@pytest.mark.parametrize("field", ["pdf", "png_256", "svg"])
def test_our_files_verify_as_valid(issued, client, field):
    response = upload(client, getattr(issued, field).read())
    assert response.status_code == 200
    assert status_of(response) == "valid"
    assert issued.serial in response.content.decode()


def test_the_credential_jwt_and_json_verify_pasted_or_uploaded(issued, client):
    assert status_of(client.post("/en/verify/", {"credential": issued.credential})) == "valid"
    document = client.get(f"/credentials/{issued.serial}.json").content
    assert status_of(upload(client, document, "credential.json")) == "valid"
    changed = json.loads(document)
    changed["validUntil"] = "2099-12-31T23:59:59Z"
    response = upload(client, json.dumps(changed).encode(), "credential.json")
    assert status_of(response) == "unknown" and "it was changed" in response.content.decode()


def test_a_revoked_certificates_pdf_stays_signed_but_verifies_as_revoked(issued, manager, client):
    certificates.revoke_certificate(certificate=issued, actor=manager, reason="Logo misused.")
    response = upload(client, issued.pdf.read())
    assert response.status_code == 410 and status_of(response) == "revoked"
    assert "Logo misused." in response.content.decode()
    assert status_of(upload(client, issued.png_512.read())) == "revoked"


def test_a_pdf_changed_after_signing_is_not_ours(issued, client):
    data = bytearray(issued.pdf.read())
    position = data.index(b"/Keywords")
    data[position + 12] ^= 0x01
    response = upload(client, bytes(data))
    assert status_of(response) == "unknown"
    assert "changed after it was signed" in response.content.decode()


def test_an_unsigned_pdf_and_one_signed_by_another_key_are_not_ours(issued, client, settings, tmp_path):
    unsigned = documents.certificate_pdf(_text(issued))
    assert "carries no signature" in upload(client, unsigned).content.decode()
    # The same PDF signed by someone else's self-signed key, even one with our name in it.
    ours = (settings.CERTIFICATE_SIGNING_KEY, settings.CERTIFICATE_SIGNING_CHAIN, settings.CREDENTIAL_SIGNING_KEY)
    settings.CERTIFICATE_SIGNING_KEY = tmp_path / "k.pem"
    settings.CERTIFICATE_SIGNING_CHAIN = tmp_path / "c.pem"
    settings.CREDENTIAL_SIGNING_KEY = tmp_path / "e.pem"
    signing.write_development_pair(body_name="ICERTIAS")
    forged = signing.sign_pdf(unsigned, signer_name="ICERTIAS", reason="forged", location="")
    forged_token = signing.sign_jwt({"id": f"http://x/credentials/{issued.serial}.json"})
    settings.CERTIFICATE_SIGNING_KEY, settings.CERTIFICATE_SIGNING_CHAIN, settings.CREDENTIAL_SIGNING_KEY = ours
    response = upload(client, forged)
    assert status_of(response) == "unknown" and "not by the certification body" in response.content.decode()
    response = client.post("/en/verify/", {"credential": forged_token})
    assert status_of(response) == "unknown" and "not signed by the certification body" in response.content.decode()


def _text(certificate):
    from certification.certificates.files import certificate_text

    return certificate_text(certificate)


def test_a_logo_without_its_credential_is_not_ours(issued, client):
    image = Image.open(io.BytesIO(issued.png_256.read()))
    resaved = io.BytesIO()
    image.save(resaved, format="PNG")  # re-saved by an editor: the chunk is gone
    response = upload(client, resaved.getvalue(), "logo.png")
    assert status_of(response) == "unknown" and "carries no credential" in response.content.decode()


def test_an_svg_with_a_dtd_is_refused(client):
    svg = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>'
    with pytest.raises(baking.NotBaked):
        baking.extract_svg(svg)
    assert status_of(upload(client, svg, "logo.svg")) == "unknown"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00 not a certificate", "This file is not a certificate PDF"),
        (b"", "Choose a file, or paste a credential."),
        (b"%PDF-1.7 garbage", "This PDF cannot be read."),
        (b"{not json", "This JSON file cannot be read."),
    ],
)
def test_bad_files_get_a_plain_message_and_a_400(client, data, message):
    response = upload(client, data) if data else client.post("/en/verify/", {})
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_file_over_the_limit_is_refused(client, settings):
    settings.VERIFY_UPLOAD_MAX_BYTES = 1000
    response = upload(client, b"%PDF-" + b"0" * 2000)
    assert response.status_code == 400 and "the largest we check is" in response.content.decode()


def test_the_upload_form_is_in_polish_and_romanian(client):
    assert "Sprawdź plik" in client.get("/pl/verify/").content.decode()
    assert "Verificați fișierul" in client.get("/ro/verify/").content.decode()


def test_uploads_are_rate_limited_per_client(client, settings):
    import uuid

    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_VERIFY_UPLOAD = "2/h"
    ip = f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"  # unused by any earlier run
    codes = [
        client.post("/en/verify/", {"file": SimpleUploadedFile("x.bin", b"not ours")}, REMOTE_ADDR=ip).status_code
        for _ in range(3)
    ]
    assert codes[:2] == [400, 400] and codes[2] == 429
    assert client.get("/en/verify/", REMOTE_ADDR=ip).status_code == 200  # reading the page is not limited


def test_a_file_that_is_not_ours_says_so_in_the_readers_language(client):
    response = client.post("/pl/verify/", {"file": SimpleUploadedFile("logo.png", _plain_png())})
    assert "NIE OD NAS" in response.content.decode()
    response = client.post("/ro/verify/", {"file": SimpleUploadedFile("logo.png", _plain_png())})
    assert "NU ESTE AL NOSTRU" in response.content.decode()


def _plain_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    return buffer.getvalue()
