"""Per-address limits on the public forms, with the wait they ask for.

A form submission is checked before it is handled and counted only once it is
accepted (a nomination saved, a vote sent): a refused one (a typo, a closed
window, a second vote) costs nothing, so a person correcting a form is never
locked out by their own mistakes. Look-ups (receipt, confirmation links) count
every request, as before. The counters are portal.ratelimit's fixed windows (one
Redis round trip), keyed by the hashed client address (client.ratelimit_key). A
submission is counted when it arrives and given back when it is refused, so an
accepted one costs a single round trip.
"""

import dataclasses
import functools
from dataclasses import dataclass
from math import ceil

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal import ratelimit

from . import challenge
from .client import ratelimit_key
from .exceptions import ChallengeReplayed


@dataclass(frozen=True)
class Limit:
    group: str
    setting: str  # the rate, like "10/h", in this setting

    @property
    def rate(self) -> str:
        return getattr(settings, self.setting)


NOMINATE = Limit("nominate", "RATELIMIT_NOMINATE")
VOTE = Limit("vote", "RATELIMIT_VOTE")
CONFIRM = Limit("confirm", "RATELIMIT_CONFIRM")
RECEIPT = Limit("receipt", "RATELIMIT_RECEIPT")
CHALLENGE = Limit("challenge", "RATELIMIT_CHALLENGE")


def take(request: HttpRequest, limit: Limit) -> int | None:
    """Count this request; seconds to wait if it is over the limit, else None (limits off or cache down: None)."""
    if not settings.RATELIMIT_ENABLE:
        return None
    return ratelimit.take(group=limit.group, key=ratelimit_key(request), rate=limit.rate)


def take_with_proof(request: HttpRequest, limit: Limit, proof: challenge.Proof) -> tuple[int | None, challenge.Proof]:
    """take() and the proof of work's redemption (challenge.redeem) in one Redis round trip.

    Returns (seconds to wait or None, the proof marked redeemed). Over the limit the proof
    is not redeemed (the voter may send it again later). A proof used before raises
    ChallengeReplayed with the hit already given back. Limits off, or no Redis to ask:
    challenge.redeem() does it (Redis, else the database).
    """
    claimed = None
    if settings.RATELIMIT_ENABLE:
        wait, claimed = ratelimit.take_and_claim(
            group=limit.group,
            key=ratelimit_key(request),
            rate=limit.rate,
            claim=challenge.redemption_key(proof),
            claim_seconds=challenge.seconds_left(proof),
        )
        if wait is not None:
            return wait, proof
    if claimed is False:
        raise ChallengeReplayed()
    if claimed is None:
        try:
            challenge.redeem(proof)
        except ChallengeReplayed:
            give_back(request, limit)
            raise
    return None, dataclasses.replace(proof, redeemed=True)


def give_back(request: HttpRequest, limit: Limit) -> None:
    """A counted submission was refused (bad input, closed window): it costs nothing."""
    if settings.RATELIMIT_ENABLE:
        ratelimit.give_back(group=limit.group, key=ratelimit_key(request), rate=limit.rate)


def with_retry_after(response: HttpResponse, seconds: int) -> HttpResponse:
    response["Retry-After"] = str(seconds)
    return response


def minutes(seconds: int) -> int:
    return max(1, ceil(seconds / 60))


def too_many(request: HttpRequest, seconds: int) -> HttpResponse:
    response = render(request, "429.html", {"retry_minutes": minutes(seconds)}, status=429)
    return with_retry_after(response, seconds)


def counted(limit: Limit):
    """View decorator for look-ups: every request counts; over the limit, the 429 page with Retry-After."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            seconds = take(request, limit)
            if seconds is not None:
                return too_many(request, seconds)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
