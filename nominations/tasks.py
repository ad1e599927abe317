"""Celery tasks: thin wrappers that take ids, re-read rows and call a service.

Each is idempotent and safe to run twice or concurrently; acks_late with
reject-on-worker-lost (settings) means a killed worker's task is delivered
again, and its unfinished transaction has rolled back. The tasks that
services queue live beside what they wrap (`processing`, `mail`,
`services.flags`) and are registered here under these names. Queues and time
limits: portal/background.py.

No task holds a lock across transactions: each bounded step takes the
transaction-scoped processing lock, and the per-edition guards below are cache
keys with a time to live, so a killed worker leaves nothing held.
"""

from celery import shared_task
from celery.signals import worker_ready
from django.utils import timezone

from portal import background, dispatch
from portal.locks import single_instance

from . import mail_budget, outbox, tally
from .fraud.scan import review_live_editions
from .mail import send_vote_email
from .models import Edition
from .processing import DB_RETRY, process_votes
from .runs import recorded
from .services import editions, flags, vote_partitions

__all__ = [
    "create_vote_partitions",
    "finalise_closed_editions",
    "forget_old_mail_sends",
    "nightly_recount",
    "process_votes",
    "reconcile",
    "recount_edition",
    "relay_outbox",
    "review_integrity",
    "send_vote_email",
]

# Reconcile works this long at most, then leaves the rest to process_votes (queued): well inside its soft limit.
RECONCILE_BUDGET_SECONDS = background.TASKS["nominations.tasks.reconcile"].soft / 2


@shared_task(name="nominations.tasks.reconcile", **DB_RETRY)
def reconcile() -> int:
    """The periodic sweep: count what changed (the votes marked as waiting), and queue what never got its task.

    Bounded steps, no guard: two overlapping runs serialise batch by batch on the
    processing lock, so a redelivered reconcile after a killed worker simply works.
    The full recount is the nightly job.
    """
    with recorded("reconcile") as run:
        run["processed"], more = tally.process_pending_for(seconds=RECONCILE_BUDGET_SECONDS)
    if more:
        dispatch.send(process_votes)
    for settlement_id in flags.stale_settlement_ids():
        flags.queue_settlement(settlement_id)
    return run["processed"]


@shared_task(name="nominations.tasks.finalise_closed_editions", **DB_RETRY)
def finalise_closed_editions() -> int:
    """When an edition's voting closes: process what waits, recount in full, mark the tally final (per edition)."""
    ttl = background.TASKS["nominations.tasks.finalise_closed_editions"].hard
    with recorded("final tally") as run:
        for edition_id in editions.closed_edition_ids():
            with single_instance(f"nominations.finalise:{edition_id}", ttl=ttl) as acquired:
                if acquired:
                    run["processed"] += editions.finalise_edition(edition_id=edition_id)
    return run["processed"]


@shared_task(name="nominations.tasks.nightly_recount", **DB_RETRY)
def nightly_recount() -> int:
    """Queue a full recount of every live edition, one task per edition."""
    ids = editions.live_edition_ids()
    for edition_id in ids:
        dispatch.send(recount_edition, edition_id)
    return len(ids)


@shared_task(name="nominations.tasks.recount_edition", **DB_RETRY)
def recount_edition(edition_id: int) -> int:
    """Recompute an edition's tallies from its votes, in bounded chunks; one run per edition at a time."""
    ttl = background.TASKS["nominations.tasks.recount_edition"].hard
    with single_instance(f"nominations.recount:{edition_id}", ttl=ttl) as acquired:
        edition = Edition.objects.filter(pk=edition_id).first()
        if not acquired or edition is None:
            return 0
        with recorded("nightly recount") as run:
            run["processed"] = tally.recount_edition(edition)
        return run["processed"]


@shared_task(name="nominations.tasks.create_vote_partitions", **DB_RETRY)
def create_vote_partitions() -> int:
    """A vote partition for every edition without one (PostgreSQL; the edition service makes it at once unless busy)."""
    return vote_partitions.ensure_vote_partitions().get("created", 0)


@shared_task(name="nominations.tasks.forget_old_mail_sends", **DB_RETRY)
def forget_old_mail_sends() -> int:
    return mail_budget.forget_old(now=timezone.now())


@worker_ready.connect(dispatch_uid="nominations.sweep_at_worker_start")
def sweep_at_worker_start(sender=None, **kwargs) -> None:
    """A worker (re)started: count at once whatever a killed worker left waiting, not at the next sweep."""
    dispatch.send(process_votes)


@shared_task(name="nominations.tasks.relay_outbox", **DB_RETRY)
def relay_outbox() -> int:
    """The outbox's backstop in a worker: hand over what the relay process has not (it is down, or missed it).

    Safe beside a running relay: each mail is claimed under a row lock and a lease.
    """
    return outbox.relay_once()


@shared_task(name="nominations.tasks.review_integrity", **DB_RETRY)
def review_integrity() -> int:
    """The hourly per-nominee integrity assessment of the live editions (opens and updates reviews)."""
    with single_instance(
        "nominations.review_integrity", ttl=background.TASKS["nominations.tasks.review_integrity"].hard
    ) as acquired:
        if not acquired:
            return 0
        with recorded("integrity assessment") as run:
            run["processed"] = review_live_editions()
        return run["processed"]
