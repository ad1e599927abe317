"""An auditor's decision on fraud flags; the votes' standing and the tally follow."""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from portal.auth import Actor
from portal.locks import advisory_lock

from .. import outbox
from ..exceptions import NotAllowed, ResultsReleased
from ..models import Edition, FraudDecision, FraudFlag, Vote, standing_from_flags

logger = logging.getLogger(__name__)


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
        released = Edition.objects.filter(
            results_released_at__isnull=False, nominees__flags__pk__in=flag_ids
        ).distinct()
        if released:
            raise ResultsReleased(
                _("The results of %(editions)s are released, so their fraud flags can no longer be settled.")
                % {"editions": ", ".join(str(edition) for edition in released)}
            )
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
    logger.info("user %s settled %d fraud flags as %s", by.pk, settled, decision)
    return settled
