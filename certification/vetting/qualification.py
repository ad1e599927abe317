"""Qualification: when voting closes, the edition's thresholds decide which nominees go on to vetting.

A nominee qualifies with at least the edition's minimum counted votes, counted
votes from at least its minimum of distinct voter networks, and at most its
maximum share of votes still held for review. The others stay nominated, with
the reasons in the audit log.

No framing: votes an auditor rejected as fraud are out of the count and out of
the share alike, so junk votes a rival casts for a nominee cannot knock it out.
Whether a nominee profited from its own fraud is the auditor's decision in the
vote-integrity check, on the evidence, never an automatic disqualification. A
share of held votes over the maximum only means "not yet": once the auditor has
settled them, qualify_nominees qualifies the nominee by the same rule.
"""

import logging
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import services as audit
from nominations.models import Edition, Nominee, Standing
from nominations.models import NomineeState as S
from nominations.selectors import nominees_under_integrity_review
from portal.auth import Actor

from .. import workflow
from ..exceptions import TransitionRefused

logger = logging.getLogger(__name__)


def qualification_measures(nominees: QuerySet[Nominee]) -> dict[int, dict]:
    """Counted votes, distinct voter networks (of counted votes) and held share per nominee, in one query.

    "flagged" is the votes still held for review and "confirmed" the votes that may
    count (counted + held); rejected votes are in neither (no framing), only reported.
    """
    rows = nominees.annotate(
        n_counted=Coalesce("tally__counted", 0),
        n_held=Coalesce("tally__held", 0),
        n_rejected=Coalesce("tally__rejected", 0),
        n_networks=Count("votes__network_hash", filter=Q(votes__standing=Standing.COUNTED), distinct=True),
    ).values_list("pk", "n_counted", "n_held", "n_rejected", "n_networks")
    measures = {}
    for pk, counted, held, rejected, networks in rows.order_by():
        # Kept as the exact fraction: a rounded share would let 0.20005 pass a 0.20 maximum.
        measures[pk] = {
            "counted": counted,
            "networks": networks,
            "flagged": held,
            "confirmed": counted + held,
            "rejected": rejected,
        }
    return measures


def _shortfalls(measure: dict, edition: Edition) -> list[str]:
    problems = []
    if measure["counted"] < edition.min_counted_votes:
        problems.append(
            _("%(n)d counted votes, fewer than the %(min)d required.")
            % {"n": measure["counted"], "min": edition.min_counted_votes}
        )
    if measure["networks"] < edition.min_voter_networks:
        problems.append(
            _("Votes from %(n)d networks, fewer than the %(min)d required.")
            % {"n": measure["networks"], "min": edition.min_voter_networks}
        )
    if measure["flagged"] > edition.max_flagged_share * measure["confirmed"]:
        share = Decimal(measure["flagged"]) / measure["confirmed"]
        problems.append(
            _(
                "%(share)s of the votes still held for review, more than the %(max)s allowed: "
                "the nominee can qualify once an auditor has settled them."
            )
            % {"share": f"{share:.0%}", "max": f"{edition.max_flagged_share:.0%}"}
        )
    return [str(p) for p in problems]


def _qualify(*, edition: Edition, nominee_ids: Iterable[int], actor: Actor | None) -> dict[str, int]:
    """Apply the edition's thresholds to these nominated nominees (inside a transaction)."""
    measures = qualification_measures(
        Nominee.objects.filter(pk__in=list(nominee_ids), edition=edition, state=S.NOMINATED)
    )
    passing, staying = {}, []
    under_review = nominees_under_integrity_review(measures)
    for pk, measure in measures.items():
        problems = _shortfalls(measure, edition)
        if pk in under_review:
            problems.append(str(_("An integrity review of its votes is open; an auditor must settle it first.")))
        if problems:
            staying.append((pk, measure, problems))
        else:
            passing[pk] = measure
    moved = workflow.bulk_transition(
        nominee_ids=passing, from_state=S.NOMINATED, to=S.QUALIFIED, actor=actor, details=passing
    )
    names = {
        n.pk: n
        for n in Nominee.objects.filter(pk__in=[pk for pk, _m, _p in staying]).select_related("firm", "category")
    }
    audit.record_many(
        actor=actor,
        action="nominee.not_qualified",
        changes=[
            audit.Change(
                obj=names[pk],
                before={"state": S.NOMINATED},
                after={"state": S.NOMINATED, **measure},
                reason=" ".join(problems),
            )
            for pk, measure, problems in staying
        ],
    )
    return {"qualified": len(moved), "not_qualified": len(staying)}


def qualify_edition(*, edition: Edition) -> dict[str, int]:
    """Qualify an edition's nominees once its final tally is in; runs once (compare-and-set on qualified_at).

    Nominees that miss a threshold stay nominated, with the reasons in the audit log.
    """
    with transaction.atomic():
        claimed = Edition.objects.filter(pk=edition.pk, final_tally_at__isnull=False, qualified_at__isnull=True).update(
            qualified_at=timezone.now()
        )
        if not claimed:
            return {"qualified": 0, "not_qualified": 0}
        edition.refresh_from_db()
        ids = Nominee.objects.filter(edition=edition, state=S.NOMINATED).values_list("pk", flat=True)
        outcome = _qualify(edition=edition, nominee_ids=list(ids), actor=None)
    logger.info("edition %s qualified: %s", edition.pk, outcome)
    return outcome


def qualify_nominees(*, nominees: QuerySet[Nominee], actor: Actor) -> dict[str, int]:
    """Qualify selected nominees by the same thresholds (e.g. after a late fraud settlement); final tallies only."""
    totals = {"qualified": 0, "not_qualified": 0}
    by_edition: dict[int, list[int]] = {}
    for pk, edition_id in nominees.values_list("pk", "edition_id"):
        by_edition.setdefault(edition_id, []).append(pk)
    for edition in Edition.objects.filter(pk__in=by_edition):
        if edition.final_tally_at is None:
            raise TransitionRefused(
                _("Nominees of %(edition)s qualify only once voting has closed and the tally is final.")
                % {"edition": edition}
            )
        with transaction.atomic():
            outcome = _qualify(edition=edition, nominee_ids=by_edition[edition.pk], actor=actor)
        for key in totals:
            totals[key] += outcome[key]
    return totals


def qualify_finalised_editions() -> int:
    """Qualify every edition whose final tally exists and which is not qualified yet (the periodic sweep)."""
    done = 0
    for edition in Edition.objects.filter(final_tally_at__isnull=False, qualified_at__isnull=True):
        qualify_edition(edition=edition)
        done += 1
    return done
