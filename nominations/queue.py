"""Handing work to Celery without letting a dead broker slow a voter down."""

import logging
import smtplib
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction

from portal.breaker import broker_breaker

logger = logging.getLogger(__name__)

# At most one "process the votes" message in flight: the task clears this key
# when it starts, so anything committed after that start enqueues a new one.
PROCESS_QUEUED_KEY = "nominations:process-queued"


def send(task, *args, countdown: float | None = None) -> bool:
    """Publish a task; False when the broker is unavailable (the caller or a sweep takes over)."""
    if not broker_breaker.allows():
        return False
    try:
        task.apply_async(args=args, countdown=countdown)
    except Exception:  # kombu and redis raise many kinds; any of them means "not queued"
        logger.warning("could not queue %s", task.name, exc_info=True)
        broker_breaker.trip()
        return False
    return True


def send_or_deliver(task, *args, deliver: Callable[[], object]) -> None:
    """Queue a mail task; with the broker down, send the mail from this request instead.

    A mail server error then is logged, not raised: what the caller saved stays
    saved, and the mail can be asked for again.
    """
    if send(task, *args):
        return
    try:
        deliver()
    except (OSError, smtplib.SMTPException):
        logger.exception("%s: neither queued nor sent inline", task.name)


def request_processing() -> None:
    """After this transaction commits, make sure a batch run will pick up the changed votes."""
    transaction.on_commit(_queue_processing)


def _queue_processing() -> None:
    from .tasks import process_votes

    if not cache.add(PROCESS_QUEUED_KEY, 1, timeout=30):
        return  # one is already queued and has not started yet
    if not send(process_votes, countdown=0.5):
        cache.delete(PROCESS_QUEUED_KEY)
        # Nothing is lost: the votes stay marked as waiting and the periodic reconcile processes them.
        logger.warning("vote processing not queued; the next reconcile will pick the votes up")
