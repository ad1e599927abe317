"""With the broker unreachable, votes are still taken and confirmed; the sweep counts them."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.test import TestCase

from nominations import mail as vote_mail
from nominations import outbox, services, tally
from nominations.client import ClientInfo
from nominations.models import Tally, Vote
from portal.breaker import broker_breaker
from portal.celery import app
from tests.integration.broker import use_broker

pytestmark = pytest.mark.django_db

CLIENT = ClientInfo(ip_hash=1, network_hash=2, user_agent="pytest")


@pytest.fixture
def dead_broker():
    """Point the real Celery app at a port where nothing listens (refused at once), then restore it."""
    saved = app.conf.broker_url
    use_broker("redis://127.0.0.1:1/0", eager=False)
    yield
    use_broker(saved, eager=True)


def test_vote_is_taken_confirmed_and_later_counted_while_the_broker_is_down(nominee, dead_broker):
    started = time.monotonic()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.cast_vote(nominee=nominee, email="anna@example.com", client=CLIENT)
    assert not mail.outbox and broker_breaker.allows()  # the request itself touches no broker
    assert outbox.relay_once() == 1
    assert len(mail.outbox) == 1  # the relay found the broker down and sent it itself
    assert outbox.mails_waiting()[0] == 0
    vote = Vote.objects.get()
    # A person takes a while to open the mail (a confirmation within seconds would be held as suspicious).
    # The fast-confirmation rule's clock starts at the first send.
    Vote.objects.update(
        email_sent_at=vote.email_sent_at - timedelta(minutes=2),
        first_email_sent_at=vote.first_email_sent_at - timedelta(minutes=2),
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.confirm_vote(token=vote_mail.confirmation_token(vote))
    outbox.relay_once()
    assert time.monotonic() - started < 5
    assert not broker_breaker.allows()  # later passes skip the broker at once
    assert tally.waiting_votes() == 1  # saved, confirmed, waiting for the sweep

    from nominations.tasks import reconcile

    app.conf.task_always_eager = True
    reconcile.apply()
    assert tally.waiting_votes() == 0
    assert Tally.objects.get(nominee=nominee).counted == 1
