"""Handing work to Celery without letting a dead broker slow a request down."""

import logging
import smtplib
from collections.abc import Callable

from .breaker import broker_breaker

logger = logging.getLogger(__name__)


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
