"""Celery tasks: thin wrappers that take ids, re-read rows and call a service.

Each is idempotent and safe to run twice or concurrently; acks_late with
reject-on-worker-lost (settings) means a killed worker's task is delivered
again, and its unfinished transaction has rolled back.
"""

from contextlib import contextmanager

from celery import shared_task
from django.core.cache import cache
from django.db import DatabaseError
from django.utils import timezone

from certification.services import qualify_edition

from . import queue, services, tally
from .models import Edition, TaskRun

DB_RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@contextmanager
def recorded(name: str):
    """Keep when a job started and finished (and its last error) for the admin's status page."""
    TaskRun.objects.update_or_create(name=name, defaults={"last_started_at": timezone.now()})
    run = {"processed": 0}
    try:
        yield run
    except Exception as error:
        TaskRun.objects.filter(name=name).update(last_error=f"{timezone.now():%Y-%m-%d %H:%M:%S} {error!r}"[:2000])
        raise
    TaskRun.objects.filter(name=name).update(
        last_finished_at=timezone.now(), last_processed=run["processed"], last_error=""
    )


@shared_task(
    autoretry_for=(OSError,),  # SMTP and connection errors: outside I/O, retried with backoff
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=6,
)
def send_vote_email(vote_id: int, kind: str) -> None:
    services.deliver_vote_email(vote_id=vote_id, kind=kind)


@shared_task(**DB_RETRY)
def process_votes() -> int:
    """Fraud-check and tally everything waiting, in batches."""
    # Cleared first: whatever commits from now on queues a fresh run.
    cache.delete(queue.PROCESS_QUEUED_KEY)
    with recorded("process votes") as run:
        run["processed"], more = tally.process_pending_votes()
    if more:
        queue.send(process_votes)
    return run["processed"]


@shared_task(**DB_RETRY)
def reconcile() -> int:
    """The sweep: process anything whose task never arrived, and recount the live editions in full."""
    with tally.single_instance("nominations.reconcile") as acquired:
        if not acquired:
            return 0
        with recorded("reconcile") as run:
            run["processed"] += tally.process_all_pending_votes()
            for edition in Edition.objects.filter(final_tally_at__isnull=True, voting_opens_at__lte=timezone.now()):
                tally.recount_edition(edition)
        return run["processed"]


@shared_task(**DB_RETRY)
def finalise_closed_editions() -> int:
    """When an edition's voting closes: process what waits, recount in full, mark the tally final."""
    with tally.single_instance("nominations.finalise") as acquired:
        if not acquired:
            return 0
        closing = Edition.objects.filter(final_tally_at__isnull=True, voting_closes_at__lte=timezone.now())
        finalised = 0
        for edition in closing:
            with recorded("final tally"):
                tally.process_all_pending_votes()
                tally.recount_edition(edition)
                Edition.objects.filter(pk=edition.pk, final_tally_at__isnull=True).update(final_tally_at=timezone.now())
                finalised += 1
        # Qualification runs once per edition (it claims qualified_at); this also
        # sweeps an edition whose qualification failed after its final tally.
        for edition in Edition.objects.filter(final_tally_at__isnull=False, qualified_at__isnull=True):
            with recorded("qualification"):
                qualify_edition(edition=edition)
        return finalised
