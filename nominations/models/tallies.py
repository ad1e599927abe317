"""Tallies (derived from the votes, recomputable) and the background jobs' last runs."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .editions import Category, Edition, Nominee


class Tally(models.Model):
    """Votes per nominee, derived from the votes and recomputable at any time; pages read this, not COUNT(*)."""

    nominee = models.OneToOneField(
        Nominee, verbose_name=_("nominee"), on_delete=models.CASCADE, primary_key=True, related_name="tally"
    )
    edition = models.ForeignKey(Edition, verbose_name=_("edition"), on_delete=models.CASCADE, related_name="tallies")
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="tallies")
    counted = models.PositiveIntegerField(_("counted"), default=0)
    held = models.PositiveIntegerField(_("flagged, held"), default=0)
    rejected = models.PositiveIntegerField(_("fraud, not counted"), default=0)
    unconfirmed = models.PositiveIntegerField(_("unconfirmed"), default=0)
    held_reasons = models.JSONField(_("reasons held"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        permissions = [("view_unreleased_tallies", _("Can see vote counts of editions whose results are not released"))]
        verbose_name = _("tally")
        verbose_name_plural = _("tallies")

    def __str__(self) -> str:
        return str(self.nominee_id)

    @property
    def confirmed(self) -> int:
        return self.counted + self.held + self.rejected

    @property
    def flagged_share(self) -> float:
        """Votes held for review among those that may count; rejected fraud is in neither (no framing)."""
        considered = self.counted + self.held
        return self.held / considered if considered else 0.0


class TaskRun(models.Model):
    """When each background job last ran, so a stopped worker shows in the admin instead of staying silent."""

    name = models.CharField(_("job"), max_length=40, primary_key=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_processed = models.PositiveIntegerField(_("votes in last run"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self) -> str:
        return self.name
