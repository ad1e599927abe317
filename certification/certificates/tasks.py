"""Celery tasks for certificates: thin wrappers taking ids.

Retries only around outside I/O (storage writes, SMTP); a last failure is
recorded on the row. The two tasks that issuing queues live beside what they
wrap (`files`, `accounts`); pending files are swept up here.
"""

from celery import shared_task

from portal import background
from portal.locks import single_instance

from . import files
from .accounts import send_firm_invitation
from .files import generate_certificate_files_task

__all__ = ["generate_certificate_files_task", "send_firm_invitation", "sweep_certificate_files"]


@shared_task(name="certification.tasks.sweep_certificate_files")
def sweep_certificate_files() -> int:
    """Queue the certificates whose files are still pending (their task was never delivered)."""
    with single_instance(
        "certification.sweep_files", ttl=background.TASKS["certification.tasks.sweep_certificate_files"].hard
    ) as acquired:
        if not acquired:
            return 0
        ids = files.pending_certificate_ids()
        for certificate_id in ids:
            files.queue_certificate_files(certificate_id)
        return len(ids)
