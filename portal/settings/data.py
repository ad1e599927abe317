"""Where data lives: the databases, the cache, static files, uploads and object storage."""

import os
from pathlib import Path

import dj_database_url

from portal.env import env_bool, env_int, env_str

from .core import BASE_DIR, DEBUG, TESTING

# Database: SQLite for `make run`, PostgreSQL through DATABASE_URL elsewhere.
# Persistent connections with health checks: a connection dropped by the
# server is noticed at the start of a request instead of failing it.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that skips the per-request `SELECT 1` while the
    # connection is known good (portal/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "portal.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Behind PgBouncer (or another pooler) in transaction mode a server connection serves other
# clients between transactions, so nothing may rely on session state (README, "Production"):
# locks are transaction-scoped (portal/locks.py), SET is only SET LOCAL, and server-side
# cursors, which outlive a transaction in autocommit, are off. Long reads page by key instead.
# CONN_MAX_AGE then keeps the cheap client connection to PgBouncer, not a server one.
DATABASE_POOLER_TRANSACTION_MODE = env_bool("DATABASE_POOLER_TRANSACTION_MODE", False)
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_POOLER_TRANSACTION_MODE
# A connection straight to PostgreSQL, bypassing the pooler, for what needs a session: the outbox
# relay's LISTEN (portal/notify.py). Empty: DATABASE_URL.
DIRECT_DATABASE_URL = env_str("DIRECT_DATABASE_URL", "")
# A read replica for the public pages whose data is frozen (results, registry, verification):
# portal/replica.py routes their reads to it. Under pytest the alias is a mirror of the default
# database, and the router uses it only in tests that set READ_REPLICA.
REPLICA_DATABASE_URL = env_str("REPLICA_DATABASE_URL", "")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(
        REPLICA_DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True
    )
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_POOLER_TRANSACTION_MODE
elif TESTING:
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
READ_REPLICA = "replica" if REPLICA_DATABASE_URL else ""
DATABASE_ROUTERS = ["portal.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "portal"),
            "OPTIONS": {
                # A hung Redis must not hang a web request.
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The page frame's {% cache %} fragments (templates/base.html): the same for every request in a
# language, so each process keeps its own, in memory, never a round trip to Redis.
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "TIMEOUT": None,
}

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap from npm (package.json), served by staticfiles: no CDN.
    ("bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    # The site's typeface (Source Sans 3, SIL OFL 1.1) from npm, with its latin-ext subset for pl/ro.
    ("fonts/source-sans-3", BASE_DIR / "node_modules" / "@fontsource" / "source-sans-3"),
    # The ALTCHA widget from npm: its CSP build (external CSS, workers as files), no CDN.
    ("altcha", BASE_DIR / "node_modules" / "altcha" / "dist"),
]
# Uploaded evidence and certificate files live here when no object storage is configured; never
# served publicly (no media URL route): they are downloaded through views that check access.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
# Object storage (README, "Production"): with OBJECT_STORAGE_BUCKET set, certificate files and
# evidence live in an S3-compatible bucket (AWS S3, MinIO, Ceph, a cloud's S3 API), so every web
# node and worker reads the same objects; unset, on local disk under MEDIA_ROOT (one node only).
# The bucket stays private: downloads are streamed through the views after their access checks.
OBJECT_STORAGE_BUCKET = env_str("OBJECT_STORAGE_BUCKET", "")
if OBJECT_STORAGE_BUCKET:
    _OBJECT_STORAGE_ENDPOINT = env_str("OBJECT_STORAGE_ENDPOINT_URL", "")  # empty: AWS itself
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": OBJECT_STORAGE_BUCKET,
            "endpoint_url": _OBJECT_STORAGE_ENDPOINT or None,
            "region_name": env_str("OBJECT_STORAGE_REGION", "us-east-1"),
            # Empty: boto3's own chain (an instance or pod role, AWS_* variables).
            "access_key": env_str("OBJECT_STORAGE_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("OBJECT_STORAGE_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("OBJECT_STORAGE_PREFIX", ""),
            "default_acl": None,  # the bucket's own policy: private
            "file_overwrite": False,  # a regenerated certificate gets new names; the old ones are deleted after
            "querystring_auth": True,
            "querystring_expire": 60,
            # Path-style URLs: MinIO and most S3-compatible stores need them; AWS accepts them.
            "addressing_style": "path" if _OBJECT_STORAGE_ENDPOINT else None,
            "signature_version": "s3v4",
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
