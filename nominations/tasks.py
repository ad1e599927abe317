"""Celery tasks: thin wrappers that take ids, re-read rows and call a service.

Each is idempotent and safe to run twice or concurrently; acks_late with
reject-on-worker-lost (settings) means a killed worker's task is delivered
again, and its unfinished transaction has rolled back. The two tasks that
services queue live beside what they wrap (`processing`, `mail`) and are
registered here under these names.
"""

from celery import shared_task

from portal.locks import single_instance

from . import outbox, tally
from .fraud.scan import review_live_editions
from .mail import send_vote_email
from .processing import DB_RETRY, process_votes
from .runs import recorded
from .services import editions

__all__ = [
    "finalise_closed_editions",
    "process_votes",
    "reconcile",
    "relay_outbox",
    "review_integrity",
    "send_vote_email",
]


@shared_task(**DB_RETRY)
def reconcile() -> int:
    """The sweep: process anything whose task never arrived, and recount the live editions in full."""
    with single_instance("nominations.reconcile") as acquired:
        if not acquired:
            return 0
        with recorded("reconcile") as run:
            run["processed"] += tally.process_all_pending_votes()
            editions.recount_live_editions()
        return run["processed"]


@shared_task(**DB_RETRY)
def finalise_closed_editions() -> int:
    """When an edition's voting closes: process what waits, recount in full, mark the tally final."""
    with single_instance("nominations.finalise") as acquired:
        if not acquired:
            return 0
        with recorded("final tally") as run:
            run["processed"] = editions.finalise_closed_editions()
        return run["processed"]


@shared_task(**DB_RETRY)
def relay_outbox() -> int:
    """The outbox's backstop in a worker: hand over what the relay process has not (it is down, or missed it).

    Safe beside a running relay: each mail is claimed under a row lock and a lease.
    """
    return outbox.relay_once()


@shared_task(**DB_RETRY)
def review_integrity() -> int:
    """The hourly per-nominee integrity assessment of the live editions (opens and updates reviews)."""
    with single_instance("nominations.review_integrity") as acquired:
        if not acquired:
            return 0
        with recorded("integrity assessment") as run:
            run["processed"] = review_live_editions()
        return run["processed"]
