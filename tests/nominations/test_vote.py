import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from nominations import mail as vote_mail
from nominations import services
from nominations.models import Vote
from nominations.services import voting
from portal import dispatch
from tests.challenge import solved
from tests.factories import VoteFactory
from tests.nominations.helpers import confirm, last_token, vote

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["statements", "orm"])
def vote_path(request, monkeypatch):
    """Every rule here holds on both write paths: the hand-written statements (PostgreSQL) and the portable ORM code."""
    if request.param == "statements" and connection.vendor != "postgresql":
        pytest.skip("the hand-written statements are PostgreSQL's")
    if request.param == "orm":
        monkeypatch.setattr(voting, "hot_path_in_sql", lambda: False)
    return request.param


def test_vote_is_not_counted_until_confirmed(client, nominee):
    response = vote(client, nominee, "anna@example.com")
    assert response.status_code == 302
    assert response.url.endswith("/vote/sent/")
    saved = Vote.objects.get()
    assert saved.confirmed_at is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["anna@example.com"]


def test_confirmation_link_counts_the_vote_and_shows_receipt(client, nominee):
    vote(client, nominee, "anna@example.com")
    response = confirm(client, last_token())
    saved = Vote.objects.get()
    assert saved.confirmed_at is not None
    assert saved.receipt_code in response.content.decode()


def test_confirmation_email_gives_the_receipt_code(client, nominee):
    vote(client, nominee, "anna@example.com")
    saved = Vote.objects.get()
    assert saved.receipt_code in mail.outbox[0].body
    assert "expires in 48 hours" in mail.outbox[0].body


def test_confirmation_link_get_shows_a_button_and_counts_nothing(client, nominee):
    vote(client, nominee, "anna@example.com")
    response = client.get(reverse("nominations:confirm", kwargs={"token": last_token()}))
    assert response.status_code == 200
    assert "Confirm my vote" in response.content.decode()
    assert Vote.objects.get().confirmed_at is None


def test_replayed_token_changes_nothing(client, nominee):
    vote(client, nominee, "anna@example.com")
    token = last_token()
    confirm(client, token)
    first = Vote.objects.get().confirmed_at
    response = confirm(client, token)
    assert "already confirmed" in response.content.decode()
    assert Vote.objects.get().confirmed_at == first


def test_expired_token_is_refused(client, nominee, settings):
    vote(client, nominee, "anna@example.com")
    token = last_token()
    settings.VOTE_CONFIRM_MAX_AGE = timedelta(seconds=-1)
    response = confirm(client, token)
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert Vote.objects.get().confirmed_at is None


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "A" * 300, lambda t: "not-a-token"])
def test_tampered_token_is_refused(client, nominee, mangle):
    vote(client, nominee, "anna@example.com")
    response = confirm(client, mangle(last_token()))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert Vote.objects.get().confirmed_at is None


def test_token_for_another_votes_nonce_is_refused(client, nominee):
    vote(client, nominee, "anna@example.com")
    saved = Vote.objects.get()
    forged = signing.dumps([saved.pk, "guessed-nonce"], salt=vote_mail.TOKEN_SALT, compress=True)
    assert confirm(client, forged).status_code == 400
    assert Vote.objects.get().confirmed_at is None


def test_second_vote_in_category_is_not_counted(client, nominee, other_nominee):
    vote(client, nominee, "anna@example.com")
    confirm(client, last_token())
    response = vote(client, other_nominee, "Anna@Example.com")
    assert response.status_code == 302 and response.url.endswith("/vote/sent/")
    assert "already voted" in mail.outbox[-1].subject
    assert Vote.objects.filter(confirmed_at__isnull=False).count() == 1
    assert Vote.objects.count() == 1


def test_page_after_a_vote_reads_the_same_for_first_and_second_votes(client, nominee, other_nominee):
    def page(response):
        # The CSRF token of the language form differs per response; nothing else may.
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", client.get(response.url).content.decode())

    first = vote(client, nominee, "anna@example.com")
    confirm(client, last_token())
    second = vote(client, other_nominee, "anna@example.com")
    assert first.url == second.url
    assert page(first) == page(second)


def test_two_pending_votes_only_the_first_confirmed_counts(client, nominee, other_nominee):
    vote(client, nominee, "jan.kowalski@gmail.com")
    token_a = last_token()
    vote(client, other_nominee, "JanKowalski+x@googlemail.com")
    token_b = last_token()
    confirm(client, token_a)
    response = confirm(client, token_b)
    assert response.status_code == 409
    assert "already confirmed a vote in this category" in response.content.decode()
    assert Vote.objects.filter(confirmed_at__isnull=False).get().nominee == nominee


def test_database_refuses_two_counted_votes_of_one_voter_in_a_category(nominee, other_nominee):
    now = timezone.now()
    VoteFactory(nominee=nominee, email="a.b@gmail.com", confirmed_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        VoteFactory(nominee=other_nominee, email="ab+2@googlemail.com", confirmed_at=now)


def test_same_voter_may_vote_in_each_category(client, nominee):
    from tests.factories import NomineeFactory

    elsewhere = NomineeFactory(category__edition=nominee.edition)
    vote(client, nominee, "anna@example.com")
    confirm(client, last_token())
    vote(client, elsewhere, "anna@example.com")
    confirm(client, last_token())
    assert Vote.objects.filter(confirmed_at__isnull=False).count() == 2


def test_asking_again_within_the_cooldown_sends_no_second_mail(client, nominee, settings):
    settings.VOTE_EMAIL_COOLDOWN = timedelta(minutes=5)
    vote(client, nominee, "anna@example.com")
    vote(client, nominee, "anna@example.com")
    assert len(mail.outbox) == 1
    assert Vote.objects.count() == 1


def test_asking_again_after_the_cooldown_sends_the_same_link(client, nominee, settings):
    vote(client, nominee, "anna@example.com")
    first = last_token()
    Vote.objects.update(email_requested_at=timezone.now() - timedelta(minutes=10))
    vote(client, nominee, "anna@example.com")
    assert len(mail.outbox) == 2
    assert Vote.objects.count() == 1
    assert signing.loads(first, salt=vote_mail.TOKEN_SALT) == signing.loads(last_token(), salt=vote_mail.TOKEN_SALT)


def test_one_inbox_gets_a_bounded_number_of_mails_a_day(client, settings):
    from tests.factories import NomineeFactory

    settings.VOTE_EMAILS_PER_ADDRESS_PER_DAY = 3
    for _i in range(5):
        vote(client, NomineeFactory(), "target@example.com")
    assert len(mail.outbox) == 3


def test_one_pending_vote_is_not_re_mailed_past_the_daily_budget(client, nominee, settings):
    settings.VOTE_EMAILS_PER_ADDRESS_PER_DAY = 3
    first = vote(client, nominee, "target@example.com")
    for _i in range(4):
        Vote.objects.update(email_requested_at=timezone.now() - settings.VOTE_EMAIL_COOLDOWN - timedelta(seconds=1))
        assert vote(client, nominee, "target@example.com").status_code == first.status_code
    assert len(mail.outbox) == 3


def test_already_voted_mails_spend_the_daily_budget(client, nominee, settings):
    settings.VOTE_EMAILS_PER_ADDRESS_PER_DAY = 3
    vote(client, nominee, "target@example.com")
    confirm(client, last_token())
    for _i in range(4):
        Vote.objects.update(email_requested_at=timezone.now() - settings.VOTE_EMAIL_COOLDOWN - timedelta(seconds=1))
        vote(client, nominee, "target@example.com")
    assert len(mail.outbox) == 3


def test_voting_closed_accepts_nothing(client, nominee):
    nominee.edition.voting_closes_at = timezone.now() - timedelta(seconds=1)
    nominee.edition.save()
    response = vote(client, nominee, "anna@example.com")
    assert response.status_code == 409
    assert "Voting in this edition is closed" in response.content.decode()
    assert not Vote.objects.exists() and not mail.outbox


def test_confirming_after_voting_closed_is_refused(client, nominee):
    vote(client, nominee, "anna@example.com")
    nominee.edition.voting_closes_at = timezone.now() - timedelta(seconds=1)
    nominee.edition.save()
    response = confirm(client, last_token())
    assert response.status_code == 400
    assert Vote.objects.get().confirmed_at is None


def test_unknown_nominee_is_explained(client, nominee):
    from tests.factories import NomineeFactory

    foreign = NomineeFactory()
    url = reverse("nominations:category", kwargs={"slug": nominee.edition.slug, "category_slug": nominee.category.slug})
    response = client.post(
        url, {"nominee": foreign.pk, "email": "a@example.com", "consent": "on", **solved(nominee.edition)}
    )
    assert response.status_code == 400
    assert "This nominee does not exist in this category." in response.content.decode()
    assert not Vote.objects.exists()


@pytest.mark.parametrize("choice", ["", "abc", "<script>alert(1)</script>", "9" * 40, "-1"])
def test_a_nominee_that_cannot_be_one_is_explained_and_the_form_shows_every_nominee(
    client, nominee, other_nominee, choice
):
    url = reverse("nominations:category", kwargs={"slug": nominee.edition.slug, "category_slug": nominee.category.slug})
    response = client.post(
        url, {"nominee": choice, "email": "a@example.com", "consent": "on", **solved(nominee.edition)}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert ("This nominee does not exist in this category." in page) or ("Choose an answer for “Your choice”." in page)
    assert "<script>alert(1)" not in page
    # The form shown again offers the whole category, not only what was posted.
    assert nominee.firm.name in page and other_nominee.firm.name in page
    assert not Vote.objects.exists()


def test_a_vote_post_reads_only_the_chosen_nominee(client, nominee, django_assert_max_num_queries):
    from tests.factories import NomineeFactory

    for _i in range(30):
        NomineeFactory(category=nominee.category)
    url = reverse("nominations:category", kwargs={"slug": nominee.edition.slug, "category_slug": nominee.category.slug})
    form = solved(nominee.edition)
    # The nominee with its category and edition, the address's votes, the insert (in a
    # savepoint here, as the test runs in a transaction); the mail goes after commit.
    with django_assert_max_num_queries(5) as captured:
        response = client.post(url, {"nominee": nominee.pk, "email": "anna@example.com", "consent": "on", **form})
    assert response.status_code == 302
    statements = [
        q["sql"].strip() for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    if voting.hot_path_in_sql():
        # PostgreSQL: the nominee, then one statement that reads the address's votes, inserts and notifies.
        assert len(statements) == 2 and statements[1].startswith("WITH mine AS"), statements
    else:
        assert len([sql for sql in statements if sql.startswith("SELECT")]) == 2, statements
    assert Vote.objects.get().nominee == nominee


def test_unknown_category_is_404(client, edition):
    response = client.get(reverse("nominations:category", kwargs={"slug": edition.slug, "category_slug": "nope"}))
    assert response.status_code == 404
    assert "This category does not exist" in response.content.decode()


@pytest.mark.parametrize(
    "email,message",
    [
        ("not-an-address", "valid email"),
        ("a" * 250 + "@example.com", "at most 254"),
        ("<script>@example.com", "valid email"),
        ("anna\u200b@example.com", "valid email"),
        ('"alice"@example.com', "without quotation marks"),
        # 248 characters as typed, 272 once the domain is IDNA-encoded.
        ("a" * 60 + "@" + ".".join(["\u00fc" * 45] * 4) + ".com", "too long"),
        ('"x@gmail.com"@mailinator.com', "without quotation marks"),
    ],
)
def test_bad_email_is_explained_and_nothing_saved(client, nominee, email, message):
    response = vote(client, nominee, email)
    assert response.status_code == 400
    assert message in response.content.decode().lower()
    assert not Vote.objects.exists()


def test_consent_is_required(client, nominee):
    url = reverse("nominations:category", kwargs={"slug": nominee.edition.slug, "category_slug": nominee.category.slug})
    response = client.post(url, {"nominee": nominee.pk, "email": "anna@example.com", **solved(nominee.edition)})
    assert response.status_code == 400
    assert not Vote.objects.exists()


def test_honeypot_vote_looks_sent_but_saves_nothing(client, nominee):
    response = vote(client, nominee, "anna@example.com", homepage="x")
    assert response.status_code == 302
    assert not Vote.objects.exists() and not mail.outbox


def test_vote_keeps_keyed_hashes_and_user_agent_but_no_address(client, nominee):
    vote(client, nominee, "anna@example.com", REMOTE_ADDR="2001:db8:1:2::7", HTTP_USER_AGENT="Firefox/130")
    saved = Vote.objects.get()
    assert saved.user_agent == "Firefox/130"
    assert isinstance(saved.ip_hash, int) and isinstance(saved.network_hash, int)
    from nominations.client import keyed_hash

    assert saved.network_hash == keyed_hash("2001:db8:1:2::/64")


def test_receipt_page_tells_whether_the_vote_counts(client, nominee):
    vote(client, nominee, "anna@example.com")
    saved = Vote.objects.get()
    pending = client.get(reverse("nominations:receipt"), {"code": saved.receipt_code})
    assert "has not been confirmed" in pending.content.decode()
    confirm(client, last_token())
    counted = client.get(reverse("nominations:receipt"), {"code": saved.receipt_code.replace("-", "").lower()})
    assert "is counted" in counted.content.decode()
    unknown = client.get(reverse("nominations:receipt"), {"code": "AAAA-BBBB-CCCC"})
    assert "No vote has this receipt code" in unknown.content.decode()
    bad = client.get(reverse("nominations:receipt"), {"code": "<script>alert(1)"})
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("standing", "says"),
    [("held", "is being reviewed"), ("rejected", "an auditor rejected it as fraud: it is not counted")],
)
def test_receipt_page_does_not_call_a_vote_under_review_or_rejected_counted(client, nominee, standing, says):
    vote(client, nominee, "anna@example.com")
    confirm(client, last_token())
    Vote.objects.update(standing=standing)
    page = client.get(reverse("nominations:receipt"), {"code": Vote.objects.get().receipt_code}).content.decode()
    assert "is counted" not in page
    assert says in page


def test_a_confirmation_racing_the_close_is_not_counted(client, nominee, monkeypatch):
    from nominations.exceptions import VotingClosed
    from nominations.models import Edition

    vote(client, nominee, "anna@example.com")
    token = last_token()
    # Closed between the window check and the update: the check still saw it open.
    Edition.objects.filter(pk=nominee.edition_id).update(voting_closes_at=timezone.now() - timedelta(seconds=1))
    monkeypatch.setattr(Edition, "is_voting_open", lambda self: True)
    with pytest.raises(VotingClosed):
        services.confirm_vote(token=token)
    assert Vote.objects.get().confirmed_at is None


def test_a_mail_server_error_with_the_broker_down_keeps_the_vote(client, nominee, monkeypatch):
    import smtplib

    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection refused")

    monkeypatch.setattr(dispatch, "send", lambda *args, **kwargs: False)
    monkeypatch.setattr(vote_mail, "send_mail", refuse)
    response = vote(client, nominee, "anna@example.com")
    assert response.status_code == 302
    assert Vote.objects.count() == 1 and not mail.outbox
