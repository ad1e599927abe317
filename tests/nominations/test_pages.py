from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CategoryFactory, EditionFactory

pytestmark = pytest.mark.django_db


def test_home_shows_current_edition_windows_and_categories(client, category):
    page = client.get("/en/").content.decode()
    assert "Poland" in page and category.edition.label in page
    assert "Banking" in page
    assert "Nominations" in page and "Voting" in page and "Results" in page


def test_home_shows_one_current_edition_per_country(client):
    now = timezone.now()
    EditionFactory(
        label="2024/2025", nomination_opens_at=now - timedelta(days=400), nomination_closes_at=now - timedelta(days=300)
    )
    EditionFactory(label="2026/2027")
    EditionFactory(country="RO", slug="ro-x", label="2026/2027")
    page = client.get("/en/").content.decode()
    assert "Poland 2026/2027" in page and "Romania 2026/2027" in page
    assert "2024/2025" not in page


def test_home_query_count_is_bounded(client, django_assert_max_num_queries):
    for _i in range(5):
        CategoryFactory.create_batch(4, edition=EditionFactory(country="RO", slug=f"ro-{_i}", label=f"{_i}"))
    # Editions (2), categories, nominees of the category cards, released archive.
    with django_assert_max_num_queries(5):
        client.get("/en/")


def test_unknown_edition_is_a_readable_404(client, db):
    response = client.get(reverse("nominations:edition", kwargs={"slug": "nope"}))
    assert response.status_code == 404
    assert "There is no such edition." in response.content.decode()


@pytest.mark.parametrize("language", ["en", "pl", "ro"])
def test_every_page_offers_the_language_switch(client, category, language):
    page = client.get(f"/{language}/e/{category.edition.slug}/").content.decode()
    assert f'<html lang="{language}">' in page
    assert 'name="language"' in page and 'value="pl"' in page and 'value="ro"' in page


def test_category_names_follow_the_language(client, category):
    assert "Bankowość" in client.get(f"/pl/e/{category.edition.slug}/").content.decode()
    assert "Bănci" in client.get(f"/ro/e/{category.edition.slug}/").content.decode()


def test_switching_language_keeps_the_page(client, category):
    path = f"/en/e/{category.edition.slug}/"
    response = client.post(reverse("set_language"), {"language": "ro", "next": path})
    assert response.status_code == 302
    assert response.url == f"/ro/e/{category.edition.slug}/"


def test_polish_interface_is_translated(client, db):
    page = client.get("/pl/receipt/").content.decode()
    assert "Check my vote" not in page


def test_romanian_interface_is_translated(client, db):
    page = client.get("/ro/receipt/").content.decode()
    assert "Check my vote" not in page


def test_voting_form_outside_window_says_so(client, nominee):
    nominee.edition.voting_opens_at = timezone.now() + timedelta(days=1)
    nominee.edition.save()
    page = client.get(
        reverse("nominations:category", kwargs={"slug": nominee.edition.slug, "category_slug": nominee.category.slug})
    ).content.decode()
    assert "Voting is not open" in page
    assert 'name="email"' not in page


def test_unknown_address_404_does_not_show_the_exception_class(client, db, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/at-all/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Resolver404" not in page
    assert "There is nothing at this address." in page


def test_server_error_page_renders_in_the_active_language(db):
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("pl"):
        page = render_to_string("500.html")
    # Rendered through {% load i18n %}: the page follows the request's language.
    assert 'lang="pl"' in page
