"""Limits on the public forms that count only what they accept, and keep what was typed.

A form submission is checked before it is handled (a peek, portal.ratelimit.used_up)
and counted only once it is accepted (a nomination saved, a vote sent): a refused one (a
typo, a closed window, a second vote) costs nothing, so a person correcting a form is
never locked out by their own mistakes. Over the limit the view shows the form again with
what was typed, status 429 and Retry-After. Look-ups (receipt, confirmation links, robot
checks) count every request with portal.ratelimit.rate_limit.
"""

from dataclasses import dataclass
from math import ceil

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from portal import ratelimit

from .client import ratelimit_key


@dataclass(frozen=True)
class Limit:
    group: str
    setting: str  # the rate, like "10/h", in this setting

    @property
    def rate(self) -> str:
        return getattr(settings, self.setting)


NOMINATE = Limit("nominate", "RATELIMIT_NOMINATE")
VOTE = Limit("vote", "RATELIMIT_VOTE")


def wait_seconds(request: HttpRequest, limit: Limit) -> int | None:
    """Seconds until this address may submit again, or None while it may (counts nothing)."""
    if not settings.RATELIMIT_ENABLE:
        return None
    return ratelimit.used_up(group=limit.group, key=ratelimit_key(request), rate=limit.rate)


def spend(request: HttpRequest, limit: Limit) -> None:
    """Count one accepted submission."""
    if settings.RATELIMIT_ENABLE:
        ratelimit.allowed(group=limit.group, key=ratelimit_key(request), rate=limit.rate)


def with_retry_after(response: HttpResponse, seconds: int) -> HttpResponse:
    response["Retry-After"] = str(seconds)
    return response


def minutes(seconds: int) -> int:
    return max(1, ceil(seconds / 60))
