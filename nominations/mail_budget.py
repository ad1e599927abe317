"""The daily budget of vote mails per inbox, which a third party cannot spend.

The policy (README, "Vote mails"):

- The budget belongs to the inbox (`inbox_fingerprint`: "+tags" on every domain and
  the providers' alias schemes fold into one), not to one spelling of the address.
- It is counted per client network: one network may make one inbox receive at most
  VOTE_EMAILS_PER_ADDRESS_PER_DAY mails a day. So ten votes typed with someone
  else's address from the attacker's network spend the attacker's share, and the
  owner voting from their own network still gets their mail.
- Over all networks an inbox receives at most VOTE_EMAILS_PER_INBOX_PER_DAY; past
  that ceiling only a network that has sent the inbox nothing today gets one mail.
  Flooding an inbox then takes one network (a /24 or an IPv6 /64) per extra mail,
  each paying the vote form's proof-of-work; shutting its owner out takes their network.

Each mail asked for is a MailSend row written in the same transaction as the vote
(so a rolled-back vote spent nothing). Two requests racing for one inbox may both
pass the check: the overshoot is bounded by the concurrency, and errs towards a
mail too many, never towards a voter left without their link.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q

from .models import MailSend


def allows(*, inbox: str, network_hash: int, now: datetime) -> bool:
    """Whether a vote mail to this inbox, asked for from this network, fits today's budget (one query)."""
    spent = MailSend.objects.filter(inbox=inbox, sent_at__gte=now - timedelta(days=1)).aggregate(
        total=Count("pk"), network=Count("pk", filter=Q(network_hash=network_hash))
    )
    if spent["network"] >= settings.VOTE_EMAILS_PER_ADDRESS_PER_DAY:
        return False
    return spent["total"] < settings.VOTE_EMAILS_PER_INBOX_PER_DAY or spent["network"] == 0


def spend(*, inbox: str, network_hash: int, now: datetime) -> None:
    """Record one mail asked for (call inside the transaction that claims it)."""
    MailSend.objects.create(inbox=inbox, network_hash=network_hash, sent_at=now)


def forget_old(*, now: datetime, batch: int = 10000) -> int:
    """Delete ledger rows older than a day, a bounded batch at a time; returns how many."""
    total = 0
    while True:
        ids = list(
            MailSend.objects.filter(sent_at__lt=now - timedelta(days=1))
            .order_by("sent_at")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return total
        total += MailSend.objects.filter(pk__in=ids).delete()[0]
