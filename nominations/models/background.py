"""Records of background work: an auditor's flag settlement in progress, and the vote mails sent per inbox."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fraud import FraudDecision


class SettlementState(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class FlagSettlement(models.Model):
    """An auditor's decision on a set of flags, settled by a task in chunks (never inside the web request).

    The admin shows its progress. Safe to run again: settling changes only flags still pending.
    """

    decision = models.CharField(
        _("decision"),
        max_length=10,
        choices=[
            (FraudDecision.FRAUD, FraudDecision.FRAUD.label),
            (FraudDecision.GENUINE, FraudDecision.GENUINE.label),
        ],
    )
    flag_ids = models.JSONField(_("flags"), default=list, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    state = models.CharField(_("state"), max_length=10, choices=SettlementState.choices, default=SettlementState.QUEUED)
    total = models.PositiveIntegerField(_("flags selected"), default=0)
    done = models.PositiveIntegerField(_("flags looked at"), default=0)
    settled = models.PositiveIntegerField(_("flags settled"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("flag settlement")
        verbose_name_plural = _("flag settlements")
        indexes = [
            models.Index(fields=["requested_at"], condition=models.Q(state="queued"), name="flagsettlement_queued")
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()}: {self.done}/{self.total}"


class MailSend(models.Model):
    """One vote mail asked for: which inbox, from which client network (keyed hash), when.

    The daily mail budget reads this ledger (nominations/mail_budget.py); rows older than
    a day are deleted every hour, so it stays small.
    """

    inbox = models.CharField(_("inbox"), max_length=254)
    network_hash = models.BigIntegerField(_("network (keyed hash)"))
    sent_at = models.DateTimeField(_("asked for"), default=timezone.now)

    class Meta:
        verbose_name = _("vote mail sent")
        verbose_name_plural = _("vote mails sent")
        indexes = [
            models.Index(fields=["inbox", "sent_at"], name="mailsend_inbox_day"),
            models.Index(fields=["sent_at"], name="mailsend_sent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.sent_at:%Y-%m-%d %H:%M}"
