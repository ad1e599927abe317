"""Each edition runs on its country's clock: windows typed, stored and shown in it, certificates' days counted in it."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from nominations.models import Edition
from tests.factories import EditionFactory

pytestmark = pytest.mark.django_db

WARSAW, BUCHAREST = ZoneInfo("Europe/Warsaw"), ZoneInfo("Europe/Bucharest")


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "x"))
    return client


def typed_windows(country: str, closes: str) -> dict:
    """The admin's edition form with every window in the future and voting closing at `closes` (as typed)."""
    day, time = closes.split(" ")
    return {
        "country": country,
        "label": f"{country} 2026/2027",
        "slug": f"{country.lower()}-2026-2027",
        "time_zone": "",
        "nomination_opens_at_0": "2026-12-10",
        "nomination_opens_at_1": "00:00:00",
        "nomination_closes_at_0": "2027-01-10",
        "nomination_closes_at_1": "00:00:00",
        "voting_opens_at_0": "2027-01-11",
        "voting_opens_at_1": "00:00:00",
        "voting_closes_at_0": day,
        "voting_closes_at_1": time,
        "results_date": "2027-06-01",
        "min_counted_votes": 10,
        "min_voter_networks": 5,
        "max_flagged_share": "0.20",
        "pass_mark": "3.50",
        "survey_threshold": 80,
        "pow_max_number": 1_000_000,
        "integrity_threshold": "12.0",
        "categories-TOTAL_FORMS": "0",
        "categories-INITIAL_FORMS": "0",
    }


@pytest.mark.parametrize(
    ("country", "typed", "utc"),
    [
        # Winter: Bucharest is UTC+2, Warsaw UTC+1.
        ("RO", "2027-03-27 23:59:00", datetime(2027, 3, 27, 21, 59, tzinfo=UTC)),
        ("PL", "2027-03-27 23:59:00", datetime(2027, 3, 27, 22, 59, tzinfo=UTC)),
        # After the change to summer time on 28 March 2027: UTC+3 and UTC+2.
        ("RO", "2027-03-31 23:59:00", datetime(2027, 3, 31, 20, 59, tzinfo=UTC)),
        ("PL", "2027-03-31 23:59:00", datetime(2027, 3, 31, 21, 59, tzinfo=UTC)),
    ],
)
def test_a_window_typed_in_the_admin_is_the_editions_local_time(admin_client, country, typed, utc):
    response = admin_client.post(reverse("admin:nominations_edition_add"), typed_windows(country, typed))
    assert response.status_code == 302, response.content.decode()[:2000]
    edition = Edition.objects.get(country=country)
    assert edition.time_zone == {"RO": "Europe/Bucharest", "PL": "Europe/Warsaw"}[country]
    assert edition.voting_closes_at == utc


def test_the_admin_shows_a_romanian_window_in_bucharest_time(admin_client):
    edition = EditionFactory(
        country="RO",
        slug="ro-x",
        nomination_closes_at=datetime(2027, 2, 1, tzinfo=UTC),
        voting_opens_at=datetime(2027, 3, 1, tzinfo=UTC),
        voting_closes_at=datetime(2027, 3, 31, 20, 59, tzinfo=UTC),
    )
    page = admin_client.get(reverse("admin:nominations_edition_change", args=[edition.pk])).content.decode()
    assert 'value="23:59:00"' in page


def test_public_pages_name_the_date_the_time_and_the_zone(client):
    edition = EditionFactory(country="RO", slug="ro-y", voting_closes_at=datetime(2027, 3, 31, 20, 59, tzinfo=UTC))
    page = client.get(reverse("nominations:edition", args=[edition.slug]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "23:59 (Bucharest time)" in page
    assert "March 31, 2027" in page


def test_voting_closes_at_the_editions_midnight_not_the_servers(settings):
    settings.TIME_ZONE = "Europe/Warsaw"
    closes = datetime(2027, 1, 1, 0, 0, tzinfo=BUCHAREST)  # 23:00 on 31 December in Warsaw
    edition = EditionFactory(country="RO", slug="ro-z", voting_closes_at=closes)
    assert edition.is_voting_open(now=datetime(2026, 12, 31, 23, 30, tzinfo=WARSAW)) is False
    assert edition.is_voting_open(now=datetime(2026, 12, 31, 22, 59, tzinfo=WARSAW)) is True


def test_an_editions_today_is_its_own(monkeypatch):
    romanian = EditionFactory(country="RO", slug="ro-t")
    polish = EditionFactory(country="PL", slug="pl-t")
    instant = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)  # 00:30 on 1 January in Bucharest, 23:30 in Warsaw
    monkeypatch.setattr("django.utils.timezone.now", lambda: instant)
    assert romanian.today() == date(2027, 1, 1)
    assert polish.today() == date(2026, 12, 31)
