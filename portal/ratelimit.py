"""Per-client rate limits: one Redis round trip per request, failing open when Redis is down.

A fixed window per (group, client key): a Lua script increments the window's counter
and sets its expiry on the first hit, atomically, in one round trip on the cache's
shared connection pool (django-ratelimit took three: add, incr, and a get). When
Redis is down or frozen the request is let through (the circuit breaker then skips
Redis at once for a while): a cache outage must not turn every vote into a 429,
and the database's own rules (one counted vote per person and category, the daily
mail budget) still hold. Without Redis (make run, the SQLite tests) the counters live
in Django's per-process cache.
"""

import functools
import math
import re
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from redis.exceptions import RedisError

from portal.breaker import cache_breaker
from portal.views import rate_limited

_INCR_WITH_EXPIRY = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
_scripts: dict[int, object] = {}


def parse_rate(rate: str) -> tuple[int, int]:
    """'30/h' -> (30, 3600); '10/5m' -> (10, 300). The syntax the RATELIMIT_* settings have always used."""
    match = _RATE.match(rate.strip())
    if not match:
        raise ValueError(f"not a rate: {rate!r} (count/period, e.g. 30/h or 10/5m)")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNITS[unit]


def _count(key: str, period: int) -> int | None:
    """This window's hits for the key, this one included; None when Redis cannot say (fail open)."""
    redis_client = getattr(cache, "redis_client", None)
    if redis_client is None:
        cache.add(key, 0, period)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            return None
    if not cache_breaker.allows():
        return None
    client = redis_client()
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_INCR_WITH_EXPIRY)
    try:
        return int(script(keys=[key], args=[period]))
    except RedisError:
        cache_breaker.trip()
        return None


def _window(group: str, key: str, rate: str) -> tuple[str, int, int]:
    """(counter key, limit, seconds left in the window) of a fixed window of the rate."""
    limit, period = parse_rate(rate)
    now = time.time()
    window = int(now // period)
    return f"rl:{group}:{key}:{window}", limit, max(1, int((window + 1) * period - now))


def take(*, group: str, key: str, rate: str) -> int | None:
    """Count one hit; the seconds until the window ends once the key is past the rate, else None."""
    counter, limit, left = _window(group, key, rate)
    count = _count(counter, parse_rate(rate)[1] + 1)
    return None if count is None or count <= limit else left


def give_back(*, group: str, key: str, rate: str) -> None:
    """Un-count one hit of the current window (a refused submission costs nothing). Best effort."""
    counter = _window(group, key, rate)[0]
    redis_client = getattr(cache, "redis_client", None)
    try:
        if redis_client is None:
            cache.decr(counter)
        elif cache_breaker.allows():
            redis_client().decr(counter)
    except (ValueError, RedisError):
        pass  # expired or Redis away: at worst one refused submission counted


def allowed(*, group: str, key: str, rate: str) -> bool:
    """Count one hit; False once the key has used up the rate in the current window."""
    return take(group=group, key=key, rate=rate) is None


def rate_limit(
    *, group: str, rate_setting: str, key: Callable[[HttpRequest], str], methods: tuple[str, ...] = ("POST",)
):
    """A view decorator: past the rate (settings.<rate_setting>) for its key, the 429 page with Retry-After."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if settings.RATELIMIT_ENABLE and request.method in methods:
                wait = take(group=group, key=key(request), rate=getattr(settings, rate_setting))
                if wait is not None:
                    return rate_limited_response(request, wait)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def rate_limited_response(request: HttpRequest, wait: int) -> HttpResponse:
    """The 429 page, saying how long to wait, in minutes and in the Retry-After header."""
    response = rate_limited(request, retry_minutes=max(1, math.ceil(wait / 60)))
    response["Retry-After"] = str(wait)
    return response
