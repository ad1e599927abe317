from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.core.files.storage import default_storage
from django.utils import timezone

from certification import tasks
from certification.certificates import files
from certification.models import CERTIFICATE_FILES, Certificate

pytestmark = pytest.mark.django_db


def test_issuing_stores_every_file_under_a_random_path(issued):
    assert issued.files_status == "ready"
    names = [getattr(issued, field).name for field, _f in CERTIFICATE_FILES]
    assert all(name.startswith("certificates/") and default_storage.exists(name) for name in names)
    assert len({name.split("/")[1] for name in names}) == len(names)  # a random folder each
    assert not any(issued.serial in name or str(issued.firm_id) == name.split("/")[1] for name in names)
    assert issued.pdf.open("rb").read(5) == b"%PDF-"


def test_generating_twice_keeps_the_ready_files(issued):
    before = [getattr(issued, field).name for field, _f in CERTIFICATE_FILES]
    assert tasks.generate_certificate_files_task.delay(issued.pk).get() is False
    issued.refresh_from_db()
    assert [getattr(issued, field).name for field, _f in CERTIFICATE_FILES] == before


def test_regenerating_replaces_the_files_and_removes_the_old_ones(issued):
    old = issued.pdf.name
    assert tasks.generate_certificate_files_task.delay(issued.pk, True).get() is True
    issued.refresh_from_db()
    assert issued.pdf.name != old and not default_storage.exists(old)
    assert default_storage.exists(issued.pdf.name)


def test_storage_errors_are_retried_then_recorded_on_the_certificate(issued, monkeypatch):
    Certificate.objects.filter(pk=issued.pk).update(files_status="pending")
    calls = []

    def broken_save(*args, **kwargs):
        calls.append(1)
        raise OSError("disk full")

    from django.core.files.storage import FileSystemStorage

    monkeypatch.setattr(FileSystemStorage, "save", broken_save)
    # A first failure asks Celery for a retry (with backoff) and leaves the certificate pending.
    with pytest.raises(Retry):
        tasks.generate_certificate_files_task.apply(args=[issued.pk, True], throw=True)
    assert Certificate.objects.get(pk=issued.pk).files_status == "pending"
    # The last allowed try records the failure on the row instead.
    tasks.generate_certificate_files_task.apply(args=[issued.pk, True], retries=files.FILES_MAX_RETRIES, throw=True)
    stored = Certificate.objects.get(pk=issued.pk)
    assert len(calls) == 2
    assert stored.files_status == "failed"
    assert "disk full" in stored.files_error


def test_the_sweep_generates_certificates_left_pending(issued):
    Certificate.objects.filter(pk=issued.pk).update(
        files_status="pending", files_generated_at=None, issued_at=timezone.now() - timedelta(minutes=10)
    )
    assert tasks.sweep_certificate_files.delay().get() == 1
    assert Certificate.objects.get(pk=issued.pk).files_status == "ready"
    assert tasks.sweep_certificate_files.delay().get() == 0


def test_the_sweep_is_in_the_beat_schedule(settings):
    assert settings.CELERY_BEAT_SCHEDULE["certificate-files"]["task"] == "certification.tasks.sweep_certificate_files"
