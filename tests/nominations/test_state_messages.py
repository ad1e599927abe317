"""The public wording follows where an edition stands."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from nominations import services
from tests.factories import EditionFactory
from tests.nominations.test_results import close_voting

pytestmark = pytest.mark.django_db


def test_after_nominating_while_voting_is_open_the_page_says_voting_is_open(client, edition):
    assert edition.is_voting_open()
    page = client.get(reverse("nominations:nominated", kwargs={"slug": edition.slug})).content.decode()
    assert "Voting is open now" in page
    assert "Once voting opens" not in page


def test_after_nominating_before_voting_the_page_says_when_voting_opens(client):
    now = timezone.now()
    edition = EditionFactory(
        voting_opens_at=now + timedelta(days=3), voting_closes_at=now + timedelta(days=9), slug="early"
    )
    page = client.get(reverse("nominations:nominated", kwargs={"slug": edition.slug})).content.decode()
    assert "Voting opens on" in page


def test_after_voting_closes_nominations_read_closed(client, edition):
    close_voting(edition)
    edition.refresh_from_db()
    assert not edition.is_nomination_open()
    page = client.get(reverse("nominations:edition", kwargs={"slug": edition.slug})).content.decode()
    assert "open now" not in page
    assert "Nominate a firm" not in page


def test_released_results_say_when_they_were_published_not_a_future_date(client, edition):
    close_voting(edition)
    edition.results_date = timezone.localdate() + timedelta(days=30)
    edition.save(update_fields=["results_date"])
    admin = get_user_model().objects.create_superuser("r", "r@example.com", "a-long-admin-password-1")
    services.release_results(edition=edition, by=admin)
    page = client.get(reverse("nominations:edition", kwargs={"slug": edition.slug})).content.decode()
    assert "published on" in page
    assert "to be announced on" not in page


def test_past_results_are_reachable_from_the_menu(client, edition):
    close_voting(edition)
    admin = get_user_model().objects.create_superuser("r", "r@example.com", "a-long-admin-password-1")
    services.release_results(edition=edition, by=admin)
    home = client.get("/en/").content.decode()
    index_url = reverse("nominations:results_index")
    assert f'href="{index_url}"' in home
    index = client.get(index_url).content.decode()
    assert reverse("nominations:results", kwargs={"slug": edition.slug}) in index
