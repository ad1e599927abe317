"""A certificate's files: built from its text, stored through Django's storage API, retried, swept up.

The Celery task lives here, beside what it wraps, so that issuing can queue it
without importing the tasks module.
"""

import logging
from dataclasses import replace
from datetime import timedelta
from functools import partial

from celery import shared_task
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from nominations.models import Country, country_zone
from nominations.selectors import released_figure
from portal import dispatch, identity
from portal.objects import STORAGE_ERRORS

from ..models import CERTIFICATE_FILES, Certificate, FilesStatus, certificate_file_path
from . import credentials, documents, pack, signing
from .validity import LOGO_TERMS, verification_url

logger = logging.getLogger(__name__)

FILES_MAX_RETRIES = 5


@shared_task(
    name="certification.tasks.generate_certificate_files", bind=True, max_retries=FILES_MAX_RETRIES, acks_late=True
)
def generate_certificate_files_task(self, certificate_id: int, force: bool = False) -> bool:
    """Build and store a certificate's files; safe to run twice (skips ready files unless forced)."""
    try:
        return generate_certificate_files(certificate_id=certificate_id, force=force)
    except STORAGE_ERRORS as error:  # storage I/O (disk or object store): try again later, with backoff
        if self.request.retries >= self.max_retries:
            record_files_failure(certificate_id=certificate_id, error=f"storage: {error!r}")
            logger.error("certificate %s: files failed after %d tries", certificate_id, self.request.retries + 1)
            return False
        raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 900)) from error
    except Exception as error:  # a bug or bad data: retrying would not help; say so on the row
        logger.exception("certificate %s: files failed", certificate_id)
        record_files_failure(certificate_id=certificate_id, error=repr(error))
        return False


def queue_certificate_files(certificate_id: int, force: bool = False) -> None:
    # A down broker loses nothing: the certificate stays pending and the sweep queues it.
    dispatch.send(generate_certificate_files_task, certificate_id, force)


def certificate_text(certificate: Certificate) -> documents.CertificateText:
    """What the files say, in the edition's language (the names, and the logo usage terms)."""
    with translation.override(certificate.language):
        category = certificate.category.name
        country = str(Country(certificate.country).label)
        terms = str(LOGO_TERMS)
    released = released_figure(nominee=certificate.nominee)
    return documents.CertificateText(
        serial=certificate.serial,
        firm_name=certificate.firm.name,
        registration_number=certificate.firm.registration_number,
        category=category,
        edition=f"{country} {certificate.edition.label}",
        edition_label=certificate.edition.label,
        country=country,
        country_code=certificate.country,
        valid_from=certificate.valid_from,
        valid_until=certificate.valid_until,
        issued_on=timezone.localdate(certificate.issued_at, country_zone(certificate.country)),
        verify_url=verification_url(certificate.serial),
        terms=terms,
        counted_votes=released[1].counted if released else None,
        results_version=released[0].version if released else None,
        language=certificate.language,
    )


def generate_certificate_files(*, certificate_id: int, force: bool = False) -> bool:
    """Build the files and store them; True when this run stored them.

    Skips a certificate whose files are ready (unless forced). Storage writes
    happen outside any transaction; the row then changes by compare-and-set on
    `files_generated_at`, so of two concurrent runs one wins and the other
    removes what it wrote. Old files of a regeneration are deleted afterwards.
    """
    certificate = Certificate.objects.select_related("firm", "category", "edition").filter(pk=certificate_id).first()
    if certificate is None or (certificate.files_status == FilesStatus.READY and not force):
        return False
    with translation.override(certificate.language):
        credential = credentials.open_badge_credential(certificate)
        jwt = credentials.sign_credential(credential)
        text = replace(certificate_text(certificate), credential=jwt, credential_json=pack.credential_json(credential))
        sign_pdf = partial(
            signing.sign_pdf,
            signer_name=identity.body_name(),
            reason=_("Certificate %(serial)s, issued by %(body)s")
            % {"serial": certificate.serial, "body": identity.body_name()},
            location=identity.body_address(),
        )
        files = pack.all_files(text, sign_pdf=sign_pdf)
    storage = certificate.pdf.storage
    saved: dict[str, str] = {}
    try:
        for field, filename in CERTIFICATE_FILES:
            saved[field] = storage.save(certificate_file_path(certificate, filename), ContentFile(files[field]))
    except Exception:
        _delete_quietly(storage, saved.values())
        raise
    changed = Certificate.objects.filter(pk=certificate.pk, files_generated_at=certificate.files_generated_at).update(
        **saved, credential=jwt, files_status=FilesStatus.READY, files_error="", files_generated_at=timezone.now()
    )
    if changed != 1:
        _delete_quietly(storage, saved.values())
        return False
    _delete_quietly(storage, [getattr(certificate, field).name for field, _f in CERTIFICATE_FILES])
    return True


def _delete_quietly(storage, names) -> None:
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except STORAGE_ERRORS:
            logger.warning("could not delete %s", name, exc_info=True)


def record_files_failure(*, certificate_id: int, error: str) -> None:
    """The last try failed: say so on the row (the admin shows it; "Regenerate files" tries again)."""
    Certificate.objects.filter(pk=certificate_id).exclude(files_status=FilesStatus.READY).update(
        files_status=FilesStatus.FAILED, files_error=error[:2000]
    )


def pending_certificate_ids(*, older_than: timedelta = timedelta(minutes=2), limit: int = 500) -> list[int]:
    cutoff = timezone.now() - older_than
    return list(
        Certificate.objects.filter(files_status=FilesStatus.PENDING, issued_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
