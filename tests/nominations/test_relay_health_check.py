"""`manage.py outbox_relay --check`: the relay container's health check (docker-compose.yml)."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from nominations import outbox
from nominations.models import TaskRun

pytestmark = pytest.mark.django_db


def test_a_fresh_heartbeat_is_healthy(capsys):
    TaskRun.objects.create(name=outbox.RELAY_RUN, last_finished_at=timezone.now() - timedelta(seconds=2))
    call_command("outbox_relay", "--check")
    assert "heartbeat at" in capsys.readouterr().out


def test_a_relay_that_stopped_beating_is_unhealthy(settings):
    settings.OUTBOX_CATCH_UP_SECONDS = 5
    TaskRun.objects.create(name=outbox.RELAY_RUN, last_finished_at=timezone.now() - timedelta(seconds=16))
    with pytest.raises(CommandError, match="no heartbeat since"):
        call_command("outbox_relay", "--check")


def test_a_relay_that_never_beat_is_unhealthy():
    with pytest.raises(CommandError, match="no heartbeat since it started"):
        call_command("outbox_relay", "--check")
