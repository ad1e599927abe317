"""A per-process circuit breaker for Redis (cache and broker).

When Redis is down or frozen, every call would wait for its socket timeout;
after one failure the breaker stays open for a while and callers skip Redis
at once, so a voter's request never queues behind a dead connection.
"""

import logging
import time
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)


class Breaker:
    def __init__(self, name: str, open_seconds: float):
        self.name = name
        self.open_seconds = open_seconds
        self._open_until = 0.0

    def allows(self) -> bool:
        return time.monotonic() >= self._open_until

    def trip(self) -> None:
        if self.allows():
            logger.warning("%s unavailable; skipping it for %.0f s", self.name, self.open_seconds)
        self._open_until = time.monotonic() + self.open_seconds

    def reset(self) -> None:
        self._open_until = 0.0


def _server(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 6379}" if parts.scheme.startswith("redis") else url


cache_breaker = Breaker("cache (Redis)", open_seconds=15)
# One Redis server behind both (the usual REDIS_URL set-up): one breaker, so a
# request that found the cache frozen does not then wait for the broker too.
if settings.REDIS_URL and _server(settings.CELERY_BROKER_URL) == _server(settings.REDIS_URL):
    broker_breaker = cache_breaker
else:
    broker_breaker = Breaker("task broker (Redis)", open_seconds=15)
