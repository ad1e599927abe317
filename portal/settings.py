"""Settings, driven by environment variables (see .env.example).

With DEBUG off the defaults are the safe ones, and a missing SECRET_KEY or
ALLOWED_HOSTS stops start-up instead of running with a guess.
"""

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal import background
from portal.env import env_bool, env_colour, env_int, env_list, env_per_language, env_str

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", False)
# Under pytest: development defaults, but DEBUG stays off as in production.
TESTING = env_bool("TESTING", "pytest" in sys.modules)

# `manage.py makemigrations` only reads the models: it needs no secrets, so
# `manage.py makemigrations --check` runs on any machine (CI, a reviewer's).
MODELS_ONLY = Path(sys.argv[0]).name == "manage.py" and sys.argv[1:2] == ["makemigrations"]

if DEBUG or TESTING or MODELS_ONLY:
    SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
else:
    SECRET_KEY = env_str("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS when DEBUG is off.")

# A separate key for hashing client addresses, so rotating SECRET_KEY (sessions,
# tokens) does not break the fraud checks that compare networks over time.
IP_HASH_KEY = env_str("IP_HASH_KEY", SECRET_KEY)
# Signs the proof-of-work challenges of the vote and nomination forms (ALTCHA).
ALTCHA_HMAC_KEY = env_str("ALTCHA_HMAC_KEY", SECRET_KEY)

# The number of reverse proxies in front of the app that append to
# X-Forwarded-For. 0: trust only REMOTE_ADDR (nothing in the header can be believed).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "anymail",
    "portal.apps.PortalConfig",
    "audit",
    "nominations",
    "certification.apps.CertificationConfig",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "portal.context_processors.identity",
            ],
        },
    },
]

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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# django-axes, for the admin and the firm login: five wrong passwords for one user from one
# address lock that pair out for an hour; ten from one address over any user names lock the
# address (password spraying; portal/login_throttle.py).
AXES_HANDLER = "portal.login_throttle.AddressAndAccountHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"
# The same client address as the voting pages: X-Forwarded-For only as far as
# TRUSTED_PROXY_COUNT proxies vouch for it (django-ipware is not installed).
AXES_CLIENT_IP_CALLABLE = "nominations.client.client_ip"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("pl", _("Polish")),
    ("ro", _("Romanian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Warsaw")
USE_I18N = True
USE_TZ = True

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

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: printed to the console unless an SMTP host is configured.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Customers' Friend <no-reply@localhost>")
# Mail at volume through a provider's HTTP API with django-anymail: set EMAIL_BACKEND to
# anymail.backends.<provider>.EmailBackend (amazon_ses, mailgun, postmark, sendgrid, brevo, ...)
# and the provider's settings as ANYMAIL_<NAME> (ANYMAIL_MAILGUN_API_KEY=..., anymail's names).
# The provider's tracking webhook, /anymail/<provider>/tracking/, protected by
# ANYMAIL_WEBHOOK_SECRET ("user:password" in the webhook URL), feeds the bounce suppression
# list (nominations/suppression.py) that the vote mail respects.
ANYMAIL = {
    name.removeprefix("ANYMAIL_"): value for name, value in os.environ.items() if name.startswith("ANYMAIL_") and value
}
# No secret configured: a random one, so the webhook refuses every caller rather than letting
# anyone put voters' addresses on the suppression list.
ANYMAIL["WEBHOOK_SECRET"] = env_str("ANYMAIL_WEBHOOK_SECRET", f"unset:{secrets.token_urlsafe(32)}")
# The provider whose tracking webhook is mounted (portal/urls.py): the one EMAIL_BACKEND
# names (anymail.backends.<provider>.EmailBackend), or none.
ANYMAIL_PROVIDER = (
    EMAIL_BACKEND.split(".")[2]
    if EMAIL_BACKEND.startswith("anymail.backends.") and EMAIL_BACKEND.count(".") >= 3
    else ""
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The address links in e-mails point to (no request at hand in a Celery task), and the
# verification host printed on every certificate.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The programme's identity, shown on the public pages, e-mails, certificates and logos
# (portal/identity.py). A name or title set for one language must be set for all three
# (portal/checks.py); unset, each language has its translated default.
PROGRAMME_NAME = env_per_language("PROGRAMME_NAME")  # default: "Customers' Friend"
CERTIFICATE_TITLE = env_per_language("CERTIFICATE_TITLE")  # default: "Customer Friendly Certificate"
CERTIFYING_BODY_NAME = env_str("CERTIFYING_BODY_NAME", "ICERTIAS")
CERTIFYING_BODY_ADDRESS = env_str("CERTIFYING_BODY_ADDRESS", "")  # default: "Zurich, Switzerland", translated
CERTIFYING_BODY_CONTACT = env_str("CERTIFYING_BODY_CONTACT", "")  # an e-mail or web address; none by default
# The medal's colours: rim and ribbon, face, and lettering.
MARK_RIM_COLOUR = env_colour("MARK_RIM_COLOUR", "#B8860B")
MARK_FACE_COLOUR = env_colour("MARK_FACE_COLOUR", "#F3E3A6")
MARK_INK_COLOUR = env_colour("MARK_INK_COLOUR", "#1F2A36")

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
# Tests run tasks eagerly too, except the ones that start a real worker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", TESTING or not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis re-delivers an unacknowledged task after this long: above the longest
    # hard time limit (portal/background.py), so a running task is never taken twice.
    # Votes never wait for it: the sweep below and the one at worker start count them.
    "visibility_timeout": background.LONGEST_HARD_LIMIT + 60,
    "socket_timeout": 1,
    "socket_connect_timeout": 1,
    "max_retries": 1,
}
# A queue per kind of work (mail, tallies, files), a worker per queue, a time limit per task.
CELERY_TASK_ROUTES = background.task_routes()
CELERY_TASK_ANNOTATIONS = background.task_annotations()
CELERY_TASK_DEFAULT_QUEUE = background.TALLIES
# A safety net for a task missing from the table (a test fails for that).
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TIMEZONE = TIME_ZONE
# Publishing must not hang a web request on a dead broker: one quick retry, then
# the caller falls back (see portal/dispatch.py) and the sweep catches up.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
CELERY_BEAT_SCHEDULE = {
    # Counts what changed (the votes marked as waiting), in bounded batches.
    "reconcile": {
        "task": "nominations.tasks.reconcile",
        "schedule": float(env_int("RECONCILE_EVERY_SECONDS", 300)),
    },
    # The short sweep: votes whose task died with its worker are counted within a minute.
    # Cheap when nothing waits (two small partial indexes).
    "process-votes-sweep": {
        "task": "nominations.tasks.process_votes",
        "schedule": float(env_int("PROCESS_SWEEP_EVERY_SECONDS", 30)),
    },
    # Every tally recomputed from the votes, an edition (and a chunk of nominees) at a time.
    "nightly-recount": {
        "task": "nominations.tasks.nightly_recount",
        "schedule": crontab(hour=env_int("NIGHTLY_RECOUNT_HOUR", 3), minute=15),
    },
    "forget-old-mail-sends": {
        "task": "nominations.tasks.forget_old_mail_sends",
        "schedule": 3600.0,
    },
    # The per-nominee integrity assessment (nominations.fraud.assess): reviews open as campaigns grow.
    "review-integrity": {
        "task": "nominations.tasks.review_integrity",
        "schedule": float(env_int("INTEGRITY_REVIEW_EVERY_SECONDS", 3600)),
    },
    "finalise-closed-editions": {
        "task": "nominations.tasks.finalise_closed_editions",
        "schedule": 60.0,
    },
    # Qualification of editions whose final tally exists (normally queued at once when the tally is final).
    "qualify-finalised-editions": {
        "task": "certification.tasks.qualify_finalised_editions",
        "schedule": 60.0,
    },
    # The outbox's backstop: what the relay (manage.py outbox_relay) has not handed over, should it be down.
    "relay-outbox": {
        "task": "nominations.tasks.relay_outbox",
        "schedule": float(env_int("OUTBOX_BACKSTOP_SECONDS", 60)),
    },
    # Certificates whose files task never arrived (broker down at issue time).
    "certificate-files": {
        "task": "certification.tasks.sweep_certificate_files",
        "schedule": 300.0,
    },
}

# Voting rules.
VOTE_CONFIRM_MAX_AGE = timedelta(hours=env_int("VOTE_CONFIRM_MAX_AGE_HOURS", 48))
# The same confirmation e-mail is not sent again within this time.
VOTE_EMAIL_COOLDOWN = timedelta(seconds=env_int("VOTE_EMAIL_COOLDOWN_SECONDS", 300))
# Vote mails per inbox per day (see nominations/mail_budget.py): what one client network may
# make one inbox receive, and the ceiling over all networks (past it, only a network that
# has sent that inbox nothing today gets one mail, so a stranger cannot shut its owner out).
VOTE_EMAILS_PER_ADDRESS_PER_DAY = env_int("VOTE_EMAILS_PER_ADDRESS_PER_DAY", 10)
VOTE_EMAILS_PER_INBOX_PER_DAY = env_int("VOTE_EMAILS_PER_INBOX_PER_DAY", 30)
# A proof-of-work challenge (its difficulty is an edition setting) must be solved and sent
# within this time; each is accepted once.
ALTCHA_CHALLENGE_MAX_AGE = timedelta(seconds=env_int("ALTCHA_CHALLENGE_MAX_AGE_SECONDS", 1200))
# Domains whose mailboxes ignore dots and "+tags", so one inbox has many spellings.
CANONICAL_DOTLESS_DOMAINS = env_list("CANONICAL_DOTLESS_DOMAINS", "gmail.com,googlemail.com")

# Fraud checks (see the README, "Vote integrity", for what each one catches).
# Per vote: confirmed sooner than this after the first valid link left.
FRAUD_FAST_CONFIRM_SECONDS = env_int("FRAUD_FAST_CONFIRM_SECONDS", 5)
# A vote farm: a network with at least this many votes in an edition, all for one nominee.
FRAUD_FARM_MIN_VOTES = env_int("FRAUD_FARM_MIN_VOTES", 12)
# One user agent on one network on one day from this many voters, all for one nominee.
FRAUD_CLUSTER_MIN_VOTERS = env_int("FRAUD_CLUSTER_MIN_VOTERS", 20)
# An unlisted domain is judged throw-away from this many voters with machine-made names.
FRAUD_THROWAWAY_MIN_VOTERS = env_int("FRAUD_THROWAWAY_MIN_VOTERS", 5)
# Per nominee: the integrity assessment looks at nominees with at least this many confirmed votes.
FRAUD_ASSESS_MIN_VOTES = env_int("FRAUD_ASSESS_MIN_VOTES", 20)

# Background processing: confirmed votes per fraud-check/tally batch, and how
# often beat sweeps up anything whose task never arrived.
TALLY_BATCH_SIZE = env_int("TALLY_BATCH_SIZE", 20000)
# Nominees per transaction of a full recount (each reads its nominees' votes through the covering index).
RECOUNT_CHUNK_NOMINEES = env_int("RECOUNT_CHUNK_NOMINEES", 500)
RECONCILE_EVERY_SECONDS = env_int("RECONCILE_EVERY_SECONDS", 300)
# The outbox relay (nominations/outbox.py): it wakes on NOTIFY, and at least this often on its own
# (the catch-up); a mail handed to a worker but not sent within the lease is handed over again;
# it records a heartbeat for the Background jobs page this often.
OUTBOX_CATCH_UP_SECONDS = env_int("OUTBOX_CATCH_UP_SECONDS", 5)
OUTBOX_MAIL_LEASE = timedelta(seconds=env_int("OUTBOX_MAIL_LEASE_SECONDS", 300))
OUTBOX_HEARTBEAT_SECONDS = env_int("OUTBOX_HEARTBEAT_SECONDS", 5)

# Certificates (see the README, "## Certificates").
# Winners per category of an edition.
CERTIFICATES_PER_CATEGORY = env_int("CERTIFICATES_PER_CATEGORY", 1)
# A certificate is valid from its issue date for this many days (the last day included).
CERTIFICATE_VALIDITY_DAYS = env_int("CERTIFICATE_VALIDITY_DAYS", 365)
# The certificate font: static TrueType files of Source Sans 3 (SIL OFL 1.1) from the npm
# package source-sans (package.json), installed by `npm ci` as Bootstrap is.
CERTIFICATE_FONT_DIR = Path(env_str("CERTIFICATE_FONT_DIR", str(BASE_DIR / "node_modules" / "source-sans" / "TTF")))
# Signing (certification/certificates/signing.py; README "Verifying a certificate"). PEM files:
# the PDF signing key and its certificate chain (signer first), and the Ed25519 key of the
# Open Badges credentials. `manage.py make_signing_key` writes a self-signed development
# pair at these paths (signing/ is ignored by git); production mounts the real ones.
SIGNING_DIR = Path(env_str("SIGNING_DIR", str(BASE_DIR / "signing")))
CERTIFICATE_SIGNING_KEY = Path(env_str("CERTIFICATE_SIGNING_KEY", str(SIGNING_DIR / "pdf-signing-key.pem")))
CERTIFICATE_SIGNING_CHAIN = Path(env_str("CERTIFICATE_SIGNING_CHAIN", str(SIGNING_DIR / "pdf-signing-chain.pem")))
CERTIFICATE_SIGNING_KEY_PASSPHRASE = env_str("CERTIFICATE_SIGNING_KEY_PASSPHRASE", "")
CREDENTIAL_SIGNING_KEY = Path(env_str("CREDENTIAL_SIGNING_KEY", str(SIGNING_DIR / "credential-ed25519-key.pem")))
# Public halves of retired credential keys (PEM paths), still published in the JWKS so that
# credentials they signed keep verifying after a key change.
CREDENTIAL_RETIRED_PUBLIC_KEYS = env_list("CREDENTIAL_RETIRED_PUBLIC_KEYS", "")
# The live badge (/badge/<serial>.svg) may be cached this long by browsers and proxies: a
# revocation shows on firms' sites within this time (at most an hour).
BADGE_MAX_AGE_SECONDS = env_int("BADGE_MAX_AGE_SECONDS", 300)
# Files people upload to the verification page (PDF, PNG, SVG, credential JSON or JWT).
VERIFY_UPLOAD_MAX_BYTES = env_int("VERIFY_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
# The invitation link to a firm account works once, for this long.
FIRM_INVITATION_MAX_AGE = timedelta(days=env_int("FIRM_INVITATION_MAX_AGE_DAYS", 7))
# Bump when the logo usage terms change: every firm accepts the new version once.
LOGO_TERMS_VERSION = env_str("LOGO_TERMS_VERSION", "2026-1")
# Firms sign in here (the admin has its own login).
LOGIN_URL = "certification:firm_login"
LOGIN_REDIRECT_URL = "certification:firm_dashboard"

# Per-IP rate limits (portal/ratelimit.py; count/period, e.g. 30/h or 10/5m).
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
RATELIMIT_NOMINATE = env_str("RATELIMIT_NOMINATE", "10/h")
RATELIMIT_VOTE = env_str("RATELIMIT_VOTE", "1000/h")
RATELIMIT_CONFIRM = env_str("RATELIMIT_CONFIRM", "2000/h")
RATELIMIT_RECEIPT = env_str("RATELIMIT_RECEIPT", "60/h")
# Files checked on the verification page (a PDF signature check costs tens of milliseconds).
RATELIMIT_VERIFY_UPLOAD = env_str("RATELIMIT_VERIFY_UPLOAD", "60/h")
# Proof-of-work challenges: a voter fetches one per form, again after an error or expiry.
RATELIMIT_CHALLENGE = env_str("RATELIMIT_CHALLENGE", "120/h")

# Content Security Policy: everything from our own origin, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not (DEBUG or TESTING):
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # the container health check speaks plain HTTP
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    if TRUSTED_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# No raw client address and no confirmation or invitation token in any log line (portal/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact": {"()": "portal.logs.RedactingFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
