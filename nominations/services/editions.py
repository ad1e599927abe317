"""Editions: closing voting early, the final tally, rules and firms' details; each logged (releasing results: results.py)."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import services as audit
from portal.auth import Actor
from portal.locks import advisory_lock

from .. import partitions, tally
from ..exceptions import (
    EditionRefused,
    NotAllowed,
    RulesFrozen,
    VotingClosed,
)
from ..fraud.reviews import review_edition
from ..models import EDITION_RULES, Edition, Firm
from ..signals import tally_finalised

logger = logging.getLogger(__name__)


def close_voting_now(*, edition: Edition, by: Actor) -> Edition:
    """End an open voting window early (e.g. under attack, or in the demo); logged with who."""
    if not by.has_perm("nominations.change_edition"):
        raise NotAllowed()
    now = timezone.now()
    with transaction.atomic():
        before = Edition.objects.filter(pk=edition.pk).values_list("voting_closes_at", flat=True).first()
        changed = Edition.objects.filter(pk=edition.pk, voting_opens_at__lte=now, voting_closes_at__gt=now).update(
            voting_closes_at=now
        )
        if not changed:
            raise VotingClosed(_("Voting in this edition is not open, so there is nothing to close."))
        audit.record(
            actor=by,
            action="edition.close_voting",
            obj=edition,
            before={"voting_closes_at": before},
            after={"voting_closes_at": now},
        )
    logger.info("voting in edition %s closed early by user %s", edition.pk, by.pk)
    edition.refresh_from_db(fields=["voting_closes_at"])
    return edition


# The final tally -------------------------------------------------------------


def live_edition_ids() -> list[int]:
    """Editions whose voting has opened and whose tally is not final yet (the nightly recount's)."""
    return list(
        Edition.objects.filter(final_tally_at__isnull=True, voting_opens_at__lte=timezone.now())
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def recount_live_editions() -> int:
    """Recount in full every live edition (each in bounded chunks)."""
    ids = live_edition_ids()
    for edition in Edition.objects.filter(pk__in=ids):
        tally.recount_edition(edition)
    return len(ids)


def closed_edition_ids() -> list[int]:
    """Editions whose voting has closed and whose tally is not final yet."""
    return list(
        Edition.objects.filter(final_tally_at__isnull=True, voting_closes_at__lte=timezone.now())
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def finalise_edition(*, edition_id: int) -> bool:
    """Process what waits, recount the edition in full (bounded chunks), then mark its tally final.

    The mark is a compare-and-set on final_tally_at IS NULL, taken under the
    processing lock and only when none of the edition's votes waits, so the final
    tally is the votes' count; a second run changes nothing. Qualification
    (certification) starts from the mark.
    """
    edition = Edition.objects.filter(pk=edition_id, final_tally_at__isnull=True).first()
    if edition is None or not edition.has_voting_closed():
        return False
    with transaction.atomic():
        # A last assessment, so a campaign of the final hours gets its review before the tally is final.
        advisory_lock(tally.PROCESS_LOCK, wait=True)
        review_edition(edition)
    tally.process_all_pending_votes()
    tally.recount_edition(edition)
    with transaction.atomic():
        advisory_lock(tally.PROCESS_LOCK, wait=True)
        if tally.waiting_votes_queryset(edition).exists():
            return False  # changed meanwhile (a flag settled): the next run finalises it
        if not Edition.objects.filter(pk=edition.pk, final_tally_at__isnull=True).update(final_tally_at=timezone.now()):
            return False
        tally_finalised.send(sender=Edition, edition=edition)
    return True


def finalise_closed_editions() -> int:
    """finalise_edition for each edition whose voting has closed; returns how many were finalised."""
    return sum(finalise_edition(edition_id=edition_id) for edition_id in closed_edition_ids())


# Editions and firms, as staff edit them --------------------------------------

# What the admin's edition form may change; categories are edited beside it.
EDITION_FIELDS = ("country", "label", "slug", *EDITION_RULES)


def create_edition(*, edition: Edition, actor: Actor) -> Edition:
    """Save a new edition (built and validated by the admin's form), logged."""
    if not actor.has_perm("nominations.add_edition"):
        raise NotAllowed()
    with transaction.atomic():
        edition.save()
        # Its votes' partition (PostgreSQL), before any vote can arrive; the nightly task makes it if busy now.
        partitions.ensure_partition(edition_id=edition.pk)
        audit.record(
            actor=actor, action="edition.create", obj=edition, after={n: getattr(edition, n) for n in EDITION_FIELDS}
        )
    return edition


def change_edition(*, edition: Edition, changes: dict, actor: Actor) -> Edition:
    """Change an edition's details, windows or thresholds; the rules are refused once its voting has opened.

    Locks the stored row (select_for_update), so the frozen test and the
    change see the same state; the database trigger refuses a frozen threshold too.
    """
    if not actor.has_perm("nominations.change_edition"):
        raise NotAllowed()
    unknown = set(changes) - set(EDITION_FIELDS)
    if unknown:
        raise EditionRefused(_("Not a field of an edition: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    with transaction.atomic():
        locked = Edition.objects.select_for_update().get(pk=edition.pk)
        changes = {name: value for name, value in changes.items() if getattr(locked, name) != value}
        if not changes:
            return locked
        if locked.rules_frozen() and set(changes) & set(EDITION_RULES):
            raise RulesFrozen()
        before = {name: getattr(locked, name) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value)
        try:
            locked.full_clean()
        except ValidationError as error:
            raise EditionRefused(" ".join(error.messages)) from None
        locked.save(update_fields=list(changes))
        audit.record(actor=actor, action="edition.change", obj=locked, before=before, after=changes)
    return locked


# What the public verification shows of a certified firm: only a superuser corrects it.
FIRM_IDENTITY_FIELDS = ("name", "registration_number", "country")
FIRM_FIELDS = (*FIRM_IDENTITY_FIELDS, "website", "contact_email")


def change_firm(*, firm: Firm, changes: dict, actor: Actor) -> Firm:
    """Correct a firm's details, logged; its identity (what verification shows) only a superuser may change."""
    if not actor.has_perm("nominations.change_firm"):
        raise NotAllowed()
    unknown = set(changes) - set(FIRM_FIELDS)
    if unknown:
        raise EditionRefused(_("Not a field of a firm: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if set(changes) & set(FIRM_IDENTITY_FIELDS) and not actor.is_superuser:
        raise NotAllowed(_("Only a superuser can change a firm's name, registration number or country."))
    with transaction.atomic():
        locked = Firm.objects.select_for_update().get(pk=firm.pk)
        changes = {name: value for name, value in changes.items() if getattr(locked, name) != value}
        if not changes:
            return locked
        before = {name: getattr(locked, name) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changes))
        if "contact_email" in changes:
            audit.record(
                actor=actor,
                action="firm.contact_email_changed",
                obj=locked,
                before={"contact_email": before["contact_email"]},
                after={"contact_email": locked.contact_email},
            )
        identity = [name for name in changes if name in FIRM_IDENTITY_FIELDS]
        if identity:
            audit.record(
                actor=actor,
                action="firm.identity_changed",
                obj=locked,
                before={n: before[n] for n in identity},
                after={n: changes[n] for n in identity},
            )
        other = [name for name in changes if name not in identity and name != "contact_email"]
        if other:
            audit.record(
                actor=actor,
                action="firm.change",
                obj=locked,
                before={n: before[n] for n in other},
                after={n: changes[n] for n in other},
            )
    return locked
