"""Which Celery queue each task runs on, and how long it may run: one table, read by settings.

Three kinds of work, each on its own queue with its own worker (docker-compose.yml), so
that a long recount never holds up a confirmation mail, and a slow PDF never holds up
either:

- mail: short, outside I/O (SMTP or the mail provider's API);
- tallies: vote processing, recounts, settling flags, qualification (database work);
- files: certificate documents (CPU and storage).

Every task has a soft limit (SoftTimeLimitExceeded is raised in the task: its
transaction rolls back) and a hard one (the worker kills the child). Every step
of the database work is bounded (a batch, a chunk of nominees), so the limits
are far above a normal run; the broker's visibility timeout (settings) is
above the longest hard limit, so a running task is never delivered twice.

A task missing here fails tests/portal/test_background_limits.py.
"""

from typing import NamedTuple

MAIL, TALLIES, FILES = "mail", "tallies", "files"
QUEUES = (MAIL, TALLIES, FILES)


class TaskLimits(NamedTuple):
    queue: str
    soft: int  # seconds
    hard: int  # seconds


TASKS: dict[str, TaskLimits] = {
    # One SMTP conversation (EMAIL_TIMEOUT 10 s) plus rendering.
    "nominations.tasks.send_vote_email": TaskLimits(MAIL, 30, 45),
    "certification.tasks.send_firm_invitation": TaskLimits(MAIL, 30, 45),
    # The outbox's backstop: hands unsent mails to the mail queue (database work, short).
    "nominations.tasks.relay_outbox": TaskLimits(MAIL, 30, 45),
    # One batch of TALLY_BATCH_SIZE votes: seconds; the task queues the next batch itself.
    "nominations.tasks.process_votes": TaskLimits(TALLIES, 120, 150),
    # Bounded batches until nothing waits or its time budget is spent (then it queues process_votes).
    "nominations.tasks.reconcile": TaskLimits(TALLIES, 240, 300),
    "nominations.tasks.finalise_closed_editions": TaskLimits(TALLIES, 540, 600),
    "nominations.tasks.nightly_recount": TaskLimits(TALLIES, 60, 90),
    "nominations.tasks.recount_edition": TaskLimits(TALLIES, 540, 600),
    "nominations.tasks.settle_flags": TaskLimits(TALLIES, 240, 300),
    "nominations.tasks.forget_old_mail_sends": TaskLimits(TALLIES, 60, 90),
    # A CREATE TABLE per edition without a partition, each giving up after 2 s of waiting for the lock.
    "nominations.tasks.create_vote_partitions": TaskLimits(TALLIES, 60, 90),
    # The per-nominee integrity assessment over the live editions (numpy over each edition's votes).
    "nominations.tasks.review_integrity": TaskLimits(TALLIES, 540, 600),
    "certification.tasks.qualify_finalised_editions": TaskLimits(TALLIES, 240, 300),
    "certification.tasks.generate_certificate_files": TaskLimits(FILES, 240, 300),
    "certification.tasks.sweep_certificate_files": TaskLimits(FILES, 60, 90),
}

LONGEST_HARD_LIMIT = max(limits.hard for limits in TASKS.values())


def task_routes(prefix: str = "") -> dict[str, dict[str, str]]:
    """Celery's task_routes; `prefix` gives a test run queues of its own."""
    return {name: {"queue": prefix + limits.queue} for name, limits in TASKS.items()}


def task_annotations() -> dict[str, dict[str, int]]:
    """Celery's task_annotations: the limits set on each task class."""
    return {name: {"soft_time_limit": limits.soft, "time_limit": limits.hard} for name, limits in TASKS.items()}
