"""The rate limiter: one Redis round trip per request, on the cache's shared client, failing open."""

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid

import pytest
from django.core.cache import cache, caches
from redis.connection import Connection

from portal import ratelimit
from portal.breaker import cache_breaker

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")


@pytest.fixture(autouse=True)
def _closed_breaker():
    cache_breaker.reset()
    yield
    cache_breaker.reset()


def test_rates_read_as_count_per_period():
    assert ratelimit.parse_rate("30/h") == (30, 3600)
    assert ratelimit.parse_rate("10/5m") == (10, 300)
    with pytest.raises(ValueError):
        ratelimit.parse_rate("30 per hour")


def test_the_limit_holds_within_a_window_and_per_key():
    key = uuid.uuid4().hex
    assert [ratelimit.allowed(group="t", key=key, rate="2/h") for _i in range(3)] == [True, True, False]
    assert ratelimit.allowed(group="t", key=uuid.uuid4().hex, rate="2/h")
    assert ratelimit.allowed(group="other", key=key, rate="2/h")


@needs_redis
def test_a_hit_is_one_round_trip_on_one_shared_client(monkeypatch):
    ratelimit.allowed(group="t", key="warm-up", rate="5/h")  # loads the script once per process
    sent = []
    original = Connection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", counting)
    ratelimit.allowed(group="t", key=uuid.uuid4().hex, rate="5/h")
    assert len(sent) == 1
    assert cache.redis_client() is cache.redis_client()  # not a new client per call (Django's default)


@needs_redis
def test_the_counter_expires_with_its_window():
    key = uuid.uuid4().hex
    ratelimit.allowed(group="t", key=key, rate="5/m")
    window = int(time.time() // 60)
    ttl = cache.redis_client().ttl(f"rl:t:{key}:{window}")
    assert 0 < ttl <= 61


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def frozen_redis(settings):
    """A redis-server of this test's own, frozen with SIGSTOP (never the shared one), as the cache."""
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server")
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        settings.CACHES = {
            "default": {
                "BACKEND": "portal.cache.FailOpenRedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        assert ratelimit.allowed(group="t", key="before", rate="5/h")  # it works while Redis runs
        server.send_signal(signal.SIGSTOP)
        yield
    finally:
        server.send_signal(signal.SIGCONT)
        server.terminate()
        server.wait()
        caches["default"].close()


def test_a_frozen_redis_lets_requests_through_and_is_then_skipped(frozen_redis):
    started = time.monotonic()
    assert ratelimit.allowed(group="t", key="k", rate="1/h")
    assert time.monotonic() - started < 2  # one socket timeout (0.5 s), not a hung request
    assert not cache_breaker.allows()
    started = time.monotonic()
    assert all(ratelimit.allowed(group="t", key="k", rate="1/h") for _i in range(20))
    assert time.monotonic() - started < 0.1  # the breaker skips Redis at once
