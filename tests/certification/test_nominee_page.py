"""Each nominee has a public page: its votes after release, its certificate status."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from nominations import services
from nominations.tally import process_pending_votes
from tests.factories import VoteFactory
from tests.nominations.test_results import close_voting

pytestmark = pytest.mark.django_db


def page_of(client, nominee):
    url = reverse("certification:nominee", kwargs={"slug": nominee.edition.slug, "nominee_id": nominee.pk})
    return client.get(url)


def test_before_release_the_page_shows_no_figures(client, nominee):
    VoteFactory.create_batch(3, nominee=nominee)
    response = page_of(client, nominee)
    assert response.status_code == 200
    page = response.content.decode()
    assert nominee.firm.name in page
    assert "Vote figures are published with the results, never before." in page
    assert "results-chart" not in page


def test_after_release_the_page_shows_its_votes_and_that_it_holds_no_certificate(client, nominee, other_nominee):
    VoteFactory.create_batch(3, nominee=nominee)
    process_pending_votes()
    close_voting(nominee.edition)
    admin = get_user_model().objects.create_superuser("r", "r@example.com", "a-long-admin-password-1")
    services.release_results(edition=nominee.edition, by=admin)
    page = page_of(client, nominee).content.decode()
    assert "results-chart" in page and "is-highlighted" in page
    assert other_nominee.firm.name in page  # its category's chart, with the others
    assert "This nominee holds no certificate of this edition." in page


def test_a_nominee_of_another_edition_is_404(client, nominee):
    url = reverse("certification:nominee", kwargs={"slug": "other", "nominee_id": nominee.pk})
    assert client.get(url).status_code == 404
