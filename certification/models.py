"""Certification's records: vetting checks and their evidence, certificates, firm accounts and the logo terms."""

import secrets
import uuid
from datetime import date
from functools import reduce
from operator import or_
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nominations.models import Channel, Country, Nominee, country_zone

from .vetting.evidence import validate_evidence_file


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
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
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
        permissions = [("decide_nominee", _("Can approve or reject nominees (four eyes)"))]
        verbose_name = _("nominee in vetting")
        verbose_name_plural = _("vetting")


# Certificates ------------------------------------------------------------------------------

# Base32 without the look-alikes 0/O and 1/I: 32 symbols, 5 bits each.
SERIAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
SERIAL_GROUPS = 4  # of 4 symbols: 16 x 5 = 80 random bits
SERIAL_MAX_LENGTH = 32


def new_serial(*, country: str, year: int) -> str:
    """CF-PL26-XXXX-XXXX-XXXX-XXXX: readable prefix, 80 random bits from `secrets` after it."""
    groups = ["".join(secrets.choice(SERIAL_ALPHABET) for _i in range(4)) for _g in range(SERIAL_GROUPS)]
    return f"CF-{country.upper()}{year % 100:02d}-" + "-".join(groups)


def certificate_file_path(instance, filename: str) -> str:
    """A random folder per file: no path can be guessed from the serial, the firm or another file."""
    return f"certificates/{secrets.token_hex(16)}/{filename}"


class FilesStatus(models.TextChoices):
    PENDING = "pending", _("being generated")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("valid")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("revoked")


# The files of a certificate: (field, file name in the pack).
CERTIFICATE_FILES = (
    ("pdf", "certificate.pdf"),
    ("svg", "logo.svg"),
    ("png_256", "logo-256.png"),
    ("png_512", "logo-512.png"),
    ("png_1024", "logo-1024.png"),
    ("zip", "logo-pack.zip"),
)


class CertificateQuerySet(models.QuerySet):
    """Validity on a day, for many certificates at once; `Certificate.status` says the same of one."""

    def valid_on(self, day: date | None = None):
        """Valid on `day`; without one, on today as each certificate's country counts its days."""
        if day is not None:
            return self.filter(revoked_at__isnull=True, valid_from__lte=day, valid_until__gte=day)
        return self.filter(
            _per_country(lambda today: Q(valid_from__lte=today, valid_until__gte=today)), revoked_at__isnull=True
        )

    def expired_on(self, day: date | None = None):
        if day is not None:
            return self.filter(revoked_at__isnull=True, valid_until__lt=day)
        return self.filter(_per_country(lambda today: Q(valid_until__lt=today)), revoked_at__isnull=True)


def _per_country(condition) -> Q:
    """The condition with each country's own today (a certificate's last day ends at midnight in its edition's zone)."""
    return reduce(
        or_, (Q(country=country) & condition(timezone.localdate(timezone=country_zone(country))) for country in Country)
    )


class Certificate(models.Model):
    """The certificate of a winning nominee for one edition.

    `serial` is public (printed, in the QR code); `download_key` is a separate
    random key used only in the firm's download URLs. Firm, category, edition
    and country are copied from the nominee for the registry.
    """

    serial = models.CharField(_("serial"), max_length=SERIAL_MAX_LENGTH, unique=True, editable=False)
    download_key = models.UUIDField(_("download key"), default=uuid.uuid4, unique=True, editable=False)
    nominee = models.OneToOneField(
        Nominee, verbose_name=_("nominee"), on_delete=models.PROTECT, related_name="certificate", editable=False
    )
    firm = models.ForeignKey(
        "nominations.Firm",
        verbose_name=_("firm"),
        on_delete=models.PROTECT,
        related_name="certificates",
        editable=False,
    )
    category = models.ForeignKey(
        "nominations.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="certificates",
        editable=False,
    )
    edition = models.ForeignKey(
        "nominations.Edition",
        verbose_name=_("edition"),
        on_delete=models.PROTECT,
        related_name="certificates",
        editable=False,
    )
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, editable=False)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    valid_from = models.DateField(_("valid from"), editable=False)
    valid_until = models.DateField(_("valid until"), editable=False, help_text=_("Last day of validity."))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    revocation_reason = models.TextField(_("reason for revocation"), max_length=2000, blank=True, editable=False)
    files_status = models.CharField(
        _("files"), max_length=8, choices=FilesStatus.choices, default=FilesStatus.PENDING, editable=False
    )
    files_error = models.TextField(_("files error"), blank=True, editable=False)
    files_generated_at = models.DateTimeField(_("files generated at"), null=True, blank=True, editable=False)
    pdf = models.FileField(
        _("PDF certificate"), upload_to=certificate_file_path, max_length=200, blank=True, editable=False
    )
    svg = models.FileField(_("SVG logo"), upload_to=certificate_file_path, max_length=200, blank=True, editable=False)
    png_256 = models.FileField(
        _("PNG logo 256 px"), upload_to=certificate_file_path, max_length=200, blank=True, editable=False
    )
    png_512 = models.FileField(
        _("PNG logo 512 px"), upload_to=certificate_file_path, max_length=200, blank=True, editable=False
    )
    png_1024 = models.FileField(
        _("PNG logo 1024 px"), upload_to=certificate_file_path, max_length=200, blank=True, editable=False
    )
    zip = models.FileField(
        _("ZIP logo pack"), upload_to=certificate_file_path, max_length=200, blank=True, editable=False
    )
    # Its bit in the issuer's revocation status list (W3C Bitstring Status List), drawn at random
    # so that neighbouring bits say nothing about neighbouring certificates.
    status_index = models.PositiveIntegerField(_("status list index"), unique=True, null=True, editable=False)
    # The Open Badges 3.0 credential as issued: a VC-JWT signed with the credential key.
    credential = models.TextField(_("Open Badges credential (VC-JWT)"), blank=True, editable=False)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-pk"]
        permissions = [
            ("issue_certificate", _("Can issue certificates to proposed winners")),
            ("revoke_certificate", _("Can revoke certificates")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")), name="certificate_validity_ordered"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revocation_reason="")
                | Q(revoked_at__isnull=False) & ~Q(revocation_reason=""),
                name="certificate_revocation_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["edition", "category"], name="certificate_registry"),
            models.Index(fields=["id"], condition=Q(files_status="pending"), name="certificate_files_pending"),
        ]

    def __str__(self) -> str:
        return self.serial

    @property
    def language(self) -> str:
        """Its files, and its firm's e-mails, speak the edition's language."""
        return {"PL": "pl", "RO": "ro"}.get(self.country, "en")

    def status(self, today=None) -> str:
        """Revoked wins over everything; then expired after the last day of validity (local date); as valid_on()."""
        if self.revoked_at is not None:
            return CertificateStatus.REVOKED
        if (today or timezone.localdate(timezone=country_zone(self.country))) > self.valid_until:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    def get_status_display(self) -> str:
        return str(CertificateStatus(self.status()).label)


# The size of the revocation list in bits: the specification's minimum (16 KiB), so that a list
# does not tell how many certificates exist. Indexes are drawn below it.
STATUS_LIST_BITS = 131072


def new_status_index() -> int:
    return secrets.randbelow(STATUS_LIST_BITS)


class StatusList(models.Model):
    """The issuer's revocation list: bit i set = the certificate with status_index i is revoked.

    Changed only by revocation, inside its transaction (row locked with
    select_for_update), so the published list never lags a revocation.
    """

    purpose = models.CharField(_("status purpose"), max_length=20, unique=True, default="revocation")
    bits = models.BinaryField(_("bits"))
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")

    def __str__(self) -> str:
        return self.purpose


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class FirmAccount(models.Model):
    """A firm's sign-in: one user, one firm. The invitation link carries `invitation_nonce`, changed once used."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="firm_account"
    )
    firm = models.ForeignKey(
        "nominations.Firm", verbose_name=_("firm"), on_delete=models.PROTECT, related_name="accounts"
    )
    invitation_nonce = models.CharField(max_length=32, default=new_nonce, editable=False)
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True, editable=False)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("firm account")
        verbose_name_plural = _("firm accounts")

    def __str__(self) -> str:
        return self.user.get_username()


class TermsAcceptance(models.Model):
    """A firm account's acceptance of one version of the logo usage terms (recorded once)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="+"
    )
    firm = models.ForeignKey(
        "nominations.Firm", verbose_name=_("firm"), on_delete=models.PROTECT, related_name="terms_acceptances"
    )
    version = models.CharField(_("terms version"), max_length=20)
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)

    class Meta:
        verbose_name = _("terms acceptance")
        verbose_name_plural = _("terms acceptances")
        constraints = [
            models.UniqueConstraint(fields=["user", "firm", "version"], name="terms_accepted_once_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.firm_id} {self.version}"
