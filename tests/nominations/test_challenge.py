"""The forms' proof of work (ALTCHA): a vote or nomination needs a fresh, solved challenge of its edition."""

import base64
import json
import uuid
from datetime import timedelta

import altcha
import pytest
from django.core import mail
from django.db import DatabaseError, transaction
from django.test import TestCase
from django.urls import reverse

from nominations.models import Nomination, SpentChallenge, Vote
from portal.breaker import cache_breaker
from tests.challenge import solve, solved, stamp
from tests.factories import EditionFactory
from tests.nominations.test_nominate import form_data

pytestmark = pytest.mark.django_db

ALREADY_USED = "already used for another form"


def post_vote(client, nominee, email, fields, **meta):
    url = reverse("nominations:category", kwargs={"slug": nominee.edition.slug, "category_slug": nominee.category.slug})
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, {"nominee": nominee.pk, "email": email, "consent": "on", **fields}, follow=True, **meta)


def test_vote_without_a_solved_challenge_is_refused_and_saves_nothing(client, nominee):
    response = post_vote(client, nominee, "anna@example.com", {"form_opened": stamp()})
    assert response.status_code == 400
    assert "check that you are not a robot is finished" in response.content.decode()
    assert not Vote.objects.exists() and not mail.outbox


def test_a_replayed_solution_is_refused_and_saves_nothing(client, nominee):
    fields = solved(nominee.edition)
    post_vote(client, nominee, "anna@example.com", fields)
    response = post_vote(client, nominee, "jan@example.com", fields)
    assert ALREADY_USED in response.content.decode()
    assert list(Vote.objects.values_list("email", flat=True)) == ["anna@example.com"]
    assert len(mail.outbox) == 1


def test_an_expired_solution_is_refused(client, nominee, settings):
    settings.ALTCHA_CHALLENGE_MAX_AGE = timedelta(seconds=-5)
    fields = solved(nominee.edition)
    settings.ALTCHA_CHALLENGE_MAX_AGE = timedelta(minutes=20)
    response = post_vote(client, nominee, "anna@example.com", fields)
    assert response.status_code == 400
    assert "has expired" in response.content.decode()
    assert not Vote.objects.exists()


def test_a_solution_for_another_edition_is_refused(client, nominee):
    other = EditionFactory()
    response = post_vote(client, nominee, "anna@example.com", {"altcha": solve(other), "form_opened": stamp()})
    assert response.status_code == 400
    assert "did not succeed" in response.content.decode()
    assert not Vote.objects.exists()


def _payload(edition, **change):
    document = json.loads(base64.b64decode(solve(edition)))
    for path, value in change.items():
        target = document
        *parents, leaf = path.split("__")
        for key in parents:
            target = target[key]
        target[leaf] = value
    return base64.b64encode(json.dumps(document).encode()).decode()


@pytest.mark.parametrize(
    "payload",
    [
        # What the widget posts in its test mode, and a payload signed with another key.
        lambda edition: base64.b64encode(b'{"challenge": null, "solution": null, "test": true}').decode(),
        lambda edition: _payload(edition, challenge__signature="0" * 64),
        lambda edition: _payload(edition, solution__derivedKey="00" * 32),
        lambda edition: _payload(edition, challenge__parameters__data={"edition": edition.pk + 1}),
        lambda edition: _payload(edition, challenge__parameters__expiresAt=4102444800),
        lambda edition: "not base64 at all" * 10,
        lambda edition: "A" * 5000,
    ],
)
def test_a_forged_or_broken_solution_is_refused(client, nominee, payload):
    response = post_vote(
        client, nominee, "anna@example.com", {"altcha": payload(nominee.edition), "form_opened": stamp()}
    )
    assert response.status_code == 400
    assert "did not succeed" in response.content.decode()
    assert not Vote.objects.exists()


@pytest.mark.parametrize("opened", ["", "1764600000.0", stamp()[:-3] + "abc"])
def test_a_form_without_a_valid_signed_open_time_is_refused(client, nominee, opened):
    response = post_vote(client, nominee, "anna@example.com", {"altcha": solve(nominee.edition), "form_opened": opened})
    assert response.status_code == 400
    assert "could not be checked" in response.content.decode()
    assert not Vote.objects.exists()


def test_the_vote_records_how_long_its_form_was_open(client, nominee):
    post_vote(client, nominee, "anna@example.com", solved(nominee.edition, seconds_ago=42))
    assert 42 <= Vote.objects.get().form_seconds < 52


def test_a_nomination_needs_a_solution_used_once_and_records_its_form_time(client, edition, category):
    url = reverse("nominations:nominate", kwargs={"slug": edition.slug})
    missing = client.post(url, {**form_data(category), "altcha": ""})
    assert missing.status_code == 400 and not Nomination.objects.exists()
    data = form_data(category)
    assert client.post(url, data).status_code == 302
    replayed = client.post(url, {**data, "firm_name": "Other name"})
    assert replayed.status_code == 400 and ALREADY_USED in replayed.content.decode()
    assert Nomination.objects.get().form_seconds >= 12


def test_a_replay_is_refused_while_redis_is_down_and_genuine_votes_are_still_taken(client, nominee, other_nominee):
    """Redis down: the database remembers redeemed challenges (SpentChallenge), so votes fail safe."""
    fields = solved(nominee.edition)
    cache_breaker.trip()
    try:
        post_vote(client, nominee, "anna@example.com", fields)
        replay = post_vote(client, other_nominee, "jan@example.com", fields)
        post_vote(client, other_nominee, "maria@example.com", solved(nominee.edition))
    finally:
        cache_breaker.reset()
    assert ALREADY_USED in replay.content.decode()
    assert sorted(Vote.objects.values_list("email", flat=True)) == ["anna@example.com", "maria@example.com"]
    assert SpentChallenge.objects.count() == 2


def test_the_challenge_carries_the_editions_difficulty_and_expiry(client, edition):
    url = reverse("nominations:challenge", kwargs={"slug": edition.slug})
    response = client.get(url)
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    issued = altcha.Challenge.from_dict(response.json())
    assert issued.parameters.data == {"edition": edition.pk}
    assert issued.parameters.algorithm == "SHA-256"
    # The hidden counter is at most the edition's max number (1,000 in the factory).
    counters = [altcha.solve_challenge(altcha.Challenge.from_dict(client.get(url).json())).counter for _i in range(20)]
    assert max(counters) <= edition.pow_max_number and len(set(counters)) > 1


def test_the_challenge_endpoint_is_rate_limited(client, edition, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_CHALLENGE = "2/h"
    url = reverse("nominations:challenge", kwargs={"slug": edition.slug})
    ip = f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"
    assert [client.get(url, REMOTE_ADDR=ip).status_code for _i in range(3)] == [200, 200, 429]


def test_the_forms_show_the_widget_with_its_strings_in_the_page_language(client, nominee):
    url = reverse("nominations:category", kwargs={"slug": nominee.edition.slug, "category_slug": nominee.category.slug})
    page = client.get(url.replace("/en/", "/pl/"), HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert f'challenge="/pl/e/{nominee.edition.slug}/challenge/"' in page
    assert 'language="pl"' in page and "Nie jestem robotem" in page
    assert "altcha/external/altcha.min.js" in page and "altcha/external/altcha.css" in page
    nominate = client.get(reverse("nominations:nominate", kwargs={"slug": nominee.edition.slug})).content.decode()
    assert "<altcha-widget" in nominate and 'name="form_opened"' in nominate


def test_database_refuses_a_difficulty_change_once_voting_opened(edition):
    with pytest.raises(DatabaseError), transaction.atomic():
        type(edition).objects.filter(pk=edition.pk).update(pow_max_number=2_000)
