"""Integrity reviews: opened by the assessment (here), settled by an auditor (services.integrity).

A review holds its suspicious votes through pending flags of rule "integrity",
so the tally, the standing and the settling of flags work as for every other rule.
"""

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from portal.auth import Actor
from portal.locks import advisory_lock

from ..models import (
    Edition,
    FraudDecision,
    FraudFlag,
    FraudRule,
    IntegrityReview,
    ReviewState,
)
from .assess import assess_edition
from .flags import store_flags
from .rules import tune_for_scans


def group_label(group: dict) -> str:
    return f"{group['dimension']}:{group['key']}"


def review_edition(edition: Edition) -> dict[str, int]:
    """Assess the edition and open (or update) a review for each nominee over its threshold (caller holds the process lock).

    Votes already decided by an auditor are never held again; a settled review
    reopens only when new suspicious votes appear.
    """
    if edition.results_released_at is not None:
        return {"reviews": 0, "held": 0}
    tune_for_scans()
    results = assess_edition(edition)
    now = timezone.now()
    opened = held = 0
    for nominee_id, found in results.items():
        groups_of: dict[int, list[str]] = {}
        for group in found["groups"]:
            for vote_id in group["vote_ids"]:
                groups_of.setdefault(vote_id, []).append(group_label(group))
        decided = set(
            FraudFlag.objects.filter(vote_id__in=list(groups_of), rule=FraudRule.INTEGRITY).values_list(
                "vote_id", flat=True
            )
        )
        new = {vid: labels for vid, labels in groups_of.items() if vid not in decided}
        review = IntegrityReview.objects.filter(nominee_id=nominee_id, state=ReviewState.OPEN).first()
        if review is None and not new:
            continue
        evidence = {
            "score": found["score"],
            "groups": [{k: v for k, v in g.items() if k != "vote_ids"} for g in found["groups"]],
            "profile": found["profile"],
        }
        if review is None:
            review = IntegrityReview.objects.create(
                edition=edition,
                nominee_id=nominee_id,
                score=found["score"],
                threshold=edition.integrity_threshold,
                evidence=evidence,
            )
            opened += 1
        else:
            review.score, review.evidence, review.updated_at = found["score"], evidence, now
            review.save(update_fields=["score", "evidence", "updated_at"])
        store_flags(
            (vid, nominee_id, FraudRule.INTEGRITY, {"review": review.pk, "groups": labels})
            for vid, labels in new.items()
        )
        held += len(new)
        refresh_review(review)
    return {"reviews": opened, "held": held}


def pending_flags(review: IntegrityReview):
    return FraudFlag.objects.filter(
        nominee_id=review.nominee_id, rule=FraudRule.INTEGRITY, decision=FraudDecision.PENDING
    )


def refresh_review(review: IntegrityReview) -> None:
    review.held_votes = pending_flags(review).count()
    review.save(update_fields=["held_votes"])


def refresh_reviews_of_flags(*, flag_ids: list[int], by: Actor) -> int:
    """After a settlement (a task): the open reviews of the nominees it touched; settled when they hold nothing.

    One review per transaction, under the processing lock like the assessment that opens
    them; returns how many were settled (each logged).
    """
    nominee_ids = FraudFlag.objects.filter(pk__in=flag_ids).values_list("nominee_id", flat=True).distinct()
    review_ids = IntegrityReview.objects.filter(nominee_id__in=nominee_ids, state=ReviewState.OPEN).values_list(
        "pk", flat=True
    )
    settled = 0
    for review_id in list(review_ids):
        with transaction.atomic():
            advisory_lock("nominations.process", wait=True)
            review = IntegrityReview.objects.select_for_update().get(pk=review_id)
            if review.state != ReviewState.OPEN:
                continue
            refresh_review(review)
            if review.held_votes:
                continue
            review.state, review.settled_at, review.settled_by = ReviewState.SETTLED, timezone.now(), by
            review.save(update_fields=["state", "settled_at", "settled_by"])
            audit.record(
                actor=by,
                action="integrityreview.settle",
                obj=review,
                before={"state": ReviewState.OPEN},
                after={"state": review.state},
            )
            settled += 1
    return settled
