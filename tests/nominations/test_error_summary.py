"""A failed submit opens with a summary linking to each field; messages name their field."""

import re

import pytest
from django.urls import reverse

from tests.nominations.helpers import vote

pytestmark = pytest.mark.django_db


def test_empty_nomination_lists_each_problem_once_with_a_link_to_its_field(client, edition, category):
    response = client.post(reverse("nominations:nominate", kwargs={"slug": edition.slug}), {})
    assert response.status_code == 400
    page = response.content.decode()
    match = re.search(r"<div class=\"error-summary\".*?</div>", page, re.S)
    assert match, page[page.find("<main") :][:3000]
    summary = match.group(0)
    assert "data-error-summary" in summary and 'tabindex="-1"' in summary
    links = re.findall(r'<a href="#([\w-]+)">', summary)
    assert {
        "id_firm_name",
        "id_city",
        "id_registration_number",
        "id_channel_0",
        "id_rating_fast_0",
        "id_reason",
    } <= set(links)
    for anchor in links:  # each link leads to an element on the page
        assert f'id="{anchor}"' in page
    assert "This field is required." not in page
    messages = re.findall(r"<li>.*?</li>", summary, re.S)
    assert len(messages) == len(set(messages))


def test_a_vote_without_an_address_names_the_field(client, nominee):
    response = vote(client, nominee, "")
    page = response.content.decode()
    assert "Fill in “Your e-mail address”." in page
    assert 'href="#id_email"' in page


def test_vote_form_autocompletes_the_address_and_hides_the_honeypot_from_tab(client, nominee):
    url = reverse("nominations:category", kwargs={"slug": nominee.edition.slug, "category_slug": nominee.category.slug})
    page = client.get(url).content.decode()
    assert re.search(r'<input type="email" name="email"[^>]*autocomplete="email"', page)
    honeypot = re.search(r'<input [^>]*name="homepage"[^>]*>', page).group(0)
    assert 'tabindex="-1"' in honeypot and 'autocomplete="off"' in honeypot


def test_nomination_fields_about_the_firm_are_not_autofilled_with_the_visitors_data(client, edition, category):
    page = client.get(reverse("nominations:nominate", kwargs={"slug": edition.slug})).content.decode()
    for name in ("firm_name", "city", "registration_number"):
        assert re.search(rf'name="{name}"[^>]*autocomplete="off"|autocomplete="off"[^>]*name="{name}"', page), name
