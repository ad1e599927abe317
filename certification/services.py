"""Functions that change vetting state: qualification, reviews, checks, evidence, decisions, edition rules."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from nominations import queue as nominations_queue
from nominations.models import EDITION_RULES, Country, Edition, FraudFlag, Integrity, Nominee
from nominations.models import NomineeState as S

from . import accounts, audit, documents, scoring, workflow
from .exceptions import (
    AlreadyRevoked,
    CertificateError,
    CheckRefused,
    NotAllowed,
    NotAWinner,
    RulesFrozen,
    TransitionRefused,
    VettingError,
)
from .models import (
    CERTIFICATE_FILES,
    Certificate,
    Check,
    CheckKind,
    Evidence,
    FilesStatus,
    certificate_file_path,
    new_serial,
)
from .winners import propose_winners
from .validators import sniff_content_type

logger = logging.getLogger(__name__)


# Qualification ----------------------------------------------------------------


def qualification_measures(nominees) -> dict[int, dict]:
    """Counted votes, distinct voter networks (of counted votes) and flagged share per nominee, in one query."""
    rows = nominees.annotate(
        n_counted=Coalesce("tally__counted", 0),
        n_held=Coalesce("tally__held", 0),
        n_rejected=Coalesce("tally__rejected", 0),
        n_networks=Count("votes__network_hash", filter=Q(votes__integrity=Integrity.OK), distinct=True),
    ).values_list("pk", "n_counted", "n_held", "n_rejected", "n_networks")
    measures = {}
    for pk, counted, held, rejected, networks in rows.order_by():
        confirmed = counted + held + rejected
        share = Decimal(held + rejected) / confirmed if confirmed else Decimal(0)
        measures[pk] = {"counted": counted, "networks": networks, "flagged_share": round(share, 4)}
    return measures


def _shortfalls(measure: dict, edition: Edition) -> list[str]:
    problems = []
    if measure["counted"] < edition.min_counted_votes:
        problems.append(
            _("%(n)d counted votes, fewer than the %(min)d required.") % {"n": measure["counted"], "min": edition.min_counted_votes}
        )
    if measure["networks"] < edition.min_voter_networks:
        problems.append(
            _("Votes from %(n)d networks, fewer than the %(min)d required.")
            % {"n": measure["networks"], "min": edition.min_voter_networks}
        )
    if measure["flagged_share"] > edition.max_flagged_share:
        problems.append(
            _("%(share)s of the votes flagged, more than the %(max)s allowed.")
            % {"share": f"{measure['flagged_share']:.0%}", "max": f"{edition.max_flagged_share:.0%}"}
        )
    return [str(p) for p in problems]


def _qualify(*, edition: Edition, nominee_ids, actor) -> dict[str, int]:
    """Apply the edition's thresholds to these nominated nominees (inside a transaction)."""
    measures = qualification_measures(Nominee.objects.filter(pk__in=list(nominee_ids), edition=edition, state=S.NOMINATED))
    passing, staying = {}, []
    for pk, measure in measures.items():
        problems = _shortfalls(measure, edition)
        if problems:
            staying.append((pk, measure, problems))
        else:
            passing[pk] = measure
    moved = workflow.bulk_transition(nominee_ids=passing, from_state=S.NOMINATED, to=S.QUALIFIED, actor=actor, details=passing)
    names = {n.pk: n for n in Nominee.objects.filter(pk__in=[pk for pk, _m, _p in staying]).select_related("firm", "category")}
    audit.record_many(
        actor=actor,
        action="nominee.not_qualified",
        changes=[
            audit.Change(obj=names[pk], before={"state": S.NOMINATED}, after={"state": S.NOMINATED, **measure}, reason=" ".join(problems))
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


def qualify_nominees(*, nominees, actor) -> dict[str, int]:
    """Qualify selected nominees by the same thresholds (e.g. after a late fraud settlement); final tallies only."""
    totals = {"qualified": 0, "not_qualified": 0}
    by_edition: dict[int, list[int]] = {}
    for pk, edition_id in nominees.values_list("pk", "edition_id"):
        by_edition.setdefault(edition_id, []).append(pk)
    for edition in Edition.objects.filter(pk__in=by_edition):
        if edition.final_tally_at is None:
            raise TransitionRefused(
                _("Nominees of %(edition)s qualify only once voting has closed and the tally is final.") % {"edition": edition}
            )
        with transaction.atomic():
            outcome = _qualify(edition=edition, nominee_ids=by_edition[edition.pk], actor=actor)
        for key in totals:
            totals[key] += outcome[key]
    return totals


# Review and decisions -------------------------------------------------------------


def start_review(*, nominee: Nominee, actor) -> Nominee:
    return workflow.transition(nominee=nominee, to=S.UNDER_REVIEW, actor=actor)


def approve(*, nominee: Nominee, actor, reason: str = "") -> Nominee:
    """A second auditor's approval: all mandatory checks passed, score at the pass mark, not their own checks."""
    return workflow.transition(nominee=nominee, to=S.APPROVED, actor=actor, reason=reason)


def reject(*, nominee: Nominee, actor, reason: str) -> Nominee:
    return workflow.transition(nominee=nominee, to=S.REJECTED, actor=actor, reason=reason)


# Checks and evidence ----------------------------------------------------------------

CHECK_FIELDS = ("result", "score", "details", "notes")


def _snapshot(check: Check | None) -> dict:
    if check is None:
        return {}
    return {"result": check.result, "score": check.score, "details": check.details, "notes": check.notes}


def record_check(*, nominee: Nominee, kind: str, inputs: dict, actor, channel: str = "", notes: str = "") -> Check:
    """Record (or correct, if it is the auditor's own) a check on a nominee under review.

    Takes the nominee's row lock, as the workflow does, so no check changes
    while a decision is being made. The result and score are computed
    (certification.scoring); vote integrity is read from the flags.
    """
    if kind not in CheckKind.values:
        raise CheckRefused(_("Unknown check."))
    if (kind == CheckKind.MYSTERY_SHOPPING) != bool(channel):
        raise CheckRefused(_("Mystery shopping is recorded per channel; other checks have no channel."))
    if len(notes) > Check._meta.get_field("notes").max_length:
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
        if existing is not None and (existing.recorded_by_id != actor.pk or not actor.has_perm("certification.change_check")):
            raise CheckRefused(_("Another auditor recorded this check; only they can change it."))
        flags = FraudFlag.objects.filter(nominee=locked).aggregate(
            pending=Count("pk", filter=Q(decision="")), settled=Count("pk", filter=~Q(decision=""))
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
        audit.record(actor=actor, action="check.record" if existing is None else "check.change", obj=check, before=before, after=_snapshot(check))
    return check


def add_evidence(*, check: Check, file, actor) -> Evidence:
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
        size=file.size,
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
        evidence.save()
        audit.record(
            actor=actor,
            action="evidence.add",
            obj=check,
            after={"file": evidence.original_name, "type": evidence.content_type, "size": evidence.size, "sha256": digest.hexdigest()},
        )
    return evidence


# Edition rules --------------------------------------------------------------------


def update_edition_rules(*, edition: Edition, changes: dict, actor) -> Edition:
    """Change an edition's thresholds or windows; refused once its voting has opened."""
    unknown = set(changes) - set(EDITION_RULES)
    if unknown:
        raise VettingError(_("Not an edition rule: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    with transaction.atomic():
        locked = Edition.objects.select_for_update().get(pk=edition.pk)
        if locked.rules_frozen():
            raise RulesFrozen()
        before = {name: getattr(locked, name) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value)
        try:
            locked.full_clean()
        except ValidationError as error:
            raise VettingError(" ".join(error.messages)) from None
        locked.save(update_fields=list(changes))
        audit.record(actor=actor, action="edition.rules", obj=locked, before=before, after=changes)
    return locked


# Certificates --------------------------------------------------------------------

# The README-like text in every logo pack, and what a firm accepts before its first download.
LOGO_TERMS = (
    "Logo usage terms. The certified firm may show this logo and the certificate on its products, premises "
    "and communication while the certificate is valid, for the edition and category it names only, without "
    "changing the mark. The right ends at once when the certificate expires or is revoked. Anyone can check a "
    "certificate at the verification address printed on it."
)


def certificate_validity(issued_on: date) -> tuple[date, date]:
    """Valid from the issue date for CERTIFICATE_VALIDITY_DAYS days, the last day included."""
    return issued_on, issued_on + timedelta(days=settings.CERTIFICATE_VALIDITY_DAYS - 1)


def verification_path(serial: str) -> str:
    """The language-free path printed in the QR code; LocaleMiddleware sends it on to the reader's language."""
    return f"/verify/{serial}/"


def verification_url(serial: str) -> str:
    return settings.SITE_URL + verification_path(serial)


@dataclass(frozen=True)
class Issued:
    certificates: list[Certificate]
    warnings: list[str]


def issue_certificates(*, edition: Edition, nominee_ids, actor) -> Issued:
    """Certify the selected proposed winners: nominee approved -> certified, a Certificate, files and invitation queued.

    Each nominee in its own transaction (the workflow locks its row and checks
    again that it is a proposed winner). Firms without a contact address are
    certified with a warning and no invitation.
    """
    if not actor.has_perm("certification.issue_certificate"):
        raise NotAllowed()
    wanted = {int(pk) for pk in nominee_ids}
    if not wanted:
        raise NotAWinner(_("Select at least one proposed winner."))
    winners = propose_winners(edition=edition)
    open_ids = {n.pk for names in winners.values() for n in names if n.state == S.APPROVED}
    outside = wanted - open_ids
    if outside:
        names = ", ".join(Nominee.objects.filter(pk__in=outside).values_list("firm__name", flat=True).order_by("firm__name"))
        raise NotAWinner(
            _("Only proposed winners that are approved receive certificates; not: %(names)s.") % {"names": names or outside}
        )
    issued, warnings = [], []
    for nominee in Nominee.objects.filter(pk__in=wanted).select_related("firm", "category", "edition").order_by("pk"):
        with transaction.atomic():
            workflow.transition(nominee=nominee, to=S.CERTIFIED, actor=actor)
            certificate = _create_certificate(nominee=nominee, actor=actor)
            audit.record(
                actor=actor,
                action="certificate.issue",
                obj=certificate,
                after={
                    "nominee": nominee.pk,
                    "firm": nominee.firm.name,
                    "valid_from": certificate.valid_from,
                    "valid_until": certificate.valid_until,
                },
            )
            transaction.on_commit(partial(queue_certificate_files, certificate.pk))
            account, problem = accounts.ensure_firm_account(firm=nominee.firm)
            if account is not None:
                # An account already in use is told of the new certificate; only a new one gets a password link.
                transaction.on_commit(partial(accounts.queue_invitation, account.pk, account.activated_at is None))
        if problem:
            warnings.append(f"{nominee.firm.name}: {problem}")
        issued.append(certificate)
    return Issued(certificates=issued, warnings=warnings)


def _create_certificate(*, nominee: Nominee, actor) -> Certificate:
    today = timezone.localdate()
    valid_from, valid_until = certificate_validity(today)
    for attempt in range(3):
        # 80 random bits: a clash is next to impossible, but it must not end in an error page.
        try:
            with transaction.atomic():
                return Certificate.objects.create(
                    serial=new_serial(country=nominee.edition.country, year=today.year),
                    nominee=nominee,
                    firm=nominee.firm,
                    category=nominee.category,
                    edition=nominee.edition,
                    country=nominee.edition.country,
                    issued_by=actor,
                    valid_from=valid_from,
                    valid_until=valid_until,
                )
        except IntegrityError:
            if attempt == 2 or Certificate.objects.filter(nominee=nominee).exists():
                raise
    raise AssertionError("unreachable")


def queue_certificate_files(certificate_id: int, force: bool = False) -> None:
    from .tasks import generate_certificate_files

    # A down broker loses nothing: the certificate stays pending and the sweep queues it.
    nominations_queue.send(generate_certificate_files, certificate_id, force)


def certificate_language(certificate: Certificate) -> str:
    """The files speak the edition's language."""
    return {"PL": "pl", "RO": "ro"}.get(certificate.country, "en")


def certificate_text(certificate: Certificate) -> documents.CertificateText:
    """What the files say, in the edition's language where the names have one."""
    with translation.override(certificate_language(certificate)):
        category = certificate.category.name
        country = str(Country(certificate.country).label)
    return documents.CertificateText(
        serial=certificate.serial,
        firm_name=certificate.firm.name,
        registration_number=certificate.firm.registration_number,
        category=category,
        edition=f"{country} {certificate.edition.label}",
        edition_label=certificate.edition.label,
        country=country,
        valid_from=certificate.valid_from,
        valid_until=certificate.valid_until,
        issued_on=timezone.localdate(certificate.issued_at),
        verify_url=verification_url(certificate.serial),
        terms=LOGO_TERMS,
    )


def generate_certificate_files(*, certificate_id: int, force: bool = False) -> bool:
    """Build the files and store them; True when this run stored them.

    Skips a certificate whose files are ready (unless forced). Storage writes
    happen outside any transaction; the row then changes by compare-and-set on
    `files_generated_at`, so of two concurrent runs one wins and the other
    removes what it wrote. Old files of a regeneration are deleted afterwards.
    """
    certificate = Certificate.objects.select_related("firm", "category", "edition").filter(pk=certificate_id).first()
    if certificate is None or (certificate.files_status == FilesStatus.READY and not force):
        return False
    with translation.override(certificate_language(certificate)):
        files = documents.all_files(certificate_text(certificate))
    storage = certificate.pdf.storage
    saved: dict[str, str] = {}
    try:
        for field, filename in CERTIFICATE_FILES:
            saved[field] = storage.save(certificate_file_path(certificate, filename), ContentFile(files[field]))
    except Exception:
        _delete_quietly(storage, saved.values())
        raise
    changed = Certificate.objects.filter(pk=certificate.pk, files_generated_at=certificate.files_generated_at).update(
        **saved, files_status=FilesStatus.READY, files_error="", files_generated_at=timezone.now()
    )
    if changed != 1:
        _delete_quietly(storage, saved.values())
        return False
    _delete_quietly(storage, [getattr(certificate, field).name for field, _f in CERTIFICATE_FILES])
    return True


def _delete_quietly(storage, names) -> None:
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except OSError:
            logger.warning("could not delete %s", name, exc_info=True)


def record_files_failure(*, certificate_id: int, error: str) -> None:
    """The last try failed: say so on the row (the admin shows it; "Regenerate files" tries again)."""
    Certificate.objects.filter(pk=certificate_id).exclude(files_status=FilesStatus.READY).update(
        files_status=FilesStatus.FAILED, files_error=error[:2000]
    )


def regenerate_certificate_files(*, certificate: Certificate, actor) -> None:
    if not actor.has_perm("certification.issue_certificate"):
        raise NotAllowed()
    with transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).exclude(files_status=FilesStatus.READY).update(
            files_status=FilesStatus.PENDING, files_error=""
        )
        audit.record(actor=actor, action="certificate.regenerate", obj=certificate)
        transaction.on_commit(partial(queue_certificate_files, certificate.pk, True))


def pending_certificate_ids(*, older_than: timedelta = timedelta(minutes=2), limit: int = 500) -> list[int]:
    cutoff = timezone.now() - older_than
    return list(
        Certificate.objects.filter(files_status=FilesStatus.PENDING, issued_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def revoke_certificate(*, certificate: Certificate, actor, reason: str) -> Certificate:
    """Revoke at once (compare-and-set on revoked_at IS NULL), with the reason in the audit log.

    Verification and downloads read revoked_at at request time, so nothing else has to happen.
    """
    if not actor.has_perm("certification.revoke_certificate"):
        raise NotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Give the reason for the revocation."))
    if len(reason) > 2000:
        raise CertificateError(_("The reason can be at most 2000 characters."))
    with transaction.atomic():
        now = timezone.now()
        before = certificate.status()
        changed = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor, revocation_reason=reason
        )
        if changed != 1:
            raise AlreadyRevoked()
        audit.record(
            actor=actor, action="certificate.revoke", obj=certificate, before={"status": before}, after={"status": "revoked"},
            reason=reason,
        )
    certificate.revoked_at, certificate.revoked_by, certificate.revocation_reason = now, actor, reason
    return certificate
