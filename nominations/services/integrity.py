"""An auditor's decision on an integrity review: hold or release a group of its votes, logged."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from portal.auth import Actor
from portal.locks import advisory_lock

from ..exceptions import NotAllowed
from ..fraud.reviews import pending_flags, refresh_review
from ..models import FraudDecision, IntegrityReview, ReviewState
from .flags import settle_flags


def settle_group(*, review: IntegrityReview, group: str | None, decision: str, by: Actor) -> int:
    """Hold (fraud) or release (genuine) one group of the review's votes, or all of them (group None), in one decision.

    Logged as one audit entry with the group and the count (settle_flags logs
    each flag and vote as well). The review is settled when nothing is pending.
    """
    if not by.has_perm("nominations.change_integrityreview"):
        raise NotAllowed()
    if decision not in (FraudDecision.FRAUD, FraudDecision.GENUINE):
        raise ValueError(_("Unknown decision."))
    with transaction.atomic():
        advisory_lock("nominations.process", wait=True)
        review = IntegrityReview.objects.select_for_update().get(pk=review.pk)
        flags = list(pending_flags(review).values_list("pk", "evidence"))
        ids = [pk for pk, evidence in flags if group is None or group in evidence.get("groups", [])]
        settled = settle_flags(flag_ids=ids, decision=decision, by=by) if ids else 0
        refresh_review(review)
        before = {"state": review.state}
        if review.held_votes == 0 and review.state == ReviewState.OPEN:
            review.state, review.settled_at, review.settled_by = ReviewState.SETTLED, timezone.now(), by
            review.save(update_fields=["state", "settled_at", "settled_by"])
        audit.record(
            actor=by,
            action="integrityreview.hold" if decision == FraudDecision.FRAUD else "integrityreview.release",
            obj=review,
            before=before,
            after={"state": review.state, "group": group or "all", "votes": settled},
        )
    return settled
