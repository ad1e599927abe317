"""Refused submissions cost nothing; a limited one keeps what was typed and says when to come back."""

import pytest
from django.urls import reverse

from nominations.models import Nomination, Vote
from tests.nominations.helpers import vote
from tests.nominations.test_nominate import form_data
from tests.nominations.test_rate_limits import fresh_ip

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_VOTE = "2/h"
    settings.RATELIMIT_NOMINATE = "2/h"
    settings.RATELIMIT_RECEIPT = "1/h"


def test_refused_nominations_do_not_count_towards_the_hourly_limit(client, edition, category, limits):
    ip = fresh_ip()
    url = reverse("nominations:nominate", kwargs={"slug": edition.slug})
    for _i in range(5):  # a person fixing their typos
        assert client.post(url, form_data(category, registration_number="123"), REMOTE_ADDR=ip).status_code == 400
    for _i in range(2):
        assert client.post(url, form_data(category), REMOTE_ADDR=ip).status_code == 302
    assert Nomination.objects.count() == 2


def test_refused_votes_do_not_count_towards_the_hourly_limit(client, nominee, limits):
    ip = fresh_ip()
    for _i in range(4):
        assert vote(client, nominee, "not-an-address", REMOTE_ADDR=ip).status_code == 400
    for n in range(2):
        assert vote(client, nominee, f"v{n}@example.com", REMOTE_ADDR=ip).status_code == 302
    assert Vote.objects.count() == 2


def test_limited_nomination_answers_429_with_retry_after_and_keeps_what_was_typed(client, edition, category, limits):
    ip = fresh_ip()
    url = reverse("nominations:nominate", kwargs={"slug": edition.slug})
    for _i in range(2):
        client.post(url, form_data(category), REMOTE_ADDR=ip)
    typed = form_data(category, firm_name="Piekarnia Zielona Góra", reason="Upiekli tort w godzinę, z uśmiechem.")
    response = client.post(url, typed, REMOTE_ADDR=ip)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    page = response.content.decode()
    assert 'value="Piekarnia Zielona Góra"' in page
    assert "Upiekli tort w godzinę, z uśmiechem." in page
    assert 'id="rate-limited"' in page
    assert Nomination.objects.count() == 2


def test_limited_vote_keeps_the_address_and_choice(client, nominee, limits):
    ip = fresh_ip()
    for n in range(2):
        vote(client, nominee, f"v{n}@example.com", REMOTE_ADDR=ip)
    response = vote(client, nominee, "kept@example.com", REMOTE_ADDR=ip)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert 'value="kept@example.com"' in page
    assert f'value="{nominee.pk}"' in page and "checked" in page


def test_limited_lookup_page_says_when_to_come_back(client, limits):
    ip = fresh_ip()
    url = reverse("nominations:receipt")
    client.get(url, {"code": "ABCD-EFGH-JKLM"}, REMOTE_ADDR=ip)
    response = client.get(url, {"code": "ABCD-EFGH-JKLM"}, REMOTE_ADDR=ip)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Please try again in" in response.content.decode()
