"""Celery: the broker, queues, time limits and the beat schedule."""

from celery.schedules import crontab

from portal import background
from portal.env import env_bool, env_int, env_str

from .core import TESTING, TIME_ZONE
from .data import REDIS_URL

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
    # A vote partition for an edition made while the vote table was busy (docs/partitioning.md).
    "create-vote-partitions": {
        "task": "nominations.tasks.create_vote_partitions",
        "schedule": crontab(hour=env_int("NIGHTLY_RECOUNT_HOUR", 3), minute=5),
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
