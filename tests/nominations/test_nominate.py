from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from nominations.models import Firm, Nomination, Nominee
from tests.challenge import solved
from tests.factories import next_nip

pytestmark = pytest.mark.django_db


def form_data(cat, **overrides):
    data = {
        "category": cat.pk,
        "firm_name": "Łódź Spółdzielnia Mleczarska",
        "city": "Łódź",
        "website": "https://mleczarnia.example.pl",
        "registration_number": "526-104-08-28",
        "channel": "office",
        "rating_fast": 5,
        "rating_personalised": 4,
        "rating_competent": 5,
        "rating_friendly": 5,
        "rating_helpful": 4,
        "reason": "They solved my problem the first time and called back a week later.",
        **solved(cat.edition),
    }
    data.update(overrides)
    return data


def post(client, edition, data):
    return client.post(reverse("nominations:nominate", kwargs={"slug": edition.slug}), data)


def test_nomination_creates_firm_nominee_and_nomination(client, edition, category):
    response = post(client, edition, form_data(category))
    assert response.status_code == 302
    firm = Firm.objects.get()
    assert (firm.name, firm.registration_number, firm.country) == ("Łódź Spółdzielnia Mleczarska", "5261040828", "PL")
    nomination = Nomination.objects.get()
    assert nomination.nominee.category == category
    assert (nomination.rating_fast, nomination.rating_helpful) == (5, 4)


def test_same_firm_nominated_twice_is_one_firm_and_one_nominee(client, edition, category):
    post(client, edition, form_data(category))
    post(client, edition, form_data(category, registration_number="PL5261040828", firm_name="Mleczarnia Łódź"))
    assert Firm.objects.count() == 1
    assert Nominee.objects.count() == 1
    assert Nomination.objects.count() == 2
    assert Firm.objects.get().name == "Łódź Spółdzielnia Mleczarska"


def test_same_firm_in_two_categories_is_two_nominees(client, edition, category):
    from tests.factories import CategoryFactory

    other = CategoryFactory(edition=edition)
    post(client, edition, form_data(category))
    post(client, edition, form_data(other))
    assert Firm.objects.count() == 1
    assert Nominee.objects.count() == 2


def test_invalid_nip_is_explained_and_nothing_saved(client, edition, category):
    response = post(client, edition, form_data(category, registration_number="526-104-08-27"))
    assert response.status_code == 400
    assert "checksum" in response.content.decode()
    assert not Nomination.objects.exists() and not Firm.objects.exists()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("firm_name", "<script>alert(1)</script>", "no HTML or script"),
        ("reason", "Great <b>service</b> every single time", "no HTML or script"),
        ("city", "Łódź\u202e", "invisible or control"),
        ("firm_name", "X" * 161, "at most 160"),
        ("reason", "Y" * 1001, "at most 1000"),
        ("reason", "short", "at least 10"),
        ("website", "javascript:alert(1)", "valid URL"),
        ("rating_fast", 6, "valid choice"),
        ("rating_fast", 0, "valid choice"),
        ("channel", "pigeon", "valid choice"),
        ("registration_number", "1" * 41, "at most 40"),
        # NFC turns each U+0958 into two code points: 320 after normalising.
        ("firm_name", "\u0958" * 160, "at most 160"),
    ],
)
def test_bad_input_is_explained_and_nothing_saved(client, edition, category, field, value, message):
    response = post(client, edition, form_data(category, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Nomination.objects.exists() and not Firm.objects.exists()


def test_polish_and_romanian_letters_are_kept_exactly(client, edition, category):
    name = "Ștefănești Ząb Żółć"
    post(client, edition, form_data(category, firm_name=name, registration_number=next_nip()))
    assert Firm.objects.get().name == name


def test_decomposed_letters_are_stored_composed(client, edition, category):
    post(client, edition, form_data(category, firm_name="S\u0326tefa\u0306nes\u0326ti"))
    assert Firm.objects.get().name == "Ștefănești"


def test_unknown_category_is_refused(client, edition, category):
    from tests.factories import CategoryFactory

    foreign = CategoryFactory()  # another edition's category
    response = post(client, edition, form_data(category, category=foreign.pk))
    assert response.status_code == 400
    assert not Nomination.objects.exists()


def test_closed_window_says_so_and_accepts_nothing(client, edition, category):
    edition.nomination_closes_at = timezone.now() - timedelta(minutes=1)
    edition.save()
    page = client.get(reverse("nominations:nominate", kwargs={"slug": edition.slug}))
    assert "Nominations are not open" in page.content.decode()
    assert b'name="firm_name"' not in page.content
    response = post(client, edition, form_data(category))
    assert response.status_code == 409
    assert not Nomination.objects.exists()


def test_a_closed_window_answers_409_even_for_a_bad_form(client, edition, category):
    edition.nomination_closes_at = timezone.now() - timedelta(minutes=1)
    edition.save()
    response = post(client, edition, form_data(category, firm_name="", registration_number="123"))
    assert response.status_code == 409
    assert "Nominations for this edition are closed, so nothing was saved." in response.content.decode()
    assert not Nomination.objects.exists()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("city", "Ł" * 101, "at most 100 characters"),
        ("city", "<b>Łódź</b>", "no HTML or script"),
        ("website", "https://example.pl/" + "a" * 190, "at most 200 characters"),
        ("website", "javascript:alert(1)", "valid URL"),
        ("firm_name", "F" * 161, "at most 160 characters"),
    ],
)
def test_each_field_has_a_limit_with_a_clear_message(client, edition, category, field, value, message):
    response = post(client, edition, form_data(category, **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Nomination.objects.exists() and not Firm.objects.exists()


def test_honeypot_filled_looks_like_success_but_saves_nothing(client, edition, category):
    response = post(client, edition, form_data(category, homepage="http://spam.example"))
    assert response.status_code == 302
    assert not Nomination.objects.exists()


def test_nomination_stores_hashed_addresses_only(client, edition, category):
    client.post(
        reverse("nominations:nominate", kwargs={"slug": edition.slug}), form_data(category), REMOTE_ADDR="198.51.100.23"
    )
    nomination = Nomination.objects.get()
    stored = " ".join(str(getattr(nomination, f.attname)) for f in Nomination._meta.fields)
    assert "198.51.100" not in stored
    from nominations.client import keyed_hash

    assert nomination.ip_hash == keyed_hash("198.51.100.23")
    assert nomination.network_hash == keyed_hash("198.51.100.0/24")


def test_missing_csrf_token_is_refused(edition, category):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = post(strict, edition, form_data(category))
    assert response.status_code == 403
    assert not Nomination.objects.exists()
