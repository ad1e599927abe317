"""Django's Redis cache, failing open.

The cache holds only rate-limit counters and throw-away values. When Redis is
down or frozen, a vote must still be taken (the database is the truth), so
cache errors degrade to "nothing cached" instead of failing the request; the
socket timeouts in settings bound how long that takes.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

from portal.breaker import cache_breaker

_DOWN = object()


class PooledRedisCacheClient(RedisCacheClient):
    """Django's client builds a new redis.Redis (cheap pool, costly object) for every cache call; this keeps one per pool.

    redis.Redis is thread-safe: it takes a connection from its pool for each command.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class FailOpenRedisCache(RedisCache):
    breaker = cache_breaker

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledRedisCacheClient

    def redis_client(self):
        """The process's client on the cache's pool, for the few callers that speak Redis directly (portal.ratelimit)."""
        return self._cache.get_client(write=True)

    def _call(self, operation, *args):
        if not self.breaker.allows():
            return _DOWN
        try:
            return getattr(super(), operation)(*args)
        except RedisError:
            self.breaker.trip()
            return _DOWN

    def add(self, key, value, timeout=None, version=None):
        result = self._call("add", key, value, timeout, version)
        return True if result is _DOWN else result  # as if this were the first hit: limits fail open

    def get(self, key, default=None, version=None):
        result = self._call("get", key, default, version)
        return default if result is _DOWN else result

    def set(self, key, value, timeout=None, version=None):
        self._call("set", key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        result = self._call("incr", key, delta, version)
        if result is _DOWN:
            raise ValueError("cache unavailable")  # what django-ratelimit expects of a failed incr
        return result

    def delete(self, key, version=None):
        result = self._call("delete", key, version)
        return False if result is _DOWN else result
