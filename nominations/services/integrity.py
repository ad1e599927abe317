"""An auditor's decision on an integrity review: hold or release a group of its votes, queued and logged."""

from django.utils.translation import gettext as _

from audit import services as audit
from portal.auth import Actor

from ..exceptions import NotAllowed
from ..fraud.reviews import pending_flags
from ..models import FlagSettlement, FraudDecision, IntegrityReview
from .flags import queue_flag_settlement


def settle_group(*, review: IntegrityReview, group: str | None, decision: str, by: Actor) -> FlagSettlement | None:
    """Hold (fraud) or release (genuine) one group of the review's votes, or all of them (group None), in one decision.

    Queued, like every settling of flags: the request takes no lock (a long batch run holds
    the processing lock for its batch) and settles nothing itself. The settlement's task
    settles the flags in chunks, its progress on the admin's Flag settlements page, and
    then settles the review when nothing is pending (fraud/reviews.py). Logged here as
    one audit entry with the group and the number of votes; settle_flags logs each flag
    and vote as well. None when the group holds no pending vote.
    """
    if not by.has_perm("nominations.change_integrityreview"):
        raise NotAllowed()
    if decision not in (FraudDecision.FRAUD, FraudDecision.GENUINE):
        raise ValueError(_("Unknown decision."))
    flags = list(pending_flags(review).values_list("pk", "evidence"))
    ids = [pk for pk, evidence in flags if group is None or group in evidence.get("groups", [])]
    if not ids:
        return None
    settlement = queue_flag_settlement(flag_ids=ids, decision=decision, by=by)
    audit.record(
        actor=by,
        action="integrityreview.hold" if decision == FraudDecision.FRAUD else "integrityreview.release",
        obj=review,
        before={"state": review.state},
        after={"state": review.state, "group": group or "all", "votes": len(ids), "settlement": settlement.pk},
    )
    return settlement
