"""Vote mail over a real SMTP server (aiosmtpd, started by the suite), and bounces reported by the provider's webhook suppressed."""

import base64
import json

import pytest

from nominations import services
from nominations.client import ClientInfo
from nominations.models import MailSuppression
from tests.factories import NomineeFactory

pytestmark = pytest.mark.django_db

CLIENT = ClientInfo(ip_hash=1, network_hash=2, user_agent="pytest")
SECRET = "postmark:a-long-webhook-secret"


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": SECRET}
    settings.ANYMAIL_PROVIDER = "postmark"


def vote(nominee, email, capture):
    with capture(execute=True):
        services.cast_vote(nominee=nominee, email=email, client=CLIENT)


def postmark_event(client, email, *, kind="HardBounce", secret=SECRET):
    payload = {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": kind,
        "Email": email,
        "BouncedAt": "2026-12-01T16:09:19Z",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    }
    auth = base64.b64encode(secret.encode()).decode()
    return client.post(
        "/anymail/postmark/tracking/",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )


def test_the_confirmation_mail_reaches_the_smtp_server(smtp, nominee, django_capture_on_commit_callbacks):
    vote(nominee, "jan.kowalski@example.com", django_capture_on_commit_callbacks)
    [received] = smtp.to("jan.kowalski@example.com")
    assert "/vote/confirm/" in received.body


def test_a_bounce_reported_by_the_provider_stops_vote_mail_to_that_inbox(
    smtp, client, category, django_capture_on_commit_callbacks
):
    first, second = NomineeFactory(category=category), NomineeFactory()
    assert postmark_event(client, "Jan.Kowalski+promo@gmail.com").status_code == 200
    assert MailSuppression.objects.get().address == "jankowalski@gmail.com"
    vote(first, "jan.kowalski@gmail.com", django_capture_on_commit_callbacks)
    vote(second, "anna.nowak@example.com", django_capture_on_commit_callbacks)
    assert smtp.to("jan.kowalski@gmail.com") == []
    assert len(smtp.to("anna.nowak@example.com")) == 1


def test_a_repeated_webhook_keeps_one_entry(smtp, client):
    for _i in range(2):
        assert postmark_event(client, "ola@example.com").status_code == 200
    assert MailSuppression.objects.count() == 1


def test_a_temporary_failure_does_not_suppress(smtp, client):
    assert postmark_event(client, "ola@example.com", kind="Transient").status_code == 200
    assert not MailSuppression.objects.exists()


def test_a_caller_without_the_secret_cannot_suppress_an_address(smtp, client):
    response = postmark_event(client, "victim@example.com", secret="postmark:guess")
    assert response.status_code in (400, 401, 403)
    assert not MailSuppression.objects.exists()


def test_only_the_configured_providers_webhook_answers(smtp, client, settings):
    assert client.get("/anymail/postmark/tracking/").status_code == 405
    assert client.get("/anymail/mailgun/tracking/").status_code == 404
    settings.ANYMAIL_PROVIDER = ""
    assert client.get("/anymail/postmark/tracking/").status_code == 404
    assert postmark_event(client, "gone@example.com").status_code == 404
    assert not MailSuppression.objects.exists()
