"""Running the rules: flag, hold, and let the tally follow."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.locks import advisory_lock

from ..exceptions import ResultsReleased
from ..models import Edition, Nominee, Vote
from .flags import store_flags
from .reviews import review_edition
from .rules import RULES, Hit, Scope, disposable_domain, tune_for_scans


def _outside_released_editions(hits: list[Hit]) -> list[Hit]:
    """The hits on votes of editions whose results are not released.

    A released edition's votes are left as they are: a rule that reaches them from
    another edition's batch (a group rule looks at neighbours) raises no flag there.
    Nothing confirmed is lost: release waited until every vote was checked and counted.
    """
    nominee_ids = {h.nominee_id for h in hits}
    if not nominee_ids:
        return hits
    released = set(
        Nominee.objects.filter(pk__in=nominee_ids, edition__results_released_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    return [h for h in hits if h.nominee_id not in released]


def _apply(hits: list[Hit]) -> None:
    """Store the new flags (one per vote and rule) and set those votes' standing from their flags.

    Every vote here has just got a pending flag, so it is held (or stays fraud),
    and it goes back to waiting for the tally: its count or its held reasons change.
    A re-scan mostly finds flags that exist (a cluster stays a cluster): the
    database drops those in the same statement.
    """
    hits = _outside_released_editions(hits)
    if hits:
        store_flags((h.vote_id, h.nominee_id, h.rule, h.evidence) for h in hits)


def check_new_votes(*, checked_at: datetime) -> None:
    """Run every rule over the batch marked with this checked_at (inside the caller's transaction)."""
    scope = Scope.batch(checked_at)
    tune_for_scans()
    _apply([hit for rule in RULES for hit in rule(scope)])


def scan_edition(edition, *, progress=None) -> dict[str, int]:
    """Re-run every rule over a whole edition; returns the number of hits per rule. Refused once its results are released."""
    scope = Scope.edition(edition.pk)
    found: dict[str, int] = {}
    with transaction.atomic():
        advisory_lock("nominations.process", wait=True)
        if Edition.objects.filter(pk=edition.pk, results_released_at__isnull=False).exists():
            raise ResultsReleased(
                _("The results of %(edition)s are released, so its votes can no longer be scanned.")
                % {"edition": edition}
            )
        tune_for_scans()
        Vote.objects.filter(edition=edition, confirmed_at__isnull=False, checked_at__isnull=True).update(
            checked_at=timezone.now()
        )
        for rule in RULES:
            hits = rule(scope)
            _apply(hits)
            found[rule.__name__] = len(hits)
            if progress:
                progress(rule.__name__)
        # The per-nominee assessment, over what the per-vote rules left counted.
        outcome = review_edition(edition)
        found["integrity_reviews"] = outcome["reviews"]
        found["integrity_held"] = outcome["held"]
        if progress:
            progress("integrity_assessment")
    return found


def assess_edition_hourly(edition) -> int:
    """The hourly edition-wide step (caller holds the process lock): detected throw-away domains, then the reviews."""
    tune_for_scans()
    _apply(disposable_domain(Scope.edition(edition.pk)))
    return review_edition(edition)["held"]


def review_live_editions() -> int:
    """The hourly assessment of every edition whose votes still change (voting open, tally not final, not released)."""
    now = timezone.now()
    held = 0
    for edition in Edition.objects.filter(
        voting_opens_at__lte=now, final_tally_at__isnull=True, results_released_at__isnull=True
    ):
        with transaction.atomic():
            advisory_lock("nominations.process", wait=True)
            held += assess_edition_hourly(edition)
    return held
