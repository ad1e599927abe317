"""Addresses no vote mail goes to: their mail bounced or they complained (the provider's tracking webhook)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SuppressionReason(models.TextChoices):
    BOUNCED = "bounced", _("bounced (the mailbox does not exist)")
    COMPLAINED = "complained", _("marked as spam")
    REJECTED = "rejected", _("rejected by the provider")
    UNSUBSCRIBED = "unsubscribed", _("unsubscribed")


class MailSuppression(models.Model):
    """One inbox (its canonical address) that mail must not be sent to; deleting the row lifts it."""

    address = models.CharField(_("canonical e-mail"), max_length=254, unique=True)
    reason = models.CharField(_("reason"), max_length=12, choices=SuppressionReason.choices)
    provider = models.CharField(_("reported by"), max_length=40, blank=True)
    description = models.CharField(_("provider's description"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("suppressed at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.address
