"""Functions that change state: nominations, votes, confirmations, results."""

import logging
from datetime import timedelta
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .client import ClientInfo
from . import queue
from .emails import canonical_email, email_fingerprint
from .exceptions import (
    AlreadyConfirmed,
    AlreadyVotedInCategory,
    InvalidToken,
    NominationClosed,
    NotAllowed,
    ResultsNotReleasable,
    TokenExpired,
    UnknownCategory,
    VotingClosed,
)
from .models import (
    QUALITIES,
    Category,
    Edition,
    FraudDecision,
    FraudFlag,
    Firm,
    Integrity,
    Nomination,
    Nominee,
    Vote,
    standing_from_flags,
)

logger = logging.getLogger(__name__)

TOKEN_SALT = "nominations.vote-confirm"


# Nominations -----------------------------------------------------------------


@dataclass(frozen=True)
class NominationInput:
    firm_name: str
    city: str
    website: str
    registration_number: str  # already normalised (bare digits, checksum valid)
    channel: str
    ratings: dict[str, int]
    reason: str


def nominate(*, edition: Edition, category: Category, data: NominationInput, client: ClientInfo) -> Nomination:
    """Record a customer's nomination; the same firm is one Firm and one Nominee per category."""
    if not edition.is_nomination_open():
        raise NominationClosed()
    if category.edition_id != edition.pk:
        raise UnknownCategory()
    with transaction.atomic():
        firm = _get_or_create_firm(edition=edition, data=data)
        nominee = _get_or_create(Nominee, category=category, firm=firm, defaults={"edition": edition})
        return Nomination.objects.create(
            nominee=nominee,
            submitted_name=data.firm_name,
            city=data.city,
            channel=data.channel,
            reason=data.reason,
            ip_hash=client.ip_hash,
            network_hash=client.network_hash,
            user_agent=client.user_agent,
            **{f"rating_{q}": data.ratings[q] for q, _label in QUALITIES},
        )


def _get_or_create_firm(*, edition: Edition, data: NominationInput) -> Firm:
    firm = _get_or_create(
        Firm,
        country=edition.country,
        registration_number=data.registration_number,
        defaults={"name": data.firm_name, "website": data.website},
    )
    if data.website and not firm.website:
        Firm.objects.filter(pk=firm.pk, website="").update(website=data.website)
    return firm


def _get_or_create(model, defaults=None, **lookup):
    """get_or_create that survives a concurrent insert of the same row (the unique constraint wins)."""
    try:
        with transaction.atomic():
            obj, _created = model.objects.get_or_create(defaults=defaults, **lookup)
            return obj
    except IntegrityError:
        return model.objects.get(**lookup)


# Votes -----------------------------------------------------------------------


def cast_vote(*, nominee: Nominee, email: str, client: ClientInfo, language: str = "en") -> None:
    """Record a vote (not yet counted) and e-mail the voter.

    Returns nothing on purpose: the page after a vote reads the same whatever
    happened, and what the voter needs to know goes to their inbox.
    """
    edition = nominee.edition
    if not edition.is_voting_open():
        raise VotingClosed()
    canonical = canonical_email(email)
    now = timezone.now()
    cooldown_start = now - settings.VOTE_EMAIL_COOLDOWN
    with transaction.atomic():
        # In one query, this address's votes in the category (a handful at most:
        # the daily budget bounds them) and those mailed within the last day.
        day_ago = now - timedelta(days=1)
        address_votes = list(
            Vote.objects.filter(email_canonical=canonical).filter(
                Q(category_id=nominee.category_id) | Q(email_requested_at__gte=day_ago)
            )
        )
        voter_votes = [v for v in address_votes if v.category_id == nominee.category_id]
        if _address_mail_budget_spent(address_votes, day_ago):
            logger.info("vote e-mail budget spent for one address; nothing sent")
            return
        counted = next((v for v in voter_votes if v.confirmed_at is not None), None)
        if counted is not None:
            _request_email(vote=counted, kind="already_voted", cooldown_start=cooldown_start, now=now)
            return
        pending = max(
            (v for v in voter_votes if v.nominee_id == nominee.pk), key=lambda v: v.created_at, default=None
        )
        if pending is None:
            # A new row has no cool-down to compare and set: it is claimed as it is written.
            pending = Vote.objects.create(
                edition=edition,
                category_id=nominee.category_id,
                nominee=nominee,
                email=email,
                email_canonical=canonical,
                email_fingerprint=email_fingerprint(canonical),
                ip_hash=client.ip_hash,
                network_hash=client.network_hash,
                user_agent=client.user_agent,
                agent_hash=client.agent_hash,
                language=language,
                created_at=now,
                email_requested_at=now,
                email_send_count=1,
            )
            queue.request_processing()  # the nominee's unconfirmed count
            vote_id = pending.pk
            transaction.on_commit(lambda: enqueue_vote_email(vote_id=vote_id, kind="confirm"))
            return
        _request_email(vote=pending, kind="confirm", cooldown_start=cooldown_start, now=now)


def _address_mail_budget_spent(address_votes: list[Vote], day_ago) -> bool:
    """At most VOTE_EMAILS_PER_ADDRESS_PER_DAY mails a day for one inbox, so the form cannot flood it.

    Counts mails, not votes: one pending vote re-mailed after each cool-down, and
    the "already voted" mails, spend the budget too. A vote asked for within the
    last day counts all its sends (an over-estimate that only errs towards quiet).
    address_votes: the address's votes, at least all those asked for since day_ago.
    """
    sent = sum(
        v.email_send_count for v in address_votes if v.email_requested_at is not None and v.email_requested_at >= day_ago
    )
    return sent >= settings.VOTE_EMAILS_PER_ADDRESS_PER_DAY


def _request_email(*, vote: Vote, kind: str, cooldown_start, now) -> None:
    """Compare-and-set on email_requested_at: of concurrent requests within the cool-down, one sends."""
    claimed = (
        Vote.objects.filter(pk=vote.pk)
        .filter(Q(email_requested_at__isnull=True) | Q(email_requested_at__lt=cooldown_start))
        .update(email_requested_at=now, email_send_count=F("email_send_count") + 1)
    )
    if claimed:
        transaction.on_commit(lambda: enqueue_vote_email(vote_id=vote.pk, kind=kind))


def enqueue_vote_email(*, vote_id: int, kind: str) -> None:
    from .tasks import send_vote_email

    # The broker down: the voter still gets the mail, from this request; a mail
    # server error then keeps the vote, and the voter can ask again after the cool-down.
    queue.send_or_deliver(send_vote_email, vote_id, kind, deliver=lambda: deliver_vote_email(vote_id=vote_id, kind=kind))


def confirmation_token(vote: Vote) -> str:
    return signing.dumps([vote.pk, vote.token_nonce], salt=TOKEN_SALT, compress=True)


def confirmation_url(vote: Vote) -> str:
    with translation.override(vote.language):
        path = reverse("nominations:confirm", kwargs={"token": confirmation_token(vote)})
    return f"{settings.SITE_URL}{path}"


def deliver_vote_email(*, vote_id: int, kind: str) -> None:
    vote = Vote.objects.select_related("nominee__firm", "category", "edition").filter(pk=vote_id).first()
    if vote is None:
        return
    with translation.override(vote.language):
        context = {
            "vote": vote,
            "confirm_url": confirmation_url(vote) if kind == "confirm" else "",
            "receipt_url": f"{settings.SITE_URL}{reverse('nominations:receipt')}",
            "max_age_hours": int(settings.VOTE_CONFIRM_MAX_AGE.total_seconds() // 3600),
        }
        subject = render_to_string(f"nominations/email/{kind}_subject.txt", context).strip()
        body = render_to_string(f"nominations/email/{kind}_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [vote.email])
    if kind == "confirm":
        # Only the confirmation mail starts the clock the "fast" fraud rule reads;
        # a reminder to a vote already confirmed must not move it after confirmed_at.
        Vote.objects.filter(pk=vote.pk, confirmed_at__isnull=True).update(email_sent_at=timezone.now())


def vote_from_token(token: str) -> Vote:
    """The vote a confirmation token names; raises InvalidToken or TokenExpired."""
    if not token or len(token) > 200:
        raise InvalidToken()
    try:
        vote_id, nonce = signing.loads(
            token, salt=TOKEN_SALT, max_age=settings.VOTE_CONFIRM_MAX_AGE.total_seconds()
        )
    except signing.SignatureExpired:
        raise TokenExpired() from None
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidToken() from None
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
            changed = Vote.objects.filter(window_open, pk=vote.pk, confirmed_at__isnull=True).update(
                confirmed_at=now, integrity=Integrity.OK, email_requested_at=None, tallied_at=None
            )
            if changed:
                # Counted by the next batch run; if the broker is down, by the periodic reconcile.
                queue.request_processing()
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


# Results ---------------------------------------------------------------------


def close_voting_now(*, edition: Edition, by) -> Edition:
    """End an open voting window early (e.g. under attack, or in the demo); logged with who."""
    from certification import audit

    now = timezone.now()
    with transaction.atomic():
        before = Edition.objects.filter(pk=edition.pk).values_list("voting_closes_at", flat=True).first()
        changed = Edition.objects.filter(pk=edition.pk, voting_opens_at__lte=now, voting_closes_at__gt=now).update(
            voting_closes_at=now
        )
        if not changed:
            raise VotingClosed(_("Voting in this edition is not open, so there is nothing to close."))
        audit.record(
            actor=by, action="edition.close_voting", obj=edition, before={"voting_closes_at": before}, after={"voting_closes_at": now}
        )
    logger.info("voting in edition %s closed early by user %s", edition.pk, by.pk)
    edition.refresh_from_db(fields=["voting_closes_at"])
    return edition


def release_results(*, edition: Edition, by) -> Edition:
    """Publish an edition's results: once, after voting has closed and every confirmed vote is counted."""
    from .tally import waiting_votes

    if not by.has_perm("nominations.release_results"):
        raise NotAllowed()
    if not edition.has_voting_closed():
        raise ResultsNotReleasable()
    if waiting_votes(edition):
        raise ResultsNotReleasable(_("Confirmed votes are still waiting to be counted; try again in a few minutes."))
    from certification import audit

    now = timezone.now()
    with transaction.atomic():
        changed = Edition.objects.filter(pk=edition.pk, results_released_at__isnull=True).update(
            results_released_at=now, results_released_by=by
        )
        if not changed:
            raise ResultsNotReleasable()
        audit.record(
            actor=by, action="edition.release_results", obj=edition, before={"results_released_at": None},
            after={"results_released_at": now},
        )
    logger.info("results of edition %s released by user %s", edition.pk, by.pk)
    edition.refresh_from_db(fields=["results_released_at", "results_released_by"])
    return edition


# Fraud review ----------------------------------------------------------------


def settle_flags(*, flag_ids: list[int], decision: str, by) -> int:
    """An auditor's decision on pending flags; the votes' standing and the tally follow.

    A vote stays out of the count only if a flag on it is confirmed as fraud;
    while any flag on it is pending it is held; otherwise it counts. Flags
    already settled are left as they are (select_for_update, then only
    pending ones change).
    """
    from certification import audit

    from .tally import advisory_lock

    if not by.has_perm("nominations.change_fraudflag"):
        raise NotAllowed()
    if decision not in (FraudDecision.FRAUD, FraudDecision.GENUINE):
        raise ValueError(f"unknown decision {decision!r}")
    with transaction.atomic():
        # The same lock as process_votes: a flag it adds while we settle would
        # otherwise be missed by the Exists() below and the vote would end "ok".
        advisory_lock("nominations.process", wait=True)
        pending = list(FraudFlag.objects.select_for_update().filter(pk__in=flag_ids, decision=""))
        vote_ids = list({flag.vote_id for flag in pending})
        standing_before = dict(Vote.objects.filter(pk__in=vote_ids).values_list("pk", "integrity"))
        settled = FraudFlag.objects.filter(pk__in=[flag.pk for flag in pending], decision="").update(
            decision=decision, decided_at=timezone.now(), decided_by=by
        )
        Vote.objects.filter(pk__in=vote_ids).update(integrity=standing_from_flags(), tallied_at=None)
        audit.record_many(
            actor=by,
            action="fraudflag.settle",
            changes=[audit.Change(obj=flag, before={"decision": ""}, after={"decision": decision}) for flag in pending],
        )
        overridden = [
            vote
            for vote in Vote.objects.filter(pk__in=vote_ids).only("pk", "receipt_code", "nominee_id", "integrity")
            if vote.integrity != standing_before.get(vote.pk)
        ]
        audit.record_many(
            actor=by,
            action="vote.override",
            changes=[
                audit.Change(obj=vote, before={"integrity": standing_before[vote.pk]}, after={"integrity": vote.integrity})
                for vote in overridden
            ],
        )
        queue.request_processing()
    logger.info("user %s settled %d fraud flags as %s", by.pk, settled, decision)
    return settled
