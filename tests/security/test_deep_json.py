"""JSON nested deeper than Python's parser can recurse, in an upload or a pasted credential, gets a plain answer.

Found on the public verification page: `{"a": [[[[…` 200,000 levels deep (400 KB) raised
RecursionError, a 500; so did a JWT whose header or payload was such JSON.
"""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db

DEEP = b'{"a":' + b"[" * 200_000 + b"]" * 200_000 + b"}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_deeply_nested_json_upload_is_unreadable_not_a_server_error(client):
    response = client.post("/en/verify/", {"file": SimpleUploadedFile("credential.json", DEEP)})
    assert response.status_code == 400
    assert "This JSON file cannot be read." in response.content.decode()


@pytest.mark.parametrize("part", ["header", "payload"])
def test_a_jwt_with_deeply_nested_json_is_not_ours_not_a_server_error(client, part):
    header, payload = b64url(b'{"alg":"EdDSA"}'), b64url(b'{"id":"x"}')
    if part == "header":
        header = b64url(DEEP)
    else:
        payload = b64url(DEEP)
    response = client.post("/en/verify/", {"credential": f"{header}.{payload}.{b64url(b'sig')}"})
    assert response.status_code == 404
    assert "not signed by the certification body" in response.content.decode()
