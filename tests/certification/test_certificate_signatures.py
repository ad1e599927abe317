"""The certificate proves itself, checked with tools other than the signer's: poppler's pdfsig, PyJWT, plain zlib/XML."""

import io
import json
import shutil
import subprocess
import zipfile
from xml.etree import ElementTree

import jwt
import pytest
from PIL import Image

from certification.certificates import baking

pytestmark = pytest.mark.django_db


def _jwks(client) -> jwt.PyJWKSet:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    return jwt.PyJWKSet.from_dict(json.loads(response.content))


def _verify_with_published_keys(client, token: str, **options) -> dict:
    header = jwt.get_unverified_header(token)
    key = _jwks(client)[header["kid"]]
    return jwt.decode(token, key=key.key, algorithms=["EdDSA"], options={"verify_aud": False, **options})


def test_pdfsig_finds_the_certification_bodys_valid_signature_over_the_whole_file(issued, tmp_path):
    pdfsig = shutil.which("pdfsig")
    if pdfsig is None:
        pytest.skip("pdfsig (Debian's poppler-utils) is not installed; .ci/run installs it")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(issued.pdf.read())
    output = subprocess.run([pdfsig, str(path)], capture_output=True, text=True, check=False).stdout
    assert "Signature Validation: Signature is Valid." in output, output
    assert "Signer Certificate Common Name: ICERTIAS" in output
    assert "ETSI.CAdES.detached" in output  # PAdES
    assert "Signing Time:" in output
    assert "Total document signed" in output  # nothing after the signature


def test_pdfsig_reports_a_changed_pdf_as_invalid(issued, tmp_path):
    pdfsig = shutil.which("pdfsig")
    if pdfsig is None:
        pytest.skip("pdfsig is not installed")
    data = bytearray(issued.pdf.read())
    position = data.index(b"/Keywords")
    data[position + 12] ^= 0x01  # one signed byte changed
    path = tmp_path / "changed.pdf"
    path.write_bytes(bytes(data))
    output = subprocess.run([pdfsig, str(path)], capture_output=True, text=True, check=False).stdout
    assert "Signature is Valid." not in output


def test_the_credential_verifies_against_the_published_jwks_with_pyjwt(issued, client):
    response = client.get(f"/credentials/{issued.serial}.jwt")
    assert response.status_code == 200 and response["Content-Type"] == "application/vc+jwt"
    claims = _verify_with_published_keys(client, response.content.decode())
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["iss"] == claims["issuer"]["id"] and claims["iss"].endswith("/credentials/issuer.json")
    assert claims["jti"] == claims["id"] and claims["id"].endswith(f"/credentials/{issued.serial}.json")
    subject = claims["credentialSubject"]
    assert {
        "type": "IdentityObject",
        "identityType": "identifier",
        "hashed": False,
        "identityHash": f"PL{issued.firm.registration_number}",
    } in subject["identifier"]
    assert subject["achievement"]["name"] == f"Przyjaciel Klienta Bankowość, Polska {issued.edition.label}"
    assert claims["validUntil"].startswith(issued.valid_until.isoformat())
    assert claims["credentialStatus"]["statusListIndex"] == str(issued.status_index)
    # The JSON address serves the same credential.
    document = client.get(f"/credentials/{issued.serial}.json").json()
    assert document["id"] == claims["id"] and document["credentialSubject"] == subject


def test_a_tampered_credential_fails_pyjwt_against_the_jwks(issued, client):
    token = issued.credential
    header, payload, signature = token.split(".")
    forged = jwt.utils.base64url_encode(
        json.dumps({**json.loads(jwt.utils.base64url_decode(payload)), "validUntil": "2099-12-31T23:59:59Z"}).encode()
    ).decode()
    with pytest.raises(jwt.InvalidSignatureError):
        _verify_with_published_keys(client, f"{header}.{forged}.{signature}")


@pytest.mark.parametrize("field", ["png_256", "png_512", "png_1024"])
def test_the_png_logos_are_baked_with_the_credential_and_name_the_serial(issued, field):
    data = getattr(issued, field).read()
    image = Image.open(io.BytesIO(data))
    image.load()
    # Read back with Pillow (another PNG reader than ours): the iTXt chunk and the serial.
    assert image.text["openbadgecredential"] == issued.credential
    assert issued.serial in image.text["Title"] and image.text["Serial"] == issued.serial


def test_the_svg_logo_is_baked_with_the_credential(issued):
    root = ElementTree.fromstring(issued.svg.read())
    element = root.find("{https://purl.imsglobal.org/ob/v3p0}credential")
    assert element is not None and element.text.strip() == issued.credential


def test_the_zip_holds_the_credential_and_unpacks_readable_by_everyone(issued, tmp_path):
    archive = zipfile.ZipFile(io.BytesIO(issued.zip.read()))
    names = archive.namelist()
    assert f"{issued.serial}/credential.jwt" in names and f"{issued.serial}/credential.json" in names
    assert archive.read(f"{issued.serial}/credential.jwt").decode().strip() == issued.credential
    for entry in archive.infolist():
        assert (entry.external_attr >> 16) & 0o777 == 0o644, entry.filename
    # Baked files inside the pack carry the same credential.
    assert baking.extract_png(archive.read(f"{issued.serial}/logo-256.png")) == issued.credential
