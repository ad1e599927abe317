"""The transactional outbox: the vote row says which mail it waits for; the relay hands it over after the commit."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from nominations import outbox, services
from nominations.client import ClientInfo
from nominations.mail import confirmation_token, send_vote_email
from nominations.models import MailKind, TaskRun, Vote
from portal.celery import app
from portal.notify import Listener
from tests.integration.broker import use_broker

CLIENT = ClientInfo(ip_hash=1, network_hash=2, user_agent="pytest")


@pytest.fixture
def relay_elsewhere():
    """Production's mode: no eager in-process pass, so only the relay (called by the test) hands work over."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = saved


@pytest.fixture
def dead_broker():
    saved = app.conf.broker_url
    use_broker("redis://127.0.0.1:1/0", eager=False)
    yield
    use_broker(saved, eager=True)


@pytest.mark.django_db
def test_a_vote_writes_its_mail_into_its_row_and_sends_nothing_itself(nominee, relay_elsewhere):
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        services.cast_vote(nominee=nominee, email="anna@example.com", client=CLIENT)
    assert not callbacks and not mail.outbox  # nothing over the network from the request
    assert Vote.objects.get().email_pending == MailKind.CONFIRM
    app.conf.task_always_eager = True  # the worker's side, in-process
    assert outbox.relay_once() == 1
    assert len(mail.outbox) == 1
    assert Vote.objects.get().email_pending == ""
    assert outbox.relay_once() == 0 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_mail_task_delivered_twice_sends_once(nominee, relay_elsewhere):
    services.cast_vote(nominee=nominee, email="anna@example.com", client=CLIENT)
    vote = Vote.objects.get()
    send_vote_email(vote.pk, MailKind.CONFIRM)
    send_vote_email(vote.pk, MailKind.CONFIRM)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_claimed_mail_never_sent_is_handed_over_again_after_its_lease(nominee, relay_elsewhere, settings):
    services.cast_vote(nominee=nominee, email="anna@example.com", client=CLIENT)
    assert len(outbox.claim_mails()) == 1
    assert outbox.claim_mails() == []  # leased: not handed over twice
    Vote.objects.update(email_queued_at=timezone.now() - settings.OUTBOX_MAIL_LEASE - timedelta(seconds=1))
    assert [kind for _id, kind in outbox.claim_mails()] == [MailKind.CONFIRM]


@pytest.mark.django_db
def test_confirming_drops_a_confirmation_mail_still_waiting(client, nominee, relay_elsewhere):
    services.cast_vote(nominee=nominee, email="anna@example.com", client=CLIENT)
    vote = Vote.objects.get()
    services.confirm_vote(token=confirmation_token(vote))
    assert outbox.mails_waiting() == (0, None)


@pytest.mark.django_db
def test_with_the_broker_down_the_relay_sends_the_mail_itself(nominee, dead_broker):
    app.conf.task_always_eager = False
    services.cast_vote(nominee=nominee, email="anna@example.com", client=CLIENT)
    assert not mail.outbox
    outbox.relay_once()
    assert len(mail.outbox) == 1 and outbox.mails_waiting()[0] == 0


@pytest.mark.django_db
def test_background_jobs_page_shows_the_relay_and_the_waiting_mails(admin_client, nominee, relay_elsewhere):
    services.cast_vote(nominee=nominee, email="anna@example.com", client=CLIENT)
    TaskRun.objects.create(name=outbox.RELAY_RUN, last_finished_at=timezone.now() - timedelta(minutes=10))
    page = admin_client.get(reverse("admin:nominations_taskrun_changelist")).content.decode()
    assert "Mails waiting" in page and "The outbox relay has not reported" in page


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_relay_hears_only_committed_work(nominee, relay_elsewhere):
    listener = Listener(outbox.CHANNEL)
    try:
        with transaction.atomic():
            services.cast_vote(nominee=nominee, email="gone@example.com", client=CLIENT)
            transaction.set_rollback(True)
        assert listener.wait(0.3) == 0
        services.cast_vote(nominee=nominee, email="anna@example.com", client=CLIENT)
        assert listener.wait(5) >= 1
    finally:
        listener.close()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_relay_process_wakes_on_a_commit_and_the_mail_leaves(nominee, dead_broker):
    """The relay's loop with a long catch-up: only the NOTIFY can wake it in time; the broker is down, so it sends."""
    app.conf.task_always_eager = False
    stopping = threading.Event()

    def run():
        try:
            outbox.run_relay(catch_up_seconds=60, stop=stopping.is_set)
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        deadline = timezone.now() + timedelta(seconds=20)
        while not TaskRun.objects.filter(name=outbox.RELAY_RUN).exists() and timezone.now() < deadline:
            threading.Event().wait(0.05)  # the relay listens from before it writes its first heartbeat
        services.cast_vote(nominee=nominee, email="anna@example.com", client=CLIENT)
        while not mail.outbox and timezone.now() < deadline:
            threading.Event().wait(0.05)
        assert len(mail.outbox) == 1
    finally:
        stopping.set()
        # Wake the loop so it sees the stop at once.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [outbox.CHANNEL])
        thread.join(timeout=10)
