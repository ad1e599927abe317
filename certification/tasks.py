"""Celery tasks for certificates: thin wrappers taking ids; the work is in certification.services.

Retries only around outside I/O (storage writes, SMTP); a last failure is
recorded on the row. Pending files are swept up by `sweep_certificate_files`.
"""

import logging

from celery import shared_task

from nominations.tally import single_instance

from . import accounts, services

logger = logging.getLogger(__name__)

FILES_MAX_RETRIES = 5


@shared_task(bind=True, max_retries=FILES_MAX_RETRIES, acks_late=True)
def generate_certificate_files(self, certificate_id: int, force: bool = False) -> bool:
    """Build and store a certificate's files; safe to run twice (skips ready files unless forced)."""
    try:
        return services.generate_certificate_files(certificate_id=certificate_id, force=force)
    except OSError as error:  # storage I/O: try again later, with backoff
        if self.request.retries >= self.max_retries:
            services.record_files_failure(certificate_id=certificate_id, error=f"storage: {error!r}")
            logger.error("certificate %s: files failed after %d tries", certificate_id, self.request.retries + 1)
            return False
        raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 900)) from error
    except Exception as error:  # a bug or bad data: retrying would not help; say so on the row
        logger.exception("certificate %s: files failed", certificate_id)
        services.record_files_failure(certificate_id=certificate_id, error=repr(error))
        return False


@shared_task(
    autoretry_for=(OSError,),  # SMTP and connection errors
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=6,
)
def send_firm_invitation(account_id: int, with_link: bool = True) -> bool:
    return accounts.deliver_firm_invitation(account_id=account_id, with_link=with_link)


@shared_task
def sweep_certificate_files() -> int:
    """Queue the certificates whose files are still pending (their task was never delivered)."""
    with single_instance("certification.sweep_files") as acquired:
        if not acquired:
            return 0
        ids = services.pending_certificate_ids()
        for certificate_id in ids:
            services.queue_certificate_files(certificate_id)
        return len(ids)
