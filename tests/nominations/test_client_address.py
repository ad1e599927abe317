import pytest
from django.test import RequestFactory

from nominations.client import client_ip, network_of


@pytest.fixture
def rf():
    return RequestFactory()


def test_forwarded_header_is_ignored_without_a_trusted_proxy(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "10.0.0.1"


def test_behind_one_trusted_proxy_the_last_forwarded_entry_is_the_client(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged the first entry; our proxy appended the real one.
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert client_ip(request) == "203.0.113.9"


def test_garbage_in_the_forwarded_header_falls_back_to_the_peer(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="<script>")
    assert client_ip(request) == "10.0.0.1"


@pytest.mark.parametrize(
    "ip,network",
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("2001:db8:aa:bb:1:2:3:4", "2001:db8:aa:bb::/64"),
        ("::ffff:203.0.113.77", "203.0.113.0/24"),
    ],
)
def test_networks_are_slash_24_and_slash_64(ip, network):
    assert network_of(ip) == network
