"""The transactional outbox: a request writes its rows and commits; a relay hands the work to Celery.

The vote row says what must happen: `email_pending` names the mail it waits for, and
`tallied_at IS NULL` / `checked_at IS NULL` mark a vote the tally has not seen yet.
The writer calls `announce()` inside its transaction (a PostgreSQL NOTIFY, delivered on
commit only); the relay (`manage.py outbox_relay`, a service of its own) wakes on it,
claims the waiting mails and queues their tasks, and queues a "process the votes" run.
So a request does nothing over the network but its database round trips: a frozen
Redis costs it nothing, and a mail is sent even if the web process dies right after
its commit. A notification the relay missed is caught up on its timeout, and the
beat task `relay_outbox` runs the same pass in a worker should the relay be down.

In eager mode (`make run`, the tests) there is no relay: the pass runs in-process
when the transaction commits.
"""

import logging
import time
from datetime import datetime

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from portal.celery import app
from portal.notify import Listener, notify

from . import processing
from .mail import enqueue_vote_email
from .models import TaskRun, Vote

logger = logging.getLogger(__name__)

CHANNEL = "nominations_outbox"
RELAY_RUN = "outbox relay"  # its TaskRun row: the health signal on the Background jobs page
MAIL_BATCH = 200


def relays_in_process() -> bool:
    """Eager mode: tasks run in-process, so does the relay's pass (on commit)."""
    return bool(app.conf.task_always_eager)


def announce() -> None:
    """Inside the writer's transaction: committed rows wait for the relay (nothing if it rolls back)."""
    if relays_in_process():
        transaction.on_commit(relay_once)
    else:
        notify(CHANNEL)


def announced_by_statement() -> None:
    """After a hand-written statement that sent its own NOTIFY (services/vote_sql.py): in eager mode, run the pass."""
    if relays_in_process():
        transaction.on_commit(relay_once)


def _waiting_mail() -> Q:
    stale = timezone.now() - settings.OUTBOX_MAIL_LEASE
    return ~Q(email_pending="") & (Q(email_queued_at__isnull=True) | Q(email_queued_at__lt=stale))


def claim_mails(limit: int = MAIL_BATCH) -> list[tuple[int, str]]:
    """Take a lease on up to `limit` waiting mails; returns (vote id, kind).

    Compare-and-set under row locks (select_for_update with skip_locked): two relays,
    or a relay and the beat task, never claim the same mail within one lease.
    """
    with transaction.atomic():
        rows = list(
            Vote.objects.select_for_update(skip_locked=True)
            .filter(_waiting_mail())
            .order_by("id")
            .values_list("id", "email_pending")[:limit]
        )
        if rows:
            Vote.objects.filter(pk__in=[vote_id for vote_id, _kind in rows]).update(email_queued_at=timezone.now())
    return rows


def votes_wait_for_processing() -> bool:
    """Whether a vote waits for its fraud check or tally (both small partial indexes)."""
    return (
        Vote.objects.filter(tallied_at__isnull=True).exists()
        or Vote.objects.filter(checked_at__isnull=True, confirmed_at__isnull=False).exists()
    )


def relay_once() -> int:
    """One pass: hand every waiting mail to a worker, and queue a processing run if votes wait; returns the mails.

    With the broker down a mail is sent from here instead (mail.enqueue_vote_email); if
    that fails too, its lease runs out and a later pass hands it over again.
    """
    handed = 0
    while True:
        claimed = claim_mails()
        for vote_id, kind in claimed:
            enqueue_vote_email(vote_id=vote_id, kind=kind)
        handed += len(claimed)
        if len(claimed) < MAIL_BATCH:
            break
    if votes_wait_for_processing():
        processing.queue_processing()
    return handed


def mails_waiting() -> tuple[int, datetime | None]:
    """How many mails wait in the outbox, and since when the oldest was asked for (the Background jobs page)."""
    waiting = Vote.objects.exclude(email_pending="").aggregate(count=Count("id"), since=Min("email_requested_at"))
    return waiting["count"], waiting["since"]


def relay_seen_at() -> datetime | None:
    """The relay's last heartbeat (None: never)."""
    return TaskRun.objects.filter(name=RELAY_RUN).values_list("last_finished_at", flat=True).first()


def relay_is_stale(seen_at: datetime | None) -> bool:
    """No heartbeat for three catch-up periods: the Background jobs page warns, the container check fails."""
    allowed = 3 * max(settings.OUTBOX_CATCH_UP_SECONDS, settings.OUTBOX_HEARTBEAT_SECONDS)
    return seen_at is None or (timezone.now() - seen_at).total_seconds() > allowed


def run_relay(*, catch_up_seconds: float, stop=lambda: False) -> None:
    """The relay's loop: wake on NOTIFY (or every catch_up_seconds), run a pass, beat the heartbeat.

    Not PostgreSQL (SQLite with a broker): no notifications, the loop polls every catch_up_seconds.
    """
    listener = Listener(CHANNEL) if connection.vendor == "postgresql" else None
    TaskRun.objects.update_or_create(name=RELAY_RUN, defaults={"last_started_at": timezone.now(), "last_error": ""})
    last_beat, handed = 0.0, 0
    try:
        while not stop():
            if listener is not None:
                listener.wait(catch_up_seconds)
            else:
                time.sleep(catch_up_seconds)
            close_old_connections()
            try:
                handed += relay_once()
            except Exception as error:  # noqa: BLE001 - the relay keeps running; the error is shown in the admin
                logger.exception("outbox relay pass failed")
                TaskRun.objects.filter(name=RELAY_RUN).update(
                    last_error=f"{timezone.now():%Y-%m-%d %H:%M:%S} {error!r}"[:2000]
                )
                continue
            now = time.monotonic()
            if now - last_beat >= settings.OUTBOX_HEARTBEAT_SECONDS:
                # The heartbeat: one write every few seconds however busy the relay is, with the mails since the last.
                TaskRun.objects.filter(name=RELAY_RUN).update(
                    last_finished_at=timezone.now(), last_processed=handed, last_error=""
                )
                last_beat, handed = now, 0
    finally:
        if listener is not None:
            listener.close()
