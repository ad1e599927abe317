import pytest
from django.core.cache.backends.redis import RedisCache

from portal.breaker import cache_breaker
from portal.cache import FailOpenRedisCache


@pytest.fixture(autouse=True)
def _closed_breaker():
    cache_breaker.reset()
    yield
    cache_breaker.reset()


def test_unreachable_redis_degrades_to_no_cache_instead_of_failing():
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    cache = FailOpenRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    assert cache.add("k", 1, 60) is True
    assert cache.get("k", "default") == "default"
    cache.set("k", 2)
    assert cache.delete("k") is False
    try:
        cache.incr("k")
    except ValueError:
        pass
    else:
        raise AssertionError("incr on a down cache must raise ValueError, as a missing key does")


def test_plain_redis_cache_would_fail_the_request():
    cache = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    try:
        cache.add("k", 1, 60)
    except Exception as error:  # noqa: BLE001
        assert "Connection" in type(error).__name__ or "refused" in str(error).lower()
    else:
        raise AssertionError("expected the plain cache to raise")


def test_after_one_failure_the_cache_is_skipped_without_waiting(monkeypatch):
    cache = FailOpenRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    cache.get("k")
    assert not cache_breaker.allows()

    def must_not_be_called(*args, **kwargs):
        raise AssertionError("Redis was called while the breaker is open")

    monkeypatch.setattr(RedisCache, "get", must_not_be_called)
    assert cache.get("k", "fallback") == "fallback"


def test_cache_and_broker_on_one_redis_server_share_one_breaker(settings):
    from portal import breaker

    assert breaker._server("redis://127.0.0.1:6379/0") == breaker._server("redis://127.0.0.1/3")
    assert breaker._server("redis://127.0.0.1:6379/0") != breaker._server("redis://10.0.0.2:6379/0")
    if settings.REDIS_URL and breaker._server(settings.CELERY_BROKER_URL) == breaker._server(settings.REDIS_URL):
        assert breaker.broker_breaker is breaker.cache_breaker
    else:
        assert breaker.broker_breaker is not breaker.cache_breaker
