"""The vote form's challenge is fetched from the server for every vote, so its limit caps the votes of an address.

Found against the shipped defaults: RATELIMIT_VOTE was loosened to 1000/h for voters behind a
carrier's NAT (README, "Rate limits at a national peak"), but the widget must first fetch a
challenge, limited to 120/h per address: the 121st voter behind one carrier address in an hour
could not vote, and one person behind it could shut everyone else out with 120 plain GETs.
"""

import uuid

import pytest
from django.conf import settings as project_settings
from django.urls import reverse

from portal.ratelimit import parse_rate

pytestmark = pytest.mark.django_db

# README: "hundreds of real voters can share one address within an hour".
VOTERS_BEHIND_ONE_ADDRESS = 150


def per_hour(rate: str) -> float:
    count, seconds = parse_rate(rate)
    return count * 3600 / seconds


def test_the_shipped_challenge_limit_is_no_tighter_than_the_vote_limit():
    challenge = per_hour(project_settings.RATELIMIT_CHALLENGE)
    assert challenge >= per_hour(project_settings.RATELIMIT_VOTE) + per_hour(project_settings.RATELIMIT_NOMINATE)


def test_voters_behind_one_carrier_address_all_get_a_challenge(client, edition, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_CHALLENGE = project_settings.RATELIMIT_CHALLENGE  # the shipped default
    address = f"100.64.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"  # carrier-grade NAT space
    url = reverse("nominations:challenge", kwargs={"slug": edition.slug})
    refused = sum(client.get(url, REMOTE_ADDR=address).status_code == 429 for _i in range(VOTERS_BEHIND_ONE_ADDRESS))
    assert refused == 0, f"{refused} of {VOTERS_BEHIND_ONE_ADDRESS} voters got no challenge"
