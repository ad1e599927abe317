"""The vote POST's common case (views._vote_accepted): the form's rules without the form, one Redis round trip."""

import os
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.http import QueryDict
from django.test import TestCase
from django.urls import reverse
from redis.connection import Connection

from nominations.forms import VoteForm
from nominations.models import Vote
from tests.challenge import solve, solved, stamp
from tests.factories import NomineeFactory
from tests.nominations.test_rate_limits import fresh_ip

pytestmark = pytest.mark.django_db

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
ALREADY_USED = "already used for another form"


@pytest.fixture
def limits(settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_VOTE = "2/h"


def post_url(nominee):
    return reverse(
        "nominations:category", kwargs={"slug": nominee.edition.slug, "category_slug": nominee.category.slug}
    )


def post(client, nominee, fields, **meta):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(post_url(nominee), fields, **meta)


def vote_fields(nominee, email="anna@example.com", **extra):
    return {"nominee": nominee.pk, "email": email, "consent": "on", **solved(nominee.edition), **extra}


def variants(nominee, other_nominee):
    """Posted forms the quick check must judge as the form does: valid ones and each way to be invalid."""
    good = vote_fields(nominee)
    stranger = NomineeFactory()  # another category, of another edition
    return {
        "valid": good,
        "valid, address with spaces around it": {**good, "email": "  anna@example.com "},
        "valid, honeypot filled (a bot: valid, not recorded)": {**good, "homepage": "http://spam"},
        "valid, consent spelled true": {**good, "consent": "true"},
        "another nominee than the one offered": {**good, "nominee": other_nominee.pk},
        "another category's nominee": {**good, "nominee": stranger.pk},
        "nominee with a leading zero": {**good, "nominee": f"0{nominee.pk}"},
        "no nominee": {k: v for k, v in good.items() if k != "nominee"},
        "no consent": {k: v for k, v in good.items() if k != "consent"},
        "consent false": {**good, "consent": "false"},
        "bad address": {**good, "email": "anna@"},
        "reserved domain": {**good, "email": "anna@localhost"},
        "address too long": {**good, "email": "a" * 250 + "@example.com"},
        "no address": {**good, "email": ""},
        "honeypot too long": {**good, "homepage": "x" * 201},
        "no proof of work": {k: v for k, v in good.items() if k != "altcha"},
        "broken proof of work": {**good, "altcha": "bm90IGpzb24="},
        "no open time": {k: v for k, v in good.items() if k != "form_opened"},
        "forged open time": {**good, "form_opened": stamp() + "x"},
        "proof of another edition": {**good, "altcha": solve(stranger.edition)},
    }


def test_the_quick_check_accepts_exactly_what_the_vote_form_accepts(nominee, other_nominee, settings):
    edition = nominee.edition
    for name, fields in variants(nominee, other_nominee).items():
        data = QueryDict(urlencode(fields))  # as request.POST has it: strings
        form = VoteForm(data, nominees=[nominee], edition=edition)
        quick = VoteForm.accepted(data, nominee=nominee, edition=edition)
        assert form.is_valid() == (quick is not None), name
        if quick is not None:
            assert quick.email == form.cleaned_data["email"], name
            assert quick.is_bot == form.is_bot, name
            assert quick.proof.nonce == form.proof.nonce and not quick.proof.redeemed, name


@needs_redis
def test_an_accepted_vote_asks_redis_once_for_the_limit_and_the_proof(client, nominee, limits, monkeypatch):
    post(client, nominee, vote_fields(nominee, "warm@example.com"), REMOTE_ADDR=fresh_ip())  # loads the script
    sent = []
    original = Connection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", counting)
    # Not through post(): the outbox's on-commit pass (eager mode in tests) is no part of the request.
    response = client.post(post_url(nominee), vote_fields(nominee), REMOTE_ADDR=fresh_ip())
    monkeypatch.undo()
    assert response.status_code == 302
    assert Vote.objects.filter(email="anna@example.com").exists()
    assert len(sent) == 1


@pytest.mark.parametrize("with_limits", [True, False], ids=["limits on", "limits off"])
def test_a_replayed_proof_is_refused_and_costs_no_hit(client, nominee, settings, with_limits):
    settings.RATELIMIT_ENABLE = with_limits
    settings.RATELIMIT_VOTE = "2/h"
    ip = fresh_ip()
    fields = vote_fields(nominee)
    assert post(client, nominee, fields, REMOTE_ADDR=ip).status_code == 302
    replay = post(client, nominee, {**fields, "email": "jan@example.com"}, REMOTE_ADDR=ip, follow=True)
    assert ALREADY_USED in replay.content.decode()
    # The replay was given back: the second of the hour's two votes is still taken.
    assert post(client, nominee, vote_fields(nominee, "ola@example.com"), REMOTE_ADDR=ip).status_code == 302
    assert sorted(Vote.objects.values_list("email", flat=True)) == ["anna@example.com", "ola@example.com"]
    assert len(mail.outbox) == 2


def test_over_the_limit_a_valid_vote_gets_429_and_its_proof_stays_unused(client, nominee, limits):
    ip = fresh_ip()
    for n in range(2):
        assert post(client, nominee, vote_fields(nominee, f"v{n}@example.com"), REMOTE_ADDR=ip).status_code == 302
    fields = vote_fields(nominee, "late@example.com")
    limited = post(client, nominee, fields, REMOTE_ADDR=ip)
    assert limited.status_code == 429 and limited["Retry-After"]
    # From another address the same proof is still good: the limited request did not spend it.
    assert post(client, nominee, fields, REMOTE_ADDR=fresh_ip()).status_code == 302
    assert Vote.objects.filter(email="late@example.com").count() == 1
