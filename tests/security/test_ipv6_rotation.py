"""An IPv6 subscriber holds a whole /64 (usually a /56 or /48): every address in it is one client.

Counted per /128, each new address of one's own /64 would be a fresh rate-limit window and a
fresh sign-in lock-out, so one home connection could vote, look up receipts and try passwords
without limit. The limits and the lock-out key an IPv6 client by its /64, as the fraud
rules and the mail budget already do; an IPv4 client stays one address.
"""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from nominations.client import limit_address, ratelimit_key
from tests.nominations.helpers import vote

pytestmark = pytest.mark.django_db

RIGHT = "the-right-password-123"


def one_slash_64() -> str:
    """A /64 no earlier run used (the counters live in a shared Redis), as '2001:db8:xxxx:yyyy'."""
    return f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


@pytest.mark.parametrize(
    "address,key",
    [
        ("2001:db8:aa:bb:1:2:3:4", "2001:db8:aa:bb::"),
        ("2001:db8:aa:bb:ffff:ffff:ffff:ffff", "2001:db8:aa:bb::"),
        ("::ffff:203.0.113.77", "203.0.113.77"),
        ("203.0.113.77", "203.0.113.77"),
    ],
)
def test_an_ipv6_client_is_limited_by_its_slash_64_and_an_ipv4_client_by_its_address(address, key):
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    assert limit_address(request) == key


def test_addresses_of_one_slash_64_share_one_rate_limit_key():
    factory = RequestFactory()
    keys = {ratelimit_key(factory.get("/", REMOTE_ADDR=f"2001:db8:1:2::{n:x}")) for n in range(1, 50)}
    assert len(keys) == 1
    assert ratelimit_key(factory.get("/", REMOTE_ADDR="2001:db8:1:3::1")) not in keys


def test_rotating_addresses_inside_one_slash_64_does_not_escape_the_vote_limit(client, nominee, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_VOTE = "2/h"
    network = one_slash_64()
    for n in range(2):
        assert vote(client, nominee, f"v{n}@example.com", REMOTE_ADDR=f"{network}::{n + 1}").status_code == 302
    assert vote(client, nominee, "v9@example.com", REMOTE_ADDR=f"{network}::99").status_code == 429


def test_rotating_addresses_inside_one_slash_64_does_not_escape_the_receipt_limit(client, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_RECEIPT = "3/h"
    network = one_slash_64()
    url = reverse("nominations:receipt")
    statuses = [client.get(url, {"code": "ABCD-EFGH"}, REMOTE_ADDR=f"{network}::{n + 1}").status_code for n in range(4)]
    assert statuses[-1] == 429, statuses


@pytest.mark.parametrize("login", ["admin:login", "certification:firm_login"])
def test_rotating_addresses_inside_one_slash_64_does_not_escape_the_sign_in_lock_out(client, settings, login):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_user_model().objects.create_superuser("alice", "alice@example.com", RIGHT)
    url = reverse(login)
    network = one_slash_64()
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "alice", "password": f"wrong-{n}"}, REMOTE_ADDR=f"{network}::{n + 1}")
    response = client.post(url, {"username": "alice", "password": RIGHT}, REMOTE_ADDR=f"{network}::abcd")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
