import uuid

import pytest
from django.urls import reverse

from nominations.models import Vote
from tests.nominations.helpers import vote
from tests.nominations.test_nominate import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_VOTE = "2/h"
    settings.RATELIMIT_NOMINATE = "1/h"
    settings.RATELIMIT_CONFIRM = "2/h"


def fresh_ip():
    """An address no earlier run has used, so counters in a shared Redis cannot leak between runs."""
    return f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::{uuid.uuid4().hex[:4]}"  # a /64 of its own


def test_too_many_votes_from_one_address_get_429_and_save_nothing(client, nominee, limits):
    ip = fresh_ip()
    for n in range(2):
        assert vote(client, nominee, f"v{n}@example.com", REMOTE_ADDR=ip).status_code == 302
    response = vote(client, nominee, "v3@example.com", REMOTE_ADDR=ip)
    assert response.status_code == 429
    assert "Too many submissions from your network" in response.content.decode()
    assert Vote.objects.count() == 2
    assert vote(client, nominee, "v4@example.com", REMOTE_ADDR=fresh_ip()).status_code == 302


def test_nominations_are_rate_limited(client, edition, category, limits):
    ip = fresh_ip()
    url = reverse("nominations:nominate", kwargs={"slug": edition.slug})
    assert client.post(url, form_data(category), REMOTE_ADDR=ip).status_code == 302
    assert client.post(url, form_data(category), REMOTE_ADDR=ip).status_code == 429


def test_confirmations_are_rate_limited(client, limits):
    ip = fresh_ip()
    url = reverse("nominations:confirm", kwargs={"token": "guess"})
    for _i in range(2):
        assert client.post(url, REMOTE_ADDR=ip).status_code == 400
    assert client.post(url, REMOTE_ADDR=ip).status_code == 429


def test_receipt_look_ups_are_rate_limited_for_get_too(client, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_RECEIPT = "1/h"
    ip = fresh_ip()
    url = reverse("nominations:receipt")
    assert client.get(url, {"code": "ABCD-EFGH-JKMN"}, REMOTE_ADDR=ip).status_code == 200
    assert client.get(url, {"code": "ABCD-EFGH-JKMN"}, REMOTE_ADDR=ip).status_code == 429
