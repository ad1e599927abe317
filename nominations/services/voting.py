"""Votes: cast (not yet counted), confirmed by the voter's e-mail link, counted once per person and category."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from .. import challenge, mail_budget, outbox
from ..client import ClientInfo
from ..emails import canonical_email, email_fingerprint, inbox_fingerprint
from ..exceptions import (
    AlreadyConfirmed,
    AlreadyVotedInCategory,
    InvalidToken,
    TokenExpired,
    VotingClosed,
)
from ..mail import TOKEN_SALT
from ..models import Edition, MailKind, Nominee, Standing, Vote
from ..selectors import hot_path
from . import vote_sql

logger = logging.getLogger(__name__)


def cast_vote(
    *, nominee: Nominee, email: str, client: ClientInfo, language: str = "en", proof: challenge.Proof | None = None
) -> None:
    """Record a vote (not yet counted) and e-mail the voter.

    Returns nothing on purpose: the page after a vote reads the same whatever
    happened, and what the voter needs to know goes to their inbox.
    proof: the form's solved proof of work (the vote form always has one; checked by
    the form), redeemed here once (ChallengeReplayed the second time) unless the view
    already redeemed it with the rate limit's round trip (throttle.take_with_proof).
    """
    edition = nominee.edition
    if not edition.is_voting_open():
        raise VotingClosed()
    if proof is not None and not proof.redeemed:
        challenge.redeem(proof)
    canonical = canonical_email(email)
    now = timezone.now()
    cooldown_start = now - settings.VOTE_EMAIL_COOLDOWN
    for attempt in range(3):
        try:
            return _record_vote(
                nominee=nominee,
                email=email,
                canonical=canonical,
                client=client,
                language=language,
                now=now,
                cooldown_start=cooldown_start,
                form_seconds=proof.form_seconds if proof else None,
            )
        except IntegrityError:
            # Only a receipt code drawn twice (60 random bits: next to never) gets here; the
            # transaction rolled back whole, so the vote is simply written again with a new one.
            if attempt == 2:
                raise


def _record_vote(
    *,
    nominee: Nominee,
    email: str,
    canonical: str,
    client: ClientInfo,
    language: str,
    now: datetime,
    cooldown_start: datetime,
    form_seconds: float | None = None,
) -> None:
    if hot_path_in_sql():
        new_vote = _new_vote(
            nominee=nominee,
            email=email,
            canonical=canonical,
            client=client,
            language=language,
            now=now,
            form_seconds=form_seconds,
        )
        vote_sql.cast(
            vote=new_vote,
            canonical=canonical,
            now=now,
            day_ago=now - timedelta(days=1),
            cooldown_start=cooldown_start,
            inbox=inbox_fingerprint(canonical),
            budget=settings.VOTE_EMAILS_PER_ADDRESS_PER_DAY,
            ceiling=settings.VOTE_EMAILS_PER_INBOX_PER_DAY,
        )
        outbox.announced_by_statement()
        return
    with transaction.atomic():
        # This address's votes in the category (a handful at most: the daily budget bounds them).
        voter_votes = list(Vote.objects.filter(email_canonical=canonical, category_id=nominee.category_id))
        inbox = inbox_fingerprint(canonical)
        if not mail_budget.allows(inbox=inbox, network_hash=client.network_hash, now=now):
            logger.info("vote e-mail budget spent for one inbox from this network; nothing sent")
            return
        counted = next((v for v in voter_votes if v.confirmed_at is not None), None)
        if counted is not None:
            _request_email(
                vote=counted, kind=MailKind.ALREADY_VOTED, cooldown_start=cooldown_start, now=now, client=client
            )
            return
        pending = max((v for v in voter_votes if v.nominee_id == nominee.pk), key=lambda v: v.created_at, default=None)
        if pending is None:
            # A new row has no cool-down to compare and set: it is claimed as it is written.
            _new_vote(
                nominee=nominee,
                email=email,
                canonical=canonical,
                client=client,
                language=language,
                now=now,
                form_seconds=form_seconds,
            ).save(force_insert=True)
            mail_budget.spend(inbox=inbox, network_hash=client.network_hash, now=now)
            outbox.announce()  # its mail, and the nominee's unconfirmed count
            return
        _request_email(vote=pending, kind=MailKind.CONFIRM, cooldown_start=cooldown_start, now=now, client=client)


def hot_path_in_sql() -> bool:
    """Whether the vote and confirmation writes run as vote_sql's hand-written statements (PostgreSQL) or the ORM.

    One place for the choice, so the tests run the portable path on PostgreSQL too.
    """
    return hot_path.on_postgresql()


def _new_vote(
    *,
    nominee: Nominee,
    email: str,
    canonical: str,
    client: ClientInfo,
    language: str,
    now: datetime,
    form_seconds: float | None = None,
) -> Vote:
    """A new vote, not saved: it waits for its confirmation mail (the outbox) and for the tally's unconfirmed count."""
    return Vote(
        edition_id=nominee.edition_id,
        category_id=nominee.category_id,
        nominee_id=nominee.pk,
        email=email,
        email_canonical=canonical,
        email_fingerprint=email_fingerprint(canonical),
        ip_hash=client.ip_hash,
        network_hash=client.network_hash,
        wide_network_hash=client.wide_network_hash,
        user_agent=client.user_agent,
        agent_hash=client.agent_hash,
        language=language,
        form_seconds=form_seconds,
        created_at=now,
        email_requested_at=now,
        email_send_count=1,
        email_pending=MailKind.CONFIRM,
    )


def _request_email(*, vote: Vote, kind: str, cooldown_start: datetime, now: datetime, client: ClientInfo) -> None:
    """Compare-and-set on email_requested_at: of concurrent requests within the cool-down, one sends.

    The mail is charged to the inbox's budget from the requesting network, not the vote's.
    """
    claimed = (
        Vote.objects.filter(pk=vote.pk)
        .filter(Q(email_requested_at__isnull=True) | Q(email_requested_at__lt=cooldown_start))
        .update(
            email_requested_at=now, email_send_count=F("email_send_count") + 1, email_pending=kind, email_queued_at=None
        )
    )
    if claimed:
        mail_budget.spend(inbox=inbox_fingerprint(vote.email_canonical), network_hash=client.network_hash, now=now)
        outbox.announce()


def _token_parts(token: str) -> tuple[int, str]:
    """The vote id and nonce a confirmation token carries; raises InvalidToken or TokenExpired."""
    if not token or len(token) > 200:
        raise InvalidToken()
    try:
        vote_id, nonce = signing.loads(token, salt=TOKEN_SALT, max_age=settings.VOTE_CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise TokenExpired() from None
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidToken() from None
    if not isinstance(vote_id, int) or not isinstance(nonce, str):
        raise InvalidToken()
    return vote_id, nonce


def vote_from_token(token: str) -> Vote:
    """The vote a confirmation token names; raises InvalidToken or TokenExpired."""
    vote_id, nonce = _token_parts(token)
    vote = (
        Vote.objects.select_related("nominee__firm", "category", "edition")
        .filter(pk=vote_id, token_nonce=nonce)
        .first()
    )
    if vote is None:
        raise InvalidToken()
    return vote


def confirm_vote(*, token: str) -> Vote:
    """Count the vote a token names, once.

    Compare-and-set on confirmed_at (exactly one row changes, so a double
    click counts once); the partial unique index on (category, canonical
    e-mail) makes a second vote in the category fail even when both are
    confirmed at the same instant.
    """
    if hot_path_in_sql():
        # The common case in one statement; any other outcome (already counted, voting
        # closed, a concurrent click) is worked out by the portable path below.
        vote_id, nonce = _token_parts(token)
        try:
            confirmed = vote_sql.confirm(vote_id=vote_id, nonce=nonce, now=timezone.now())
        except IntegrityError:
            confirmed = None  # a second vote in the category: the path below explains it
        if confirmed is not None:
            outbox.announced_by_statement()
            logger.info("vote %s confirmed", confirmed.pk)
            return confirmed
    vote = vote_from_token(token)
    if vote.confirmed_at is not None:
        raise AlreadyConfirmed(vote)
    if not vote.edition.is_voting_open():
        raise VotingClosed()
    now = timezone.now()
    try:
        with transaction.atomic():
            # Clearing email_requested_at restarts the cool-down, so a later second
            # vote in the category gets its "already voted" explanation at once.
            # The window is part of the compare-and-set: a confirmation racing
            # close_voting_now cannot commit after the close. Exists() rather than a
            # join, so the UPDATE stays on the vote row and PostgreSQL re-checks
            # confirmed_at after waiting on a concurrent click's lock.
            window_open = Exists(Edition.objects.filter(pk=OuterRef("edition_id"), voting_closes_at__gt=now))
            # A confirmation link still waiting in the outbox is not needed any more.
            changed = Vote.objects.filter(window_open, pk=vote.pk, confirmed_at__isnull=True).update(
                confirmed_at=now,
                standing=Standing.COUNTED,
                email_requested_at=None,
                tallied_at=None,
                email_pending="",
                email_queued_at=None,
            )
            if changed:
                # Counted by the run the relay queues; if the broker is down, by the periodic reconcile.
                outbox.announce()
    except IntegrityError:
        counted = Vote.objects.filter(
            category_id=vote.category_id, email_canonical=vote.email_canonical, confirmed_at__isnull=False
        ).first()
        raise AlreadyVotedInCategory(counted) from None
    if not changed:
        vote.refresh_from_db(fields=["confirmed_at"])
        if vote.confirmed_at is None:
            raise VotingClosed()
        raise AlreadyConfirmed(vote)
    vote.confirmed_at = now
    logger.info("vote %s confirmed", vote.pk)
    return vote
