"""The methodology page of an edition (in three languages) and the archive of released results on the home page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tests.factories import EditionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading", "voter_check"),
    [
        ("en", "Methodology", "What you can check"),
        ("pl", "Metodologia", "Co możesz sprawdzić"),
        ("ro", "Metodologie", "Ce poți verifica"),
    ],
)
def test_the_methodology_page_explains_the_edition_with_its_own_figures(client, db, language, heading, voter_check):
    edition = EditionFactory(min_counted_votes=37, voting_closes_at=timezone.now() + timedelta(days=400))
    with translation.override(language):
        url = reverse("nominations:methodology", kwargs={"slug": edition.slug})
    response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200 and url.startswith(f"/{language}/")
    assert heading in page and voter_check in page
    assert "37" in page  # the edition's threshold, as data
    assert str(timezone.localtime(edition.voting_closes_at).year) in page


def test_the_methodology_page_of_an_unknown_edition_is_not_found(client, db):
    assert client.get(reverse("nominations:methodology", kwargs={"slug": "nope"})).status_code == 404


def test_the_home_page_lists_the_results_of_released_editions(client, released, contest):
    unreleased = EditionFactory(label="2099/2100")
    page = client.get(reverse("nominations:home")).content.decode()
    assert "Results of past editions" in page
    assert reverse("nominations:results", kwargs={"slug": released["edition"].slug}) in page
    assert str(unreleased) in page  # as a current edition, not in the archive
    archive = page[page.index('id="results-archive"') :]
    assert str(unreleased) not in archive and str(released["edition"]) in archive


def test_the_edition_page_links_its_methodology(client, closed_edition):
    page = client.get(reverse("nominations:edition", kwargs={"slug": closed_edition.slug})).content.decode()
    assert reverse("nominations:methodology", kwargs={"slug": closed_edition.slug}) in page
