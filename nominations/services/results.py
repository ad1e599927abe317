"""Releasing an edition's results, and amending them: each a frozen, numbered, audited version.

Both run under the processing lock (the one the background batches, scans and
settlements take), so the votes cannot change while their figures and ledgers
are read and stored; the audit entry is written last, with the digests.
"""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit import services as audit
from portal.auth import Actor
from portal.locks import advisory_lock

from .. import ledger, tally
from ..exceptions import NotAllowed, ResultsNotAmendable, ResultsNotReleasable
from ..models import Edition, FraudDecision, FraudFlag, Nominee, ReleasedResults

logger = logging.getLogger(__name__)

PROCESS_LOCK = "nominations.process"
REASON_MAX_LENGTH = 2000
LIST_AT_MOST = 20  # nominees named in a refusal; the rest are counted


@dataclass(frozen=True)
class Remaining:
    """What still has to happen to one nominee's votes before its edition's results can be frozen."""

    nominee: Nominee
    waiting_votes: int
    pending_flags: int


def remaining_before_release(edition: Edition) -> list[Remaining]:
    """Per nominee: confirmed votes waiting for their check or count, and fraud flags an auditor has not settled."""
    waiting = dict(tally.waiting_votes_queryset(edition).values_list("nominee_id").annotate(n=Count("pk")).order_by())
    pending = dict(
        FraudFlag.objects.filter(nominee__edition=edition, decision=FraudDecision.PENDING)
        .values_list("nominee_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    nominees = Nominee.objects.filter(pk__in=set(waiting) | set(pending)).select_related("firm", "category")
    remaining = [Remaining(n, waiting.get(n.pk, 0), pending.get(n.pk, 0)) for n in nominees]
    return sorted(
        remaining, key=lambda r: (r.nominee.category.position, r.nominee.category.name_en, r.nominee.firm.name)
    )


def remaining_message(remaining: list[Remaining]) -> str:
    parts = []
    for item in remaining[:LIST_AT_MOST]:
        what = []
        if item.waiting_votes:
            what.append(
                ngettext(
                    "%(count)d vote waiting to be checked and counted",
                    "%(count)d votes waiting to be checked and counted",
                    item.waiting_votes,
                )
                % {"count": item.waiting_votes}
            )
        if item.pending_flags:
            what.append(
                ngettext("%(count)d pending fraud flag", "%(count)d pending fraud flags", item.pending_flags)
                % {"count": item.pending_flags}
            )
        parts.append(
            _("%(category)s, %(firm)s: %(what)s")
            % {"category": item.nominee.category.name, "firm": item.nominee.firm.name, "what": ", ".join(what)}
        )
    extra = len(remaining) - LIST_AT_MOST
    if extra > 0:
        parts.append(ngettext("and %(count)d more nominee", "and %(count)d more nominees", extra) % {"count": extra})
    return _("The results cannot be released yet. Still to be done: %(remaining)s.") % {"remaining": "; ".join(parts)}


def latest_version(edition: Edition) -> ReleasedResults | None:
    return ReleasedResults.objects.filter(edition=edition).order_by("-version").first()


def _freeze(
    *, edition: Edition, frozen: ledger.EditionLedger, version: int, by: Actor, at: datetime, reason: str, key: str
) -> ReleasedResults:
    results = ReleasedResults.objects.create(
        edition=edition,
        version=version,
        released_at=at,
        released_by=by,
        reason=reason,
        digest=frozen.digest,
        ledger_key=key,
    )
    ledger.store(frozen, results=results)
    return results


def _published(results: ReleasedResults, frozen: ledger.EditionLedger) -> dict:
    """What the audit log keeps of a version: enough for verify_results to tell whether it was rewritten."""
    return {
        "version": results.version,
        "digest": results.digest,
        "categories": {category.slug: category.digest for category in frozen.categories},
    }


def release_results(*, edition: Edition, by: Actor) -> ReleasedResults:
    """Publish an edition's results, once: after voting has closed, with every vote counted and every flag settled.

    The figures and ledgers are frozen into version 1, which the results page,
    the winners and the certificates read from then on.
    """
    if not by.has_perm("nominations.release_results"):
        raise NotAllowed()
    if not edition.has_voting_closed():
        raise ResultsNotReleasable()
    with transaction.atomic():
        advisory_lock(PROCESS_LOCK, wait=True)
        locked = Edition.objects.select_for_update().get(pk=edition.pk)
        if locked.results_released:
            raise ResultsNotReleasable()
        remaining = remaining_before_release(locked)
        if remaining:
            raise ResultsNotReleasable(remaining_message(remaining))
        now = timezone.now()
        key = ledger.new_ledger_key()
        frozen = ledger.from_votes(locked, key=key)
        results = _freeze(edition=locked, frozen=frozen, version=1, by=by, at=now, reason="", key=key)
        Edition.objects.filter(pk=locked.pk, results_released_at__isnull=True).update(
            results_released_at=now, results_released_by=by
        )
        audit.record(
            actor=by,
            action="edition.release_results",
            obj=locked,
            before={"results_released_at": None},
            after={"results_released_at": now, **_published(results, frozen)},
        )
    logger.info("results of edition %s released by user %s, digest %s", edition.pk, by.pk, results.digest)
    edition.refresh_from_db(fields=["results_released_at", "results_released_by"])
    return results


def amend_results(*, edition: Edition, by: Actor, reason: str) -> ReleasedResults:
    """Publish the figures the votes give now as the next version, with the reason; the earlier versions stay readable.

    The only way published figures change. Refused while anything waits or is
    pending (as a release is), and when the votes give exactly what is published.
    """
    if not by.has_perm("nominations.release_results"):
        raise NotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise ResultsNotAmendable(_("Please give the reason for the amendment; it is published with the results."))
    if len(reason) > REASON_MAX_LENGTH:
        raise ResultsNotAmendable(
            _("Please keep the reason within %(count)d characters.") % {"count": REASON_MAX_LENGTH}
        )
    with transaction.atomic():
        advisory_lock(PROCESS_LOCK, wait=True)
        locked = Edition.objects.select_for_update().get(pk=edition.pk)
        current = latest_version(locked)
        if current is None:
            raise ResultsNotAmendable(_("The results of this edition are not released, so there is nothing to amend."))
        remaining = remaining_before_release(locked)
        if remaining:
            raise ResultsNotAmendable(remaining_message(remaining))
        frozen = ledger.from_votes(locked, key=current.ledger_key)
        if frozen.digest == current.digest:
            raise ResultsNotAmendable(
                _("The votes give exactly the published figures and ledgers, so there is nothing to amend.")
            )
        changed = ledger.differences(ledger.flat(ledger.stored_figures(current)), frozen.figures())
        results = _freeze(
            edition=locked,
            frozen=frozen,
            version=current.version + 1,
            by=by,
            at=timezone.now(),
            reason=reason,
            key=current.ledger_key,
        )
        audit.record(
            actor=by,
            action="edition.amend_results",
            obj=locked,
            reason=reason,
            before={
                "version": current.version,
                "digest": current.digest,
                "figures": {d.nominee.pk: asdict(d.before) for d in changed},
            },
            after={**_published(results, frozen), "figures": {d.nominee.pk: asdict(d.after) for d in changed}},
        )
    logger.info("results of edition %s amended to version %d by user %s", edition.pk, results.version, by.pk)
    return results
