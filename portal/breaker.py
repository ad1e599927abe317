"""A per-process circuit breaker for Redis (cache and broker).

When Redis is down or frozen, every call would wait for its socket timeout;
after one failure the breaker stays open for a while and callers skip Redis
at once, so a voter's request never queues behind a dead connection.
"""

import logging
import time

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


cache_breaker = Breaker("cache (Redis)", open_seconds=15)
broker_breaker = Breaker("task broker (Redis)", open_seconds=15)
