"""Functions that read certificates: verification, the registry, a firm's certificates and downloads."""

import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from nominations.models import Edition
from portal.auth import Actor

from ..models import (
    SERIAL_ALPHABET,
    SERIAL_GROUPS,
    SERIAL_MAX_LENGTH,
    Certificate,
    FilesStatus,
    FirmAccount,
)
from . import wording
from .accounts import has_accepted_terms

SERIAL_PATTERN = re.compile(r"^CF-[A-Z]{2}\d{2}(-[" + SERIAL_ALPHABET + r"]{4}){" + str(SERIAL_GROUPS) + r"}$")


def normalise_serial(raw: str) -> str | None:
    """The serial in its stored form (upper case, trimmed), or None when it cannot be one."""
    serial = (raw or "").strip().upper()
    if len(serial) > SERIAL_MAX_LENGTH or not SERIAL_PATTERN.match(serial):
        return None
    return serial


@dataclass(frozen=True)
class Verification:
    serial: str
    status: str  # valid, expired, revoked, unknown
    certificate: Certificate | None
    reason: str = ""  # how an uploaded file proved itself ours, or why it is not

    @property
    def wording(self) -> wording.Wording | None:
        """The certificate named in the reader's language (the page's)."""
        return wording.for_certificate(self.certificate) if self.certificate is not None else None

    def as_json(self) -> dict:
        """The certificate as its files word it: in its edition's language, whoever asks."""
        c = self.certificate
        if c is None:
            return {"serial": self.serial, "status": "unknown", **({"reason": self.reason} if self.reason else {})}
        words = wording.for_certificate(c, language=c.language)
        with translation.override(c.language):
            edition = str(c.edition)
        return {
            "serial": c.serial,
            "status": self.status,
            "language": c.language,
            "programme": words.programme,
            "title": words.title,
            "medal": words.medal,
            "edition_label": words.edition_label,
            "certifying_body": words.body,
            "firm": c.firm.name,
            "registration_number": c.firm.registration_number,
            "registration_label": words.registration_label,
            "category": words.category,
            "edition": edition,
            "country": c.country,
            "valid_from": c.valid_from.isoformat(),
            "valid_until": c.valid_until.isoformat(),
            "issued_at": c.issued_at.isoformat(),
            "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
            "revocation_reason": c.revocation_reason or None,
        }


def verify_serial(raw: str) -> Verification:
    """What the public learns about a serial (case-insensitive); one query.

    A certificate of an edition whose results are not released yet is "unknown" to the public.
    """
    serial = normalise_serial(raw)
    certificate = None
    if serial is not None:
        certificate = (
            Certificate.objects.select_related("firm", "category", "edition")
            .filter(serial=serial, edition__results_released_at__isnull=False)
            .first()
        )
    if certificate is None:
        return Verification(serial=(raw or "")[:SERIAL_MAX_LENGTH], status="unknown", certificate=None)
    return Verification(serial=certificate.serial, status=certificate.status(), certificate=certificate)


def currently_valid(queryset: QuerySet) -> QuerySet:
    """Not revoked, not expired, and of an edition whose results are public."""
    return (
        Certificate.objects.valid_on()
        .filter(pk__in=queryset.values("pk"))
        .filter(edition__results_released_at__isnull=False)
    )


def registry_editions() -> QuerySet:
    """Editions with at least one currently valid certificate, newest first."""
    return Edition.objects.filter(pk__in=currently_valid(Certificate.objects.all()).values("edition_id")).order_by(
        "-voting_closes_at"
    )


def registry_for_edition(*, slug: str) -> tuple[Edition, list[tuple]]:
    """(edition, [(category, [certificates])]): currently valid certificates only; two queries."""
    edition = Edition.objects.filter(slug=slug).first()
    if edition is None:
        raise Http404
    certificates = (
        currently_valid(Certificate.objects.filter(edition=edition))
        .select_related("firm", "category")
        .order_by("category__position", "category__name_en", "firm__name")
    )
    grouped: dict = {}
    for certificate in certificates:
        grouped.setdefault(certificate.category, []).append(certificate)
    return edition, list(grouped.items())


def firm_account_of(user: Actor) -> FirmAccount | None:
    if not user.is_authenticated:
        return None
    return FirmAccount.objects.select_related("firm").filter(user=user, user__is_active=True).first()


def firm_certificates(*, account: FirmAccount) -> list[Certificate]:
    return list(
        Certificate.objects.filter(firm_id=account.firm_id).select_related("category", "edition").order_by("-issued_at")
    )


def get_certificate_for_download(*, user: Actor, download_key: object) -> Certificate:
    """The certificate behind a download URL if it is this firm user's; 404 alike for missing and another firm's.

    Whether the download is allowed now (terms, revoked, expired) is `download_refusal`.
    """
    account = firm_account_of(user)
    if account is None:
        raise Http404
    certificate = (
        Certificate.objects.select_related("firm", "category", "edition")
        .filter(download_key=download_key, firm_id=account.firm_id)
        .first()
    )
    if certificate is None:
        raise Http404
    return certificate


# Download kinds in URLs: kind -> (field, content type, file name suffix).
DOWNLOADS = {
    "pdf": ("pdf", "application/pdf", "certificate.pdf"),
    "svg": ("svg", "image/svg+xml", "logo.svg"),
    "png-256": ("png_256", "image/png", "logo-256.png"),
    "png-512": ("png_512", "image/png", "logo-512.png"),
    "png-1024": ("png_1024", "image/png", "logo-1024.png"),
    "zip": ("zip", "application/zip", "logo-pack.zip"),
}


def download_refusal(*, certificate: Certificate, user: Actor) -> tuple[int, str] | None:
    """Why this firm user cannot download the certificate's files right now (HTTP status, message), or None.

    Read at request time: a revocation or the end of validity stops downloads at once.
    """
    status = certificate.status()
    if status == "revoked":
        return 410, _("This certificate has been revoked, so its files can no longer be downloaded.")
    if status == "expired":
        return 410, _("This certificate has expired, so its files can no longer be downloaded.")
    if not has_accepted_terms(user=user, firm_id=certificate.firm_id):
        return 403, _("Accept the logo usage terms before downloading the files.")
    if certificate.files_status != FilesStatus.READY:
        return 409, _("The files of this certificate are being prepared; try again in a few minutes.")
    return None
