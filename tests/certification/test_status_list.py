"""The revocation status list (W3C Bitstring Status List): published signed, the bit flips in the revocation."""

import base64
import gzip
import json

import jwt
import pytest

from certification.certificates import services as certificates
from certification.models import STATUS_LIST_BITS

pytestmark = pytest.mark.django_db


def published_bit(client, index: int) -> bool:
    response = client.get("/credentials/status/revocation.jwt")
    assert response.status_code == 200
    assert int(response["Cache-Control"].split("max-age=")[1]) <= 300
    token = response.content.decode()
    keys = jwt.PyJWKSet.from_dict(client.get("/.well-known/jwks.json").json())
    claims = jwt.decode(token, key=keys[jwt.get_unverified_header(token)["kid"]].key, algorithms=["EdDSA"])
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = claims["credentialSubject"]
    assert subject["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert encoded.startswith("u")  # multibase base64url
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 == STATUS_LIST_BITS
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_the_credentials_bit_flips_when_the_certificate_is_revoked(issued, manager, client):
    entry = json.loads(jwt.utils.base64url_decode(issued.credential.split(".")[1]))["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    assert entry["statusListCredential"].endswith("/credentials/status/revocation.jwt")
    index = int(entry["statusListIndex"])
    assert published_bit(client, index) is False
    certificates.revoke_certificate(certificate=issued, actor=manager, reason="Logo misused.")
    assert published_bit(client, index) is True


def test_a_failed_revocation_leaves_the_bit_clear(issued, manager, client, monkeypatch):
    from audit import services as audit

    def broken(**kwargs):
        raise RuntimeError("audit log down")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        certificates.revoke_certificate(certificate=issued, actor=manager, reason="Logo misused.")
    assert published_bit(client, issued.status_index) is False


def test_each_certificate_has_its_own_index(winner, runner_up, manager):
    from tests.certification.conftest import make_candidate

    other = make_candidate(runner_up.category, votes=10, name="Third firm")
    del other
    result = certificates.issue_certificates(edition=winner.edition, nominee_ids=[winner.pk], actor=manager)
    index = result.certificates[0].status_index
    assert index is not None and 0 <= index < STATUS_LIST_BITS


@pytest.mark.parametrize("path", ["/.well-known/jwks.json", "/credentials/status/revocation.jwt"])
def test_without_the_signing_keys_the_key_documents_answer_503_not_500(client, settings, tmp_path, path):
    """Before an operator mounts the keys, the public key documents say so plainly (and the proxy sees 503)."""
    settings.CREDENTIAL_SIGNING_KEY = str(tmp_path / "not-mounted-yet.pem")
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "300" and "signing keys" in response.content.decode()
