"""What the admin's "Background jobs" page shows: when each job last started, finished and failed."""

from contextlib import contextmanager

from django.utils import timezone

from .models import TaskRun


@contextmanager
def recorded(name: str):
    """Keep when a job started and finished (and its last error) for the admin's status page."""
    TaskRun.objects.update_or_create(name=name, defaults={"last_started_at": timezone.now()})
    run = {"processed": 0}
    try:
        yield run
    except Exception as error:
        TaskRun.objects.filter(name=name).update(last_error=f"{timezone.now():%Y-%m-%d %H:%M:%S} {error!r}"[:2000])
        raise
    TaskRun.objects.filter(name=name).update(
        last_finished_at=timezone.now(), last_processed=run["processed"], last_error=""
    )
