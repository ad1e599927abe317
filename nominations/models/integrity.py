"""Integrity reviews: a nominee whose votes deviate from its category's, held for an auditor."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .editions import Edition, Nominee


class ReviewState(models.TextChoices):
    OPEN = "open", _("open: an auditor must settle it")
    SETTLED = "settled", _("settled")


class IntegrityReview(models.Model):
    """One nominee's assessment over its edition's threshold.

    While open, the suspicious votes are held (pending flags of rule
    "integrity") and the nominee can neither qualify nor be approved. The
    auditor holds or releases groups of those votes (nominations.fraud.reviews),
    each decision one audit entry; the review is settled when none is pending.
    """

    edition = models.ForeignKey(Edition, verbose_name=_("edition"), on_delete=models.PROTECT, related_name="+")
    nominee = models.ForeignKey(
        Nominee, verbose_name=_("nominee"), on_delete=models.PROTECT, related_name="integrity_reviews"
    )
    state = models.CharField(_("state"), max_length=8, choices=ReviewState.choices, default=ReviewState.OPEN)
    score = models.FloatField(_("deviation score"))
    threshold = models.DecimalField(_("threshold"), max_digits=5, decimal_places=1)
    # Measures (nominee vs category), the suspicious groups with their counts and p-values.
    evidence = models.JSONField(_("evidence"), default=dict)
    held_votes = models.PositiveIntegerField(_("votes held"), default=0)
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    updated_at = models.DateTimeField(_("assessed at"), default=timezone.now)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("settled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("integrity review")
        verbose_name_plural = _("integrity reviews")
        ordering = ["-score"]
        constraints = [
            # At most one open review per nominee: a new assessment updates it.
            models.UniqueConstraint(fields=["nominee"], condition=Q(state="open"), name="integrityreview_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.nominee_id}: {self.score:.1f}"
