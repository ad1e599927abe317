"""Counting what changed: the "process the votes" task and how a service asks for it.

The task lives here, beside `queue_processing`, so that the outbox relay can
queue it without importing the tasks module (which imports the services).
Services do not queue it themselves: they mark the votes and announce them
(nominations.outbox), and the relay calls queue_processing after the commit.
"""

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import DatabaseError

from portal import dispatch

from . import tally
from .runs import recorded

logger = logging.getLogger(__name__)

# At most one "process the votes" message in flight: the task clears this key
# when it starts, so anything committed after that start enqueues a new one.
PROCESS_QUEUED_KEY = "nominations:process-queued"

DB_RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="nominations.tasks.process_votes", **DB_RETRY)
def process_votes() -> int:
    """Fraud-check and tally everything waiting, in batches."""
    # Cleared first: whatever commits from now on queues a fresh run.
    cache.delete(PROCESS_QUEUED_KEY)
    with recorded("process votes") as run:
        run["processed"], more = tally.process_pending_votes()
    if more:
        dispatch.send(process_votes)
    return run["processed"]


def queue_processing() -> None:
    """Make sure a batch run will pick up the votes that wait (called by the outbox relay, after commits)."""
    if not cache.add(PROCESS_QUEUED_KEY, 1, timeout=30):
        return  # one is already queued and has not started yet
    if not dispatch.send(process_votes, countdown=0.5):
        cache.delete(PROCESS_QUEUED_KEY)
        # Nothing is lost: the votes stay marked as waiting and the periodic reconcile processes them.
        logger.warning("vote processing not queued; the next reconcile will pick the votes up")
