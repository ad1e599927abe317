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
# The hit and, while under the limit, a once-only claim (a proof of work's nonce) in the same
# round trip; a claim already taken gives the hit back (a refused submission costs nothing).
# Returns {hits, claimed}: claimed 1 taken now, 0 taken before, -1 not tried (over the limit).
_INCR_AND_CLAIM = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if n > tonumber(ARGV[2]) then return {n, -1} end
if redis.call('SET', KEYS[2], 1, 'NX', 'EX', ARGV[3]) then return {n, 1} end
redis.call('DECR', KEYS[1])
return {n - 1, 0}
"""
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
_scripts: dict[tuple[int, str], object] = {}


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
    try:
        return int(_script(redis_client, _INCR_WITH_EXPIRY)(keys=[key], args=[period]))
    except RedisError:
        cache_breaker.trip()
        return None


def _script(redis_client, source: str):
    client = redis_client()
    script = _scripts.get((id(client), source))
    if script is None:
        script = _scripts[(id(client), source)] = client.register_script(source)
    return script


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


def take_and_claim(
    *, group: str, key: str, rate: str, claim: str, claim_seconds: int
) -> tuple[int | None, bool | None]:
    """take(), and while under the limit claim a once-only cache key, in one Redis round trip.

    Returns (wait, claimed): wait as take() returns it; claimed True when this call took the
    claim, False when it was taken before (the hit is then given back, as for any refused
    submission), None when it was not tried: over the limit, or no Redis to ask (the caller
    then claims some other way). claim: a key of the default cache (cache.make_key's form,
    so cache.add() sees the same key).
    """
    redis_client = getattr(cache, "redis_client", None)
    if redis_client is None or not cache_breaker.allows():
        return take(group=group, key=key, rate=rate), None
    counter, limit, left = _window(group, key, rate)
    period = parse_rate(rate)[1] + 1
    try:
        hits, claimed = _script(redis_client, _INCR_AND_CLAIM)(
            keys=[counter, cache.make_and_validate_key(claim)], args=[period, limit, max(1, claim_seconds)]
        )
    except RedisError:
        cache_breaker.trip()
        return None, None
    if claimed == -1:
        return left, None
    return None, claimed == 1


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
