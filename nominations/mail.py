"""The voter's e-mails: the confirmation link (signed, works once) and the "already voted" explanation.

The task lives beside the function it wraps so that the services can queue it
without importing the tasks module (which imports the services).
"""

import logging

from anymail.exceptions import AnymailAPIError
from celery import shared_task
from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from portal import dispatch, identity

from .models import Vote
from .suppression import is_suppressed

logger = logging.getLogger(__name__)

TOKEN_SALT = "nominations.vote-confirm"


@shared_task(
    name="nominations.tasks.send_vote_email",
    # SMTP, connection and mail-provider API errors: outside I/O, retried with backoff.
    autoretry_for=(OSError, AnymailAPIError),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=6,
)
def send_vote_email(vote_id: int, kind: str) -> None:
    deliver_vote_email(vote_id=vote_id, kind=kind, from_outbox=True)


def enqueue_vote_email(*, vote_id: int, kind: str) -> None:
    """Called by the outbox relay for a mail it claimed.

    The broker down: the voter still gets the mail, sent by the relay itself; a mail
    server error then leaves it in the outbox, handed over again when its lease ends.
    """
    dispatch.send_or_deliver(
        send_vote_email, vote_id, kind, deliver=lambda: deliver_vote_email(vote_id=vote_id, kind=kind, from_outbox=True)
    )


def confirmation_token(vote: Vote) -> str:
    return signing.dumps([vote.pk, vote.token_nonce], salt=TOKEN_SALT, compress=True)


def confirmation_url(vote: Vote) -> str:
    with translation.override(vote.language):
        path = reverse("nominations:confirm", kwargs={"token": confirmation_token(vote)})
    return f"{settings.SITE_URL}{path}"


def deliver_vote_email(*, vote_id: int, kind: str, from_outbox: bool = False) -> None:
    """Send the mail; from_outbox: only if the vote still waits for it, and mark it sent (nominations.outbox).

    A task delivered twice thus sends once, unless both copies run at the same instant.
    """
    vote = Vote.objects.select_related("nominee__firm", "category", "edition").filter(pk=vote_id).first()
    if vote is None or (from_outbox and vote.email_pending != kind):
        return
    if is_suppressed(vote.email):
        # Mail to this inbox bounced or was reported as spam: sending again would hurt every voter's mail.
        logger.info("vote %s: no %s mail, the address is on the suppression list", vote_id, kind)
        if from_outbox:
            _mark_handled(vote, kind)
        return
    with translation.override(vote.language):
        context = {
            **identity.template_context(),
            "vote": vote,
            "confirm_url": confirmation_url(vote) if kind == "confirm" else "",
            "receipt_url": f"{settings.SITE_URL}{reverse('nominations:receipt')}",
            "max_age_hours": int(settings.VOTE_CONFIRM_MAX_AGE.total_seconds() // 3600),
        }
        subject = render_to_string(f"nominations/email/{kind}_subject.txt", context).strip()
        body = render_to_string(f"nominations/email/{kind}_body.txt", context)
    # Taken before the hand-over: a voter can click no sooner than the mail leaves,
    # so the clock the "fast" rule reads never starts after a confirmation.
    sending_at = timezone.now()
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [vote.email])
    if from_outbox:
        _mark_handled(vote, kind)
    if kind == "confirm":
        # Every mailed link stays valid, so the fast rule times from the first one;
        # it is written even when the click came before this line ran.
        Vote.objects.filter(pk=vote.pk, first_email_sent_at__isnull=True).update(first_email_sent_at=sending_at)
        # The last send (shown to staff); a reminder after confirmation must not move it.
        Vote.objects.filter(pk=vote.pk, confirmed_at__isnull=True).update(email_sent_at=sending_at)


def _mark_handled(vote: Vote, kind: str) -> None:
    """The outbox's entry is done (sent, or not to be sent).

    Compare-and-set on the request it answers: a newer request (a later email_requested_at) stays waiting.
    """
    Vote.objects.filter(pk=vote.pk, email_pending=kind, email_requested_at=vote.email_requested_at).update(
        email_pending="", email_queued_at=None
    )
