"""An auditor's decision on fraud flags; the votes' standing and the tally follow.

From the admin the decision is queued (request_flag_settlement) and settled by a
task in chunks (run_settlement), never inside the web request: settling waits
for the processing lock, which a batch run may hold for a while. The task lives
here, beside what it wraps, so that the request can queue it.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from portal import dispatch
from portal.auth import Actor
from portal.locks import advisory_lock

from .. import outbox
from ..exceptions import NotAllowed, ResultsReleased
from ..fraud.reviews import refresh_reviews_of_flags
from ..models import (
    Edition,
    FlagSettlement,
    FraudDecision,
    FraudFlag,
    SettlementState,
    Vote,
    standing_from_flags,
)

logger = logging.getLogger(__name__)


# Flags per transaction of a queued settlement: each holds the processing lock briefly.
SETTLE_CHUNK = 500


def _check_not_released(flag_ids: list[int]) -> None:
    released = Edition.objects.filter(results_released_at__isnull=False, nominees__flags__pk__in=flag_ids).distinct()
    if released:
        raise ResultsReleased(
            _("The results of %(editions)s are released, so their fraud flags can no longer be settled.")
            % {"editions": ", ".join(str(edition) for edition in released)}
        )


def settle_flags(*, flag_ids: list[int], decision: str, by: Actor) -> int:
    """An auditor's decision on pending flags; the votes' standing and the tally follow.

    A vote stays out of the count only if a flag on it is confirmed as fraud;
    while any flag on it is pending it is held; otherwise it counts. Flags
    already settled are left as they are (select_for_update, then only
    pending ones change). Refused, as a whole, when a flag belongs to an edition
    whose results are released: its published figures change only by an amendment.
    """
    if not by.has_perm("nominations.change_fraudflag"):
        raise NotAllowed()
    if decision not in (FraudDecision.FRAUD, FraudDecision.GENUINE):
        raise ValueError(f"unknown decision {decision!r}")
    with transaction.atomic():
        # The same lock as process_votes: a flag it adds while we settle would
        # otherwise be missed by the Exists() below and the vote would end counted.
        advisory_lock("nominations.process", wait=True)
        _check_not_released(flag_ids)
        pending = list(FraudFlag.objects.select_for_update().filter(pk__in=flag_ids, decision=FraudDecision.PENDING))
        vote_ids = list({flag.vote_id for flag in pending})
        standing_before = dict(Vote.objects.filter(pk__in=vote_ids).values_list("pk", "standing"))
        settled = FraudFlag.objects.filter(pk__in=[flag.pk for flag in pending], decision=FraudDecision.PENDING).update(
            decision=decision, decided_at=timezone.now(), decided_by=by
        )
        Vote.objects.filter(pk__in=vote_ids).update(standing=standing_from_flags(), tallied_at=None)
        audit.record_many(
            actor=by,
            action="fraudflag.settle",
            changes=[audit.Change(obj=flag, before={"decision": ""}, after={"decision": decision}) for flag in pending],
        )
        overridden = [
            vote
            for vote in Vote.objects.filter(pk__in=vote_ids).only("pk", "receipt_code", "nominee_id", "standing")
            if vote.standing != standing_before.get(vote.pk)
        ]
        audit.record_many(
            actor=by,
            action="vote.override",
            changes=[
                audit.Change(obj=vote, before={"standing": standing_before[vote.pk]}, after={"standing": vote.standing})
                for vote in overridden
            ],
        )
        outbox.announce()  # the relay queues the processing run after the commit
    # An integrity review whose last held vote this decided is settled with it, as after a queued settlement.
    refresh_reviews_of_flags(flag_ids=flag_ids, by=by)
    logger.info("user %s settled %d fraud flags as %s", by.pk, settled, decision)
    return settled


def request_flag_settlement(*, flag_ids: list[int], decision: str, by: Actor) -> FlagSettlement:
    """Queue an auditor's decision on these flags; the admin shows its progress. Takes no lock.

    Refused at once (nothing queued) without the permission, for an unknown decision,
    or when a flag's edition has released results; the task checks the last again.
    """
    if not by.has_perm("nominations.change_fraudflag"):
        raise NotAllowed()
    return queue_flag_settlement(flag_ids=flag_ids, decision=decision, by=by)


def queue_flag_settlement(*, flag_ids: list[int], decision: str, by: Actor) -> FlagSettlement:
    """The queueing itself, for a caller that checked its own permission (an integrity review's decision)."""
    if decision not in (FraudDecision.FRAUD, FraudDecision.GENUINE):
        raise ValueError(f"unknown decision {decision!r}")
    flag_ids = sorted(set(flag_ids))
    _check_not_released(flag_ids)
    settlement = FlagSettlement.objects.create(
        decision=decision, flag_ids=flag_ids, requested_by=by, total=len(flag_ids)
    )
    transaction.on_commit(lambda: queue_settlement(settlement.pk))
    return settlement


def queue_settlement(settlement_id: int) -> None:
    # A down broker loses nothing: the settlement stays queued and the reconcile queues it again.
    dispatch.send(settle_flags_task, settlement_id)


def run_settlement(*, settlement_id: int) -> FlagSettlement | None:
    """Settle a queued settlement's flags, SETTLE_CHUNK per transaction, keeping its progress on the row.

    Safe to run again or concurrently (a redelivery after a killed worker): only
    flags still pending change, and the progress is a count of chunks looked at.
    """
    settlement = FlagSettlement.objects.filter(
        pk=settlement_id, state__in=[SettlementState.QUEUED, SettlementState.RUNNING]
    ).first()
    if settlement is None:
        return None
    by = get_user_model().objects.get(pk=settlement.requested_by_id)
    FlagSettlement.objects.filter(pk=settlement.pk).update(
        state=SettlementState.RUNNING, started_at=timezone.now(), done=0
    )
    done = settled = 0
    try:
        for start in range(0, len(settlement.flag_ids), SETTLE_CHUNK):
            chunk = settlement.flag_ids[start : start + SETTLE_CHUNK]
            settled += settle_flags(flag_ids=chunk, decision=settlement.decision, by=by)
            done += len(chunk)
            FlagSettlement.objects.filter(pk=settlement.pk).update(done=done, settled=F("settled") + settled)
            settled = 0
    except (ResultsReleased, NotAllowed) as refusal:
        FlagSettlement.objects.filter(pk=settlement.pk).update(
            state=SettlementState.FAILED, finished_at=timezone.now(), error=str(refusal)
        )
        return FlagSettlement.objects.get(pk=settlement.pk)
    # An integrity review whose votes are all decided now is settled (fraud/reviews.py).
    refresh_reviews_of_flags(flag_ids=settlement.flag_ids, by=by)
    FlagSettlement.objects.filter(pk=settlement.pk).update(state=SettlementState.DONE, finished_at=timezone.now())
    return FlagSettlement.objects.get(pk=settlement.pk)


def stale_settlement_ids(*, older_than: timedelta = timedelta(minutes=1)) -> list[int]:
    """Settlements still queued a while after they were asked for (their task never arrived)."""
    return list(
        FlagSettlement.objects.filter(state=SettlementState.QUEUED, requested_at__lt=timezone.now() - older_than)
        .order_by("requested_at")
        .values_list("pk", flat=True)[:100]
    )


@shared_task(
    name="nominations.tasks.settle_flags",
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def settle_flags_task(settlement_id: int) -> int:
    settlement = run_settlement(settlement_id=settlement_id)
    return settlement.settled if settlement else 0
