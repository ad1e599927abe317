"""Celery finds the tasks of both parts of certification here."""

from .certificates.tasks import (
    generate_certificate_files_task,
    send_firm_invitation,
    sweep_certificate_files,
)
from .vetting.tasks import qualify_finalised_editions

__all__ = [
    "generate_certificate_files_task",
    "qualify_finalised_editions",
    "send_firm_invitation",
    "sweep_certificate_files",
]
