import pytest

from audit.models import AuditEntry
from certification.certificates import services as certificates
from certification.exceptions import AlreadyRevoked, CertificateError, NotAllowed
from certification.models import Certificate

pytestmark = pytest.mark.django_db


def test_revocation_is_immediate_and_logged_with_its_reason(issued, manager):
    certificates.revoke_certificate(certificate=issued, actor=manager, reason="Misused the logo on another category.")
    stored = Certificate.objects.get(pk=issued.pk)
    assert stored.status() == "revoked"
    assert (stored.revoked_by, stored.revocation_reason) == (manager, "Misused the logo on another category.")
    entry = AuditEntry.objects.get(action="certificate.revoke")
    assert (entry.reason, entry.before, entry.after, entry.actor) == (
        "Misused the logo on another category.",
        {"status": "valid"},
        {"status": "revoked"},
        manager,
    )


def test_revocation_needs_a_reason(issued, manager):
    with pytest.raises(CertificateError, match="reason"):
        certificates.revoke_certificate(certificate=issued, actor=manager, reason="   ")
    assert Certificate.objects.get(pk=issued.pk).revoked_at is None


def test_revocation_needs_the_permission(issued, auditor):
    with pytest.raises(NotAllowed):
        certificates.revoke_certificate(certificate=issued, actor=auditor, reason="no")


def test_a_certificate_is_revoked_once(issued, manager):
    certificates.revoke_certificate(certificate=issued, actor=manager, reason="first")
    stale = Certificate.objects.get(pk=issued.pk)
    stale.revoked_at = None  # a stale copy cannot revoke again (compare-and-set on revoked_at IS NULL)
    with pytest.raises(AlreadyRevoked):
        certificates.revoke_certificate(certificate=stale, actor=manager, reason="second")
    assert Certificate.objects.get(pk=issued.pk).revocation_reason == "first"
    assert AuditEntry.objects.filter(action="certificate.revoke").count() == 1
