"""Functions that change certificates: issuing to the proposed winners, regenerating files, revoking."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import services as audit
from nominations.models import Edition, Nominee
from nominations.models import NomineeState as S
from portal.auth import Actor
from portal.exceptions import PortalError

from .. import workflow
from ..exceptions import AlreadyRevoked, CertificateError, NotAllowed, NotAWinner
from ..models import Certificate, FilesStatus, new_serial, new_status_index
from . import accounts, credentials
from .files import queue_certificate_files
from .validity import certificate_validity
from .winners import propose_winners

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Issued:
    certificates: list[Certificate]
    warnings: list[str]
    failures: list[str]  # "firm: why" for each selected nominee that was not certified


def issue_certificates(*, edition: Edition, nominee_ids: Iterable[int | str], actor: Actor) -> Issued:
    """Certify the selected proposed winners: nominee approved -> certified, a Certificate, files and invitation queued.

    Each nominee in its own transaction (the workflow locks its row and checks
    again that it is a proposed winner), so one that fails leaves the others
    issued; it is listed with why. Firms without a contact address are
    certified with a warning and no invitation.
    """
    if not actor.has_perm("certification.issue_certificate"):
        raise NotAllowed()
    wanted = {int(pk) for pk in nominee_ids}
    if not wanted:
        raise NotAWinner(_("Select at least one proposed winner."))
    winners = propose_winners(edition=edition)
    open_ids = {n.pk for names in winners.values() for n in names if n.state == S.APPROVED}
    issued, warnings, failures = [], [], []
    for nominee in Nominee.objects.filter(pk__in=wanted).select_related("firm", "category", "edition").order_by("pk"):
        if nominee.pk not in open_ids:
            failures.append(f"{nominee.firm.name}: {NotAWinner.message}")
            continue
        try:
            certificate, problem = _issue_one(nominee=nominee, actor=actor)
        except (PortalError, IntegrityError) as error:
            logger.warning("certificate for nominee %s not issued: %r", nominee.pk, error)
            failures.append(f"{nominee.firm.name}: {getattr(error, 'message', _('it could not be saved; try again.'))}")
            continue
        if problem:
            warnings.append(f"{nominee.firm.name}: {problem}")
        issued.append(certificate)
    return Issued(certificates=issued, warnings=warnings, failures=failures)


def _issue_one(*, nominee: Nominee, actor: Actor) -> tuple[Certificate, str]:
    """One nominee: approved -> certified, its certificate and audit entry, files and invitation queued on commit."""
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
    return certificate, problem


def _create_certificate(*, nominee: Nominee, actor: Actor) -> Certificate:
    today = nominee.edition.today()  # the edition's day: a Bucharest certificate starts on a Bucharest date
    valid_from, valid_until = certificate_validity(today)
    for attempt in range(3):
        # 80 random bits: a clash is next to impossible, but it must not end in an error page. The status
        # list index is random too (1 in 131072 per certificate already issued to clash): a clash tries again.
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
                    status_index=new_status_index(),
                )
        except IntegrityError:
            if attempt == 2 or Certificate.objects.filter(nominee=nominee).exists():
                raise
    raise AssertionError("unreachable")


def regenerate_certificate_files(*, certificate: Certificate, actor: Actor) -> None:
    if not actor.has_perm("certification.issue_certificate"):
        raise NotAllowed()
    with transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).exclude(files_status=FilesStatus.READY).update(
            files_status=FilesStatus.PENDING, files_error=""
        )
        audit.record(actor=actor, action="certificate.regenerate", obj=certificate)
        transaction.on_commit(partial(queue_certificate_files, certificate.pk, True))


def revoke_certificate(*, certificate: Certificate, actor: Actor, reason: str) -> Certificate:
    """Revoke at once (compare-and-set on revoked_at IS NULL), with the reason in the audit log.

    Verification, downloads and the live badge read revoked_at at request time; the published
    status list gets the certificate's bit set in the same transaction (its row locked).
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
        if certificate.status_index is not None:
            credentials.set_revoked(certificate.status_index)
        audit.record(
            actor=actor,
            action="certificate.revoke",
            obj=certificate,
            before={"status": before},
            after={"status": "revoked"},
            reason=reason,
        )
    certificate.revoked_at, certificate.revoked_by, certificate.revocation_reason = (
        now,
        actor,
        reason,
    )
    return certificate
