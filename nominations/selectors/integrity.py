"""Integrity reviews as other apps and the admin read them."""

from collections.abc import Iterable

from ..models import IntegrityReview, ReviewState

__all__ = ["nominees_under_integrity_review"]


def nominees_under_integrity_review(nominee_ids: Iterable[int]) -> set[int]:
    """The nominees among these with an open integrity review: they can neither qualify nor be approved until it is settled."""
    return set(
        IntegrityReview.objects.filter(nominee_id__in=list(nominee_ids), state=ReviewState.OPEN).values_list(
            "nominee_id", flat=True
        )
    )
