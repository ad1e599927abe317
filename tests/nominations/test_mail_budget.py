"""The daily vote-mail budget belongs to the inbox, and a stranger cannot spend its owner's share."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from nominations import mail_budget, services
from nominations.client import ClientInfo
from nominations.emails import canonical_email, inbox_fingerprint
from nominations.models import MailSend, Vote
from nominations.services import voting
from tests.factories import NomineeFactory

pytestmark = pytest.mark.django_db

OWNER = ClientInfo(ip_hash=1, network_hash=101, user_agent="owner")
STRANGER = ClientInfo(ip_hash=2, network_hash=202, user_agent="stranger")


@pytest.fixture(autouse=True, params=["portable", "one_statement"])
def vote_path(request, monkeypatch):
    """Each way a vote is written: the ORM (SQLite, and here on PostgreSQL too) and vote_sql's one statement."""
    if request.param == "portable":
        monkeypatch.setattr(voting, "hot_path_in_sql", lambda: False)
    elif not voting.hot_path_in_sql():
        pytest.skip("the one-statement path is PostgreSQL only")
    return request.param


@pytest.fixture
def cast(django_capture_on_commit_callbacks):
    def cast(email, client, nominee=None):
        """A vote in a category of its own (a new nominee each time); returns whether a mail went."""
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            services.cast_vote(nominee=nominee or NomineeFactory(), email=email, client=client)
        return len(mail.outbox) > before

    return cast


def test_ten_votes_from_another_network_leave_the_owners_own_vote_its_mail(cast, settings):
    settings.VOTE_EMAILS_PER_ADDRESS_PER_DAY = 10
    sent = [cast("victim@example.com", STRANGER) for _i in range(11)]
    assert sent.count(True) == 10 and not sent[-1]  # the stranger's network spent its own share
    assert cast("victim@example.com", OWNER)
    assert mail.outbox[-1].to == ["victim@example.com"]


def test_tag_variants_at_any_provider_share_one_budget(cast, settings):
    settings.VOTE_EMAILS_PER_ADDRESS_PER_DAY = 3
    for domain in ("example.com", "outlook.com", "wp.pl"):
        sent = [cast(f"target+{i}@{domain}", STRANGER) for i in range(5)]
        assert sent == [True, True, True, False, False], domain


def test_provider_alias_schemes_share_one_budget(cast, settings):
    settings.VOTE_EMAILS_PER_ADDRESS_PER_DAY = 2
    assert [cast(address, STRANGER) for address in ("jan@yahoo.com", "jan-shop@yahoo.com", "jan-x@yahoo.com")] == [
        True,
        True,
        False,
    ]
    fastmail = ("ola@fastmail.com", "news@ola.fastmail.com", "ola+a@fastmail.com")
    assert [cast(address, STRANGER) for address in fastmail] == [True, True, False]


@pytest.mark.parametrize(
    "address, inbox",
    [
        ("Anna+news@Example.COM", "anna@example.com"),
        ("a.nna+x@gmail.com", "anna@gmail.com"),
        ("anna+x@googlemail.com", "anna@gmail.com"),
        ("anna-shop@yahoo.co.uk", "anna@yahoo.co.uk"),
        ("shop@anna.fastmail.com", "anna@fastmail.com"),
        ("a.nna@example.com", "a.nna@example.com"),  # dots are a different person outside gmail
        ("anna-b@example.com", "anna-b@example.com"),  # a dash is part of the name elsewhere
        ("anna@gmial.com", "anna@gmial.com"),  # a look-alike domain is another inbox
    ],
)
def test_inbox_fingerprint(address, inbox):
    assert inbox_fingerprint(canonical_email(address)) == inbox


def test_past_the_inbox_ceiling_only_a_network_that_sent_nothing_gets_one_mail(cast, settings):
    settings.VOTE_EMAILS_PER_ADDRESS_PER_DAY = 2
    settings.VOTE_EMAILS_PER_INBOX_PER_DAY = 4
    networks = [ClientInfo(ip_hash=n, network_hash=n, user_agent="x") for n in range(1, 5)]
    assert [cast("inbox@example.com", networks[n // 2]) for n in range(4)] == [True] * 4
    assert not cast("inbox@example.com", networks[0])  # the ceiling: flooding needs a network per mail
    assert cast("inbox@example.com", networks[2])  # its owner, on a network that sent nothing today
    assert not cast("inbox@example.com", networks[2])


def test_a_re_sent_link_is_charged_to_the_network_that_asked(cast, settings, nominee):
    settings.VOTE_EMAILS_PER_ADDRESS_PER_DAY = 2
    assert cast("owner@example.com", OWNER, nominee)
    for _i in range(3):  # the stranger asks the owner's pending vote to be re-sent after each cool-down
        Vote.objects.update(email_requested_at=timezone.now() - settings.VOTE_EMAIL_COOLDOWN - timedelta(seconds=1))
        cast("owner@example.com", STRANGER, nominee)
    assert MailSend.objects.filter(network_hash=STRANGER.network_hash).count() == 2
    assert cast("owner@example.com", OWNER)  # the owner's own share is untouched


def test_yesterdays_mails_are_forgotten_and_free_the_budget(cast, settings):
    settings.VOTE_EMAILS_PER_ADDRESS_PER_DAY = 1
    assert cast("someone@example.com", STRANGER)
    assert not cast("someone@example.com", STRANGER)
    MailSend.objects.update(sent_at=timezone.now() - timedelta(days=1, minutes=1))
    assert mail_budget.forget_old(now=timezone.now(), batch=1) == 1
    assert not MailSend.objects.exists()
    assert mail_budget.forget_old(now=timezone.now()) == 0  # twice: nothing more
    assert cast("someone@example.com", STRANGER)
