"""Races that only a real database can decide: run on PostgreSQL (DATABASE_URL), skipped on SQLite."""

import pytest
from django.db import connection

from nominations import mail, services
from nominations.client import ClientInfo
from nominations.exceptions import AlreadyConfirmed, AlreadyVotedInCategory
from nominations.models import Tally, Vote
from tests.factories import NomineeFactory
from tests.race import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]

CLIENT = ClientInfo(ip_hash=1, network_hash=2, user_agent="pytest")


def pending_vote(nominee, email):
    services.cast_vote(nominee=nominee, email=email, client=CLIENT)
    return Vote.objects.filter(nominee=nominee, confirmed_at__isnull=True).latest("created_at")


@pytest.mark.parametrize("attempt", range(5))
def test_two_votes_of_one_voter_confirmed_at_once_count_once(attempt):
    first = NomineeFactory()
    second = NomineeFactory(category=first.category)
    a = pending_vote(first, "jan.kowalski@gmail.com")
    b = pending_vote(second, "Jan.Kowalski+2@googlemail.com")
    outcomes = race(
        lambda: services.confirm_vote(token=mail.confirmation_token(a)),
        lambda: services.confirm_vote(token=mail.confirmation_token(b)),
    )
    assert sum(isinstance(o, Vote) for o in outcomes) == 1
    assert sum(isinstance(o, AlreadyVotedInCategory) for o in outcomes) == 1
    assert Vote.objects.filter(category=first.category, confirmed_at__isnull=False).count() == 1


@pytest.mark.parametrize("attempt", range(5))
def test_double_click_on_one_link_counts_once(attempt):
    vote = pending_vote(NomineeFactory(), "anna@example.com")
    token = mail.confirmation_token(vote)
    outcomes = race(lambda: services.confirm_vote(token=token), lambda: services.confirm_vote(token=token))
    assert sum(isinstance(o, Vote) for o in outcomes) == 1
    assert sum(isinstance(o, AlreadyConfirmed) for o in outcomes) == 1
    assert Vote.objects.filter(confirmed_at__isnull=False).count() == 1


def test_same_firm_nominated_at_once_is_one_firm_and_one_nominee():
    from nominations.models import Firm, Nomination, Nominee
    from tests.factories import CategoryFactory, next_nip

    category = CategoryFactory()
    data = services.NominationInput(
        firm_name="Sklepy Źródło",
        city="Poznań",
        website="",
        registration_number=next_nip(),
        channel="phone",
        ratings={"fast": 5, "personalised": 5, "competent": 5, "friendly": 5, "helpful": 5},
        reason="Always helpful on the phone.",
    )
    outcomes = race(
        *[lambda: services.nominate(edition=category.edition, category=category, data=data, client=CLIENT)] * 4
    )
    assert all(isinstance(o, Nomination) for o in outcomes), outcomes
    assert Firm.objects.count() == 1 and Nominee.objects.count() == 1 and Nomination.objects.count() == 4


def test_concurrent_runs_and_confirmations_end_with_an_exact_tally():
    from nominations.tally import process_pending_votes
    from tests.nominations.tally_checks import assert_tally_exact

    nominees = [NomineeFactory() for _i in range(3)]
    votes = [pending_vote(nominees[i % 3], f"voter{i}@example.com") for i in range(24)]
    confirmations = [lambda v=v: services.confirm_vote(token=mail.confirmation_token(v)) for v in votes]
    runs = [lambda: process_pending_votes(batch_size=5) for _i in range(6)]
    outcomes = race(*[call for pair in zip(confirmations[:6], runs, strict=True) for call in pair], *confirmations[6:])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    more = True
    while more:
        _handled, more = process_pending_votes()
    assert_tally_exact()
    # All from one network: the fraud checks hold them, but every one is accounted for.
    assert sum(t.counted + t.held for t in Tally.objects.all()) == 24
