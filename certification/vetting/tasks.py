"""Celery tasks of vetting: thin wrappers calling a service."""

from celery import shared_task
from django.db import DatabaseError

from portal import background
from portal.locks import single_instance

from . import qualification


@shared_task(
    name="certification.tasks.qualify_finalised_editions",
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def qualify_finalised_editions() -> int:
    """Qualify the nominees of every edition whose final tally exists (once per edition; a second run changes nothing)."""
    with single_instance(
        "certification.qualify", ttl=background.TASKS["certification.tasks.qualify_finalised_editions"].hard
    ) as acquired:
        if not acquired:
            return 0
        return qualification.qualify_finalised_editions()
