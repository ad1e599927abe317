"""The page frame (templates/base.html) is cached per language; what differs per request never is."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NEXT = re.compile(r'<input name="next" type="hidden" value="([^"]*)">')


def test_each_language_gets_its_own_frame(client):
    english = client.get("/en/receipt/").content.decode()
    polish = client.get("/pl/receipt/").content.decode()
    english_again = client.get("/en/receipt/").content.decode()
    assert "Sprawdź mój głos" in polish and 'value="pl" lang="pl" selected' in polish
    assert 'href="/pl/results/"' in polish
    for page in (english, english_again):
        assert "Check my vote" in page and 'value="en" lang="en" selected' in page
        assert 'href="/en/results/"' in page and "Sprawdź mój głos" not in page


def test_the_language_form_carries_each_requests_own_path_and_token(client):
    receipt = client.get("/en/receipt/?code=ABCD").content.decode()
    results = client.get(reverse("nominations:results_index")).content.decode()
    assert NEXT.search(receipt).group(1) == "/en/receipt/?code=ABCD"
    assert NEXT.search(results).group(1) == reverse("nominations:results_index")
    assert TOKEN.search(receipt).group(1) != TOKEN.search(results).group(1)  # masked anew for each response


def test_a_changed_programme_name_shows_at_once(client, settings):
    client.get("/en/receipt/")
    settings.PROGRAMME_NAME = {"en": "Service Stars"}
    page = client.get("/en/receipt/").content.decode()
    assert "<span>Service Stars</span>" in page and '<p class="footer-title">Service Stars</p>' in page
