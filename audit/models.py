"""The audit log: who changed what, when, from what to what, and why."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One change, as it happened. Append-only: the admin cannot change it and the database refuses to.

    Tamper-evident: each entry's `hash` covers its content and the previous entry's
    hash (`prev_hash`), in id order; `manage.py verify_audit_log` walks the chain.

    The actor is kept twice: the foreign key (PROTECT, so a user with history
    cannot be deleted; SET_NULL would be an UPDATE the trigger refuses) and the
    username as it was then.
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150)
    action = models.CharField(_("action"), max_length=40, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    # The chain (audit/chain.py), in id order: set by services.record, never by hand.
    prev_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    hash = models.CharField(_("hash"), max_length=64, editable=False)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]
        constraints = [
            # One successor per entry: two writers that read the same head cannot both append (no fork).
            models.UniqueConstraint(fields=["prev_hash"], name="audit_one_successor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"
