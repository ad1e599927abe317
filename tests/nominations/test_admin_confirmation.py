"""Irreversible edition actions show a confirmation page before they run."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.nominations.test_results import close_voting

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "a-long-admin-password-1")
    client.force_login(user)
    return user


def act(client, action, edition, **extra):
    url = reverse("admin:nominations_edition_changelist")
    return client.post(url, {"action": action, "_selected_action": [edition.pk], **extra})


def test_close_voting_now_asks_for_confirmation_first(client, edition, superuser):
    response = act(client, "close_voting_now", edition)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Close voting now?" in page and "Yes, close voting now" in page and str(edition) in page
    edition.refresh_from_db()
    assert edition.is_voting_open()
    act(client, "close_voting_now", edition, confirm="yes")
    edition.refresh_from_db()
    assert not edition.is_voting_open()


def test_release_results_asks_for_confirmation_first(client, edition, superuser):
    close_voting(edition)
    response = act(client, "release_results", edition)
    assert "Release the results?" in response.content.decode()
    edition.refresh_from_db()
    assert not edition.results_released
    act(client, "release_results", edition, confirm="yes")
    edition.refresh_from_db()
    assert edition.results_released


def test_closing_voting_in_the_admin_finalises_the_count_without_a_beat(client, edition, superuser, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # `make run`: no worker, no beat
    act(client, "close_voting_now", edition, confirm="yes")
    edition.refresh_from_db()
    assert edition.final_tally_at is not None
