"""The bounce suppression list: fed by the mail provider's tracking webhook (django-anymail), read before every vote mail.

A hard bounce or a spam complaint on an address stops further vote mail to that inbox:
sending on would hurt the sender's reputation with every provider and, at volume, get
the portal's mail refused for everyone. Temporary failures (deferrals) do not suppress.
"""

import logging

from anymail.signals import AnymailTrackingEvent
from django.db import IntegrityError, transaction

from .emails import InvalidEmailAddress, canonical_email
from .models import MailSuppression, SuppressionReason

logger = logging.getLogger(__name__)

# anymail's normalised event types that mean "do not send here again".
SUPPRESSING_EVENTS = {
    "bounced": SuppressionReason.BOUNCED,
    "complained": SuppressionReason.COMPLAINED,
    "rejected": SuppressionReason.REJECTED,
    "unsubscribed": SuppressionReason.UNSUBSCRIBED,
}


def _canonical_or_none(address: str) -> str | None:
    try:
        return canonical_email(address)
    except InvalidEmailAddress:
        return None


def suppress_address(*, address: str, reason: str, provider: str = "", description: str = "") -> bool:
    """Add an inbox to the list; True when it was not on it. Idempotent (providers resend webhooks)."""
    canonical = _canonical_or_none(address)
    if canonical is None:
        return False
    try:
        with transaction.atomic():
            _row, created = MailSuppression.objects.get_or_create(
                address=canonical,
                defaults={"reason": reason, "provider": provider[:40], "description": description[:300]},
            )
    except IntegrityError:  # the same event delivered twice at once
        return False
    if created:
        logger.info("mail suppressed for an address (%s, reported by %s)", reason, provider or "unknown")
    return created


def is_suppressed(address: str) -> bool:
    canonical = _canonical_or_none(address)
    return canonical is not None and MailSuppression.objects.filter(address=canonical).exists()


def on_tracking_event(sender: object, event: AnymailTrackingEvent, esp_name: str = "", **kwargs: object) -> None:
    """anymail's `tracking` signal: every provider's delivery events, normalised."""
    reason = SUPPRESSING_EVENTS.get(event.event_type)
    if reason is None or not event.recipient:
        return
    suppress_address(
        address=event.recipient, reason=reason, provider=esp_name, description=str(event.description or "")
    )
