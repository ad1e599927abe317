"""A ledger line's day is its edition's day: a Romanian vote at 00:30 in Bucharest belongs to that date."""

from datetime import UTC, date, datetime

from nominations.ledger import ledger_days
from nominations.models import Edition


def test_a_romanian_votes_day_is_bucharests():
    instant = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)  # 00:30 on 1 January in Bucharest, 23:30 in Warsaw
    assert ledger_days(Edition(country="RO", time_zone="Europe/Bucharest"))(instant) == date(2027, 1, 1)
    assert ledger_days(Edition(country="PL", time_zone="Europe/Warsaw"))(instant) == date(2026, 12, 31)
