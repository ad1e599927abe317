"""A customer's nomination of a firm, with their ratings of its five qualities."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .editions import QUALITIES, Channel, Nominee


class Nomination(models.Model):
    """One customer's proposal of a firm, with their ratings."""

    nominee = models.ForeignKey(
        Nominee, verbose_name=_("nominee"), on_delete=models.CASCADE, related_name="nominations"
    )
    submitted_name = models.CharField(_("firm name as submitted"), max_length=160)
    city = models.CharField(_("city or branch"), max_length=100)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    rating_fast = models.PositiveSmallIntegerField(_("fast"))
    rating_personalised = models.PositiveSmallIntegerField(_("personalised"))
    rating_competent = models.PositiveSmallIntegerField(_("competent"))
    rating_friendly = models.PositiveSmallIntegerField(_("friendly"))
    rating_helpful = models.PositiveSmallIntegerField(_("helpful"))
    reason = models.TextField(_("reason"), max_length=1000)
    ip_hash = models.BigIntegerField(editable=False)
    network_hash = models.BigIntegerField(editable=False)
    user_agent = models.CharField(max_length=300, blank=True, editable=False)
    # As on Vote: seconds the form was open before it was sent (NULL: not sent through the form).
    form_seconds = models.FloatField(_("form open for (seconds)"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"rating_{q}__gte": 1}) & Q(**{f"rating_{q}__lte": 5}),
                name=f"nomination_rating_{q}_1_to_5",
            )
            for q, _label in QUALITIES
        ]

    def __str__(self) -> str:
        return f"{self.submitted_name} ({self.created_at:%Y-%m-%d})"
