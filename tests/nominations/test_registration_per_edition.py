"""What an edition accepts as a registration number is exactly what its help text says."""

import re

import pytest

from nominations import registration
from nominations.models import Firm
from tests.factories import CategoryFactory, EditionFactory
from tests.nominations.test_nominate import form_data, post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("edition_country", "typed", "expected"),
    [
        ("RO", "526-104-08-28", ("PL", "5261040828")),  # a Polish NIP as Poles write it
        ("RO", "PL5261040828", ("PL", "5261040828")),  # its EU VAT form
        ("RO", "RO 18547290", ("RO", "18547290")),
        ("RO", "18547290", ("RO", "18547290")),
        ("PL", "RO18547290", ("RO", "18547290")),
        ("PL", "18547290", ("RO", "18547290")),  # not a NIP (8 digits), a valid CUI
        ("PL", "526 104 08 28", ("PL", "5261040828")),
    ],
)
def test_an_edition_accepts_both_countries_numbers(edition_country, typed, expected):
    assert registration.identify(typed, edition_country=edition_country) == expected


@pytest.mark.parametrize("country", ["PL", "RO"])
def test_every_example_in_the_help_text_is_accepted(country):
    examples = re.findall(r"like ([A-Z0-9][A-Z0-9\-]+)", registration.help_text(country))
    assert len(examples) >= 2
    for example in examples:
        registration.identify(example, edition_country=country)


def test_a_number_of_another_eu_country_is_refused_with_what_is_accepted():
    with pytest.raises(registration.InvalidRegistrationNumber, match="Poland .* or Romania"):
        registration.identify("DE136695976", edition_country="RO")


def test_a_wrong_number_reports_the_editions_own_rule():
    with pytest.raises(registration.InvalidRegistrationNumber, match="CUI fails its checksum"):
        registration.identify("18547291", edition_country="RO")


def test_a_polish_firm_nominated_in_romania_is_a_polish_firm(client):
    edition = EditionFactory(country="RO", slug="ro-2026", label="2026/2027")
    category = CategoryFactory(edition=edition)
    response = post(client, edition, form_data(category, registration_number="526-104-08-28"))
    assert response.status_code == 302
    firm = Firm.objects.get()
    assert (firm.country, firm.registration_number) == ("PL", "5261040828")
