"""Functions that change vetting state: reviews, checks, evidence and decisions (qualification has its own module)."""

import hashlib
import logging

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import services as audit
from nominations.models import FraudDecision, FraudFlag, Nominee
from nominations.models import NomineeState as S
from nominations.selectors import nominees_under_integrity_review
from portal.auth import Actor

from .. import workflow
from ..exceptions import CheckRefused, NotAllowed, TransitionRefused
from ..models import Check, CheckKind, Evidence
from . import scoring
from .evidence import sniff_content_type

logger = logging.getLogger(__name__)


# Review and decisions -------------------------------------------------------------


# What an auditor may write beside a check (Check.notes).
NOTES_MAX_LENGTH = 2000


def start_review(*, nominee: Nominee, actor: Actor) -> Nominee:
    return workflow.transition(nominee=nominee, to=S.UNDER_REVIEW, actor=actor)


def approve(*, nominee: Nominee, actor: Actor, reason: str = "") -> Nominee:
    """A second auditor's approval: all mandatory checks passed, score at the pass mark, not their own checks.

    Refused while an integrity review of the nominee's votes is open.
    """
    if nominees_under_integrity_review([nominee.pk]):
        raise TransitionRefused(
            _("An integrity review of this nominee's votes is open; an auditor must settle it first.")
        )
    return workflow.transition(nominee=nominee, to=S.APPROVED, actor=actor, reason=reason)


def reject(*, nominee: Nominee, actor: Actor, reason: str) -> Nominee:
    return workflow.transition(nominee=nominee, to=S.REJECTED, actor=actor, reason=reason)


# Checks and evidence ----------------------------------------------------------------

CHECK_FIELDS = ("result", "score", "details", "notes")


def _snapshot(check: Check | None) -> dict:
    if check is None:
        return {}
    return {"result": check.result, "score": check.score, "details": check.details, "notes": check.notes}


def record_check(
    *, nominee: Nominee, kind: str, inputs: dict, actor: Actor, channel: str = "", notes: str = ""
) -> Check:
    """Record (or correct, if it is the auditor's own) a check on a nominee under review.

    Takes the nominee's row lock, as the workflow does, so no check changes
    while a decision is being made. The result and score are computed
    (certification.scoring); vote integrity is read from the flags.
    """
    if kind not in CheckKind.values:
        raise CheckRefused(_("Unknown check."))
    if (kind == CheckKind.MYSTERY_SHOPPING) != bool(channel):
        raise CheckRefused(_("Mystery shopping is recorded per channel; other checks have no channel."))
    if len(notes) > NOTES_MAX_LENGTH:
        raise CheckRefused(_("Notes can be at most 2000 characters."))
    with transaction.atomic():
        locked = Nominee.objects.select_for_update().select_related("edition", "firm", "category").get(pk=nominee.pk)
        if locked.state != S.UNDER_REVIEW:
            raise CheckRefused(
                _("Checks are recorded only while a nominee is under review; this one is %(state)s.")
                % {"state": locked.get_state_display()}
            )
        existing = Check.objects.filter(nominee=locked, kind=kind, channel=channel).first()
        if existing is None and not actor.has_perm("certification.add_check"):
            raise NotAllowed()
        if existing is not None and (
            existing.recorded_by_id != actor.pk or not actor.has_perm("certification.change_check")
        ):
            raise CheckRefused(_("Another auditor recorded this check; only they can change it."))
        flags = FraudFlag.objects.filter(nominee=locked).aggregate(
            pending=Count("pk", filter=Q(decision=FraudDecision.PENDING)),
            settled=Count("pk", filter=~Q(decision=FraudDecision.PENDING)),
        )
        outcome = scoring.evaluate(
            kind=kind,
            inputs=inputs,
            survey_threshold=locked.edition.survey_threshold,
            pending_flags=flags["pending"],
            settled_flags=flags["settled"],
        )
        before = _snapshot(existing)
        check = existing or Check(nominee=locked, kind=kind, channel=channel, recorded_by=actor)
        check.result, check.score, check.details, check.notes = outcome.result, outcome.score, outcome.details, notes
        check.recorded_at = timezone.now()
        if existing is None:
            check.save()
        else:
            check.save(update_fields=[*CHECK_FIELDS, "recorded_at"])
        audit.record(
            actor=actor,
            action="check.record" if existing is None else "check.change",
            obj=check,
            before=before,
            after=_snapshot(check),
        )
    return check


def add_evidence(*, check: Check, file: UploadedFile, actor: Actor) -> Evidence:
    """Attach a file to one's own check; validated (type, size, content) before it is stored."""
    if not actor.has_perm("certification.add_evidence"):
        raise NotAllowed()
    if check.recorded_by_id != actor.pk:
        raise CheckRefused(_("Another auditor recorded this check; only they can add evidence to it."))
    evidence = Evidence(
        check_record=check,
        file=file,
        original_name=(file.name or "")[-200:],
        content_type=sniff_content_type(file) or "",
        size=file.size or 0,
        uploaded_by=actor,
    )
    try:
        evidence.full_clean()
    except ValidationError as error:
        raise CheckRefused(" ".join(error.messages)) from None
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    with transaction.atomic():
        # The nominee's row is locked as a decision locks it: no evidence slips in beside or after a decision.
        locked = Nominee.objects.select_for_update().get(pk=check.nominee_id)
        if locked.state != S.UNDER_REVIEW:
            raise CheckRefused(_("Evidence can be added only while the nominee is under review."))
        evidence.save()
        audit.record(
            actor=actor,
            action="evidence.add",
            obj=check,
            after={
                "file": evidence.original_name,
                "type": evidence.content_type,
                "size": evidence.size,
                "sha256": digest.hexdigest(),
            },
        )
    return evidence
