"""What /healthz/ checks: the database, Redis and the file storage, each on its own.

Each check answers "ok", "down" or "not configured" (Redis in `make run`), never the
error itself: the page is public, and the reason goes to the log. The probes are
bounded (Redis and storage in well under a second; the database by its own connect
timeout), so a load balancer's health check is not held up by a hung component.
"""

import logging
import uuid

import redis
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

logger = logging.getLogger(__name__)

OK = "ok"
DOWN = "down"
NOT_CONFIGURED = "not configured"
PROBE_PREFIX = "healthz/"


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means "down"
        logger.warning("health check: database down", exc_info=True)
        return DOWN
    return OK


def check_redis() -> str:
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError:
        logger.warning("health check: Redis down", exc_info=True)
        return DOWN
    return OK


def check_storage() -> str:
    """Write, read back and delete a small file where certificates and evidence go."""
    name = f"{PROBE_PREFIX}{uuid.uuid4().hex}.txt"
    try:
        saved = default_storage.save(name, ContentFile(b"ok"))
        try:
            with default_storage.open(saved) as probe:
                if probe.read() != b"ok":
                    return DOWN
        finally:
            default_storage.delete(saved)
    except Exception:  # OSError locally, botocore's errors on S3
        logger.warning("health check: storage down", exc_info=True)
        return DOWN
    return OK


def components() -> dict[str, str]:
    return {"database": check_database(), "redis": check_redis(), "storage": check_storage()}


def healthy(results: dict[str, str]) -> bool:
    return DOWN not in results.values()
