"""A certificate's days are its edition's: it starts on the local date of issue and its last day ends at local midnight."""

from datetime import UTC, date, datetime

import pytest

from certification.certificates import services as certificates
from certification.models import Certificate
from nominations.models import Edition

pytestmark = pytest.mark.django_db


def at(monkeypatch, instant: datetime) -> None:
    monkeypatch.setattr("django.utils.timezone.now", lambda: instant)


def test_the_last_day_of_a_romanian_certificate_ends_at_midnight_in_bucharest(issued, monkeypatch):
    Certificate.objects.filter(pk=issued.pk).update(
        country="RO", valid_from=date(2026, 4, 1), valid_until=date(2027, 3, 31)
    )
    certificate = Certificate.objects.get(pk=issued.pk)
    at(monkeypatch, datetime(2027, 3, 31, 20, 59, tzinfo=UTC))  # 23:59 in Bucharest (summer time, UTC+3)
    assert certificate.status() == "valid"
    assert Certificate.objects.valid_on().filter(pk=certificate.pk).exists()
    at(
        monkeypatch, datetime(2027, 3, 31, 21, 1, tzinfo=UTC)
    )  # 00:01 on 1 April there, still 23:01 on 31 March in Warsaw
    assert certificate.status() == "expired"
    assert not Certificate.objects.valid_on().filter(pk=certificate.pk).exists()
    assert Certificate.objects.expired_on().filter(pk=certificate.pk).exists()


def test_a_polish_certificate_is_still_valid_at_that_instant(issued, monkeypatch):
    Certificate.objects.filter(pk=issued.pk).update(
        country="PL", valid_from=date(2026, 4, 1), valid_until=date(2027, 3, 31)
    )
    certificate = Certificate.objects.get(pk=issued.pk)
    at(monkeypatch, datetime(2027, 3, 31, 21, 1, tzinfo=UTC))  # 23:01 in Warsaw
    assert certificate.status() == "valid" and Certificate.objects.valid_on().filter(pk=certificate.pk).exists()


def test_a_certificate_starts_on_the_editions_date_of_issue(winner, manager, monkeypatch):
    Edition.objects.filter(pk=winner.edition_id).update(country="RO", time_zone="Europe/Bucharest")
    winner.edition.refresh_from_db()
    at(monkeypatch, datetime(2026, 12, 31, 22, 30, tzinfo=UTC))  # 00:30 on 1 January in Bucharest
    result = certificates.issue_certificates(edition=winner.edition, nominee_ids=[winner.pk], actor=manager)
    assert result.certificates[0].valid_from == date(2027, 1, 1)
