"""Vetting: the checks auditors record on qualified nominees, their evidence, and the audit log."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nominations.models import Channel, Nominee

from .validators import validate_evidence_file


class AuditEntry(models.Model):
    """One change, as it happened. Append-only: the admin cannot change it and the database refuses to.

    The actor is kept twice: the foreign key (PROTECT, so a user with history
    cannot be deleted; SET_NULL would be an UPDATE the trigger refuses) and the
    username as it was then.
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT,
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

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.object_repr}"


class CheckKind(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    CHARTER = "charter", _("Customer-service charter")
    COMPLAINTS = "complaints", _("Complaint handling")
    MYSTERY_SHOPPING = "mystery_shopping", _("Mystery shopping")
    SURVEY = "survey", _("Customer survey")
    VOTE_INTEGRITY = "vote_integrity", _("Vote integrity")


class CheckResult(models.TextChoices):
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")
    NOT_APPLICABLE = "na", _("not applicable")


class Check(models.Model):
    """One vetting step on a nominee under review; mystery shopping has one per channel.

    The result and score are computed by certification.scoring from the
    inputs in `details`, never typed in (except the registration result).
    """

    nominee = models.ForeignKey(Nominee, verbose_name=_("nominee"), on_delete=models.PROTECT, related_name="checks")
    kind = models.CharField(_("check"), max_length=20, choices=CheckKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True, default="")
    result = models.CharField(_("result"), max_length=4, choices=CheckResult.choices)
    score = models.DecimalField(_("score"), max_digits=3, decimal_places=2, null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("check")
        verbose_name_plural = _("checks")
        ordering = ["nominee", "kind", "channel"]
        permissions = [
            ("decide_nominee", _("Can approve or reject nominees (four eyes)")),
            ("view_unreleased_tallies", _("Can see vote counts of editions whose results are not released")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["nominee", "kind", "channel"], name="check_one_per_kind_and_channel"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5), name="check_score_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(kind="mystery_shopping", channel__gt="") | (~Q(kind="mystery_shopping") & Q(channel="")),
                name="check_channel_only_for_mystery_shopping",
            ),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        if self.channel:
            label = f"{label} ({self.get_channel_display()})"
        return str(label)


def evidence_path(instance, filename: str) -> str:
    """A random path: nothing about the firm or the file name can be guessed from it."""
    suffix = PurePosixPath(filename).suffix.lower()[:6]
    return f"evidence/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """A file backing a check (PDF or image). Stored through Django's storage API, served only to staff."""

    check_record = models.ForeignKey(
        Check, verbose_name=_("check"), on_delete=models.PROTECT, related_name="evidence", db_column="check_id"
    )
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200, validators=[validate_evidence_file])
    original_name = models.CharField(_("file name"), max_length=200, editable=False)
    content_type = models.CharField(_("type"), max_length=40, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class NomineeVetting(Nominee):
    """The auditors' view of a nominee (its own admin and permissions); no table of its own."""

    class Meta:
        proxy = True
        verbose_name = _("nominee in vetting")
        verbose_name_plural = _("vetting")
