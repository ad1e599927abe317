"""Password spraying from one address is throttled on both sign-in pages (django-axes, portal/login_throttle.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db

RIGHT = "the-right-password-123"
NAMES = ["alice", "bob", "carol", "dave"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Each of the 17 sign-ins hashes a password; the production hasher would take seconds here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def accounts():
    users = get_user_model()
    for name in NAMES:
        users.objects.create_superuser(name, f"{name}@example.com", RIGHT)


def spray(client, url, *, address, rounds=4):
    """16 wrong passwords spread over 4 user names: never 5 for any one name."""
    for round_ in range(rounds):
        for name in NAMES:
            client.post(url, {"username": name, "password": f"wrong-{round_}"}, REMOTE_ADDR=address)


@pytest.mark.parametrize("login", ["admin:login", "certification:firm_login"])
def test_spraying_sixteen_passwords_over_four_names_locks_the_address(client, accounts, login):
    url = reverse(login)
    spray(client, url, address="192.0.2.10")
    response = client.post(url, {"username": "alice", "password": RIGHT}, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_spraying_does_not_lock_out_other_addresses(client, accounts):
    url = reverse("admin:login")
    spray(client, url, address="192.0.2.10")
    response = client.post(url, {"username": "alice", "password": RIGHT}, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_a_few_typos_from_one_address_over_names_do_not_lock_it(client, accounts, settings):
    """An office behind one NAT address: typos by several people stay under the address's limit."""
    url = reverse("admin:login")
    for name in NAMES[:3]:
        for _ in range(3):
            client.post(url, {"username": name, "password": "typo"}, REMOTE_ADDR="192.0.2.30")
    assert settings.AXES_ADDRESS_FAILURE_LIMIT > 9  # nine typos stay under it
    response = client.post(url, {"username": "dave", "password": RIGHT}, REMOTE_ADDR="192.0.2.30")
    assert response.status_code == 302


def test_signing_in_to_an_own_account_does_not_clear_the_address_count(client, accounts):
    """An attacker with one valid account cannot reset the spraying count by signing in to it."""
    url = reverse("admin:login")
    for name in NAMES[:3]:
        for _ in range(3):
            client.post(url, {"username": name, "password": "wrong"}, REMOTE_ADDR="192.0.2.40")
    assert client.post(url, {"username": "dave", "password": RIGHT}, REMOTE_ADDR="192.0.2.40").status_code == 302
    client.logout()
    client.post(url, {"username": "alice", "password": "wrong"}, REMOTE_ADDR="192.0.2.40")
    locked = client.post(url, {"username": "bob", "password": RIGHT}, REMOTE_ADDR="192.0.2.40")
    assert locked.status_code == 429
