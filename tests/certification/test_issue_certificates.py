import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry
from certification import workflow
from certification.certificates import accounts
from certification.certificates import services as certificates
from certification.exceptions import (
    CertificateError,
    NotAllowed,
    NotAWinner,
    TransitionRefused,
    WinnersNotFinal,
)
from certification.models import Certificate, FirmAccount, new_serial
from nominations.models import Firm, Nominee
from nominations.models import NomineeState as S
from tests.certification.conftest import make_candidate

pytestmark = pytest.mark.django_db

SERIAL = re.compile(r"^CF-PL\d{2}(-[2-9A-HJ-NP-Z]{4}){4}$")


def test_issuing_certifies_the_winner_with_a_certificate_and_audit_entries(issued, winner, manager):
    assert Nominee.objects.get(pk=winner.pk).state == S.CERTIFIED
    assert (issued.nominee_id, issued.firm_id, issued.category_id, issued.edition_id, issued.country) == (
        winner.pk,
        winner.firm_id,
        winner.category_id,
        winner.edition_id,
        "PL",
    )
    assert issued.issued_by == manager
    assert issued.status() == "valid"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"nominee.certified", "certificate.issue"} <= actions


def test_the_serial_is_prefixed_and_random(issued):
    assert SERIAL.match(issued.serial)
    serials = {new_serial(country="RO", year=2026) for _i in range(2000)}
    assert len(serials) == 2000
    assert all(s.startswith("CF-RO26-") and len(s) == 27 for s in serials)


def test_the_download_key_is_not_the_serial_nor_the_id(issued):
    assert str(issued.download_key) not in (issued.serial, str(issued.pk))
    assert len(str(issued.download_key)) == 36


def test_validity_runs_from_the_issue_date_for_the_configured_days(
    settings, winner, manager, django_capture_on_commit_callbacks
):
    settings.CERTIFICATE_VALIDITY_DAYS = 30
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificates.issue_certificates(
            edition=winner.edition, nominee_ids=[winner.pk], actor=manager
        ).certificates[0]
    today = timezone.localdate()
    assert (certificate.valid_from, certificate.valid_until) == (today, today + timedelta(days=29))


def test_status_is_expired_after_the_last_day_and_revoked_wins(issued):
    assert issued.status(today=issued.valid_until) == "valid"
    assert issued.status(today=issued.valid_until + timedelta(days=1)) == "expired"
    issued.revoked_at = timezone.now()
    assert issued.status() == "revoked"
    assert issued.status(today=issued.valid_until + timedelta(days=1)) == "revoked"


def test_only_proposed_winners_receive_certificates(winner, runner_up, manager):
    result = certificates.issue_certificates(edition=winner.edition, nominee_ids=[runner_up.pk], actor=manager)
    assert not result.certificates and not Certificate.objects.exists()
    assert (
        len(result.failures) == 1
        and "Ștefănești" in result.failures[0]
        and str(NotAWinner.message) in result.failures[0]
    )
    assert Nominee.objects.get(pk=runner_up.pk).state == S.APPROVED


def test_one_nominee_that_cannot_be_certified_does_not_stop_the_others(winner, runner_up, manager):
    result = certificates.issue_certificates(
        edition=winner.edition, nominee_ids=[runner_up.pk, winner.pk], actor=manager
    )
    assert [c.nominee_id for c in result.certificates] == [winner.pk]
    assert len(result.failures) == 1 and "Ștefănești" in result.failures[0]
    assert Nominee.objects.get(pk=winner.pk).state == S.CERTIFIED


def test_a_failure_inside_one_issuance_rolls_back_only_that_one(winner, manager, monkeypatch):
    def refuse(**kwargs):
        raise TransitionRefused("refused for the test")

    monkeypatch.setattr(certificates.workflow, "transition", refuse)
    result = certificates.issue_certificates(edition=winner.edition, nominee_ids=[winner.pk], actor=manager)
    assert not result.certificates and result.failures == [f"{winner.firm.name}: refused for the test"]
    assert not Certificate.objects.exists() and Nominee.objects.get(pk=winner.pk).state == S.APPROVED


def test_the_workflow_refuses_to_certify_a_nominee_that_is_not_a_proposed_winner(winner, runner_up, manager):
    with pytest.raises(TransitionRefused, match="not a proposed winner"):
        workflow.transition(nominee=runner_up, to=S.CERTIFIED, actor=manager)


def test_issuing_needs_the_issue_permission(winner, auditor):
    with pytest.raises(NotAllowed):
        certificates.issue_certificates(edition=winner.edition, nominee_ids=[winner.pk], actor=auditor)
    assert not Certificate.objects.exists()


def test_issuing_is_refused_while_voting_is_open(category, manager):
    nominee = make_candidate(category, votes=10)
    with pytest.raises(WinnersNotFinal):
        certificates.issue_certificates(edition=nominee.edition, nominee_ids=[nominee.pk], actor=manager)


def test_issuing_twice_is_refused(issued, winner, manager):
    result = certificates.issue_certificates(edition=winner.edition, nominee_ids=[winner.pk], actor=manager)
    assert not result.certificates and result.failures
    assert Certificate.objects.count() == 1


def test_the_firm_contact_is_invited_to_a_firm_account(issued, winner):
    account = FirmAccount.objects.get(firm=winner.firm)
    assert account.user.email == "biuro@lodz-mleko.example"
    assert not account.user.has_usable_password()
    assert not account.user.is_staff
    assert [m.to for m in mail.outbox] == [["biuro@lodz-mleko.example"]]
    assert "/firm/invitation/" in mail.outbox[0].body
    assert account.invited_at is not None or FirmAccount.objects.get(pk=account.pk).invited_at is not None


def test_the_invitation_speaks_the_language_of_the_firms_certificate(issued):
    assert issued.country == "PL"
    message = mail.outbox[0]
    assert message.subject == "Twoje konto firmy w programie Przyjaciel Klienta"
    assert "/pl/firm/invitation/" in message.body


def test_a_firm_without_contact_address_is_certified_with_a_warning_and_no_invitation(
    banking, manager, django_capture_on_commit_callbacks
):
    nominee = make_candidate(banking, votes=10, name="Bez Adresu S.A.")
    with django_capture_on_commit_callbacks(execute=True):
        result = certificates.issue_certificates(edition=nominee.edition, nominee_ids=[nominee.pk], actor=manager)
    assert len(result.certificates) == 1
    assert "no contact e-mail" in result.warnings[0]
    assert not mail.outbox
    assert not FirmAccount.objects.exists()


def test_resending_the_invitation_replaces_the_old_link(issued, manager, django_capture_on_commit_callbacks):
    account = FirmAccount.objects.get(firm=issued.firm)
    old_token = accounts.invitation_token(account)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.resend_invitation(certificate=issued, actor=manager)
    assert len(mail.outbox) == 2
    with pytest.raises(Exception, match="not valid"):
        accounts.firm_account_for_invitation(old_token)
    assert AuditEntry.objects.filter(action="firm_account.invite").exists()


def test_resending_goes_to_the_corrected_contact_address(issued, manager, django_capture_on_commit_callbacks):
    Firm.objects.filter(pk=issued.firm_id).update(contact_email="Corrected@Example.com")
    with django_capture_on_commit_callbacks(execute=True):
        accounts.resend_invitation(certificate=issued, actor=manager)
    assert mail.outbox[-1].to == ["corrected@example.com"]
    user = FirmAccount.objects.select_related("user").get(firm=issued.firm).user
    assert (user.username, user.email) == ("corrected@example.com", "corrected@example.com")


def test_resending_refuses_a_contact_address_another_user_has(issued, manager):
    from tests.factories import UserFactory

    UserFactory(username="taken@example.com")
    Firm.objects.filter(pk=issued.firm_id).update(contact_email="taken@example.com")
    with pytest.raises(CertificateError, match="already exists"):
        accounts.resend_invitation(certificate=issued, actor=manager)


def test_a_firm_already_signed_up_is_told_of_a_new_certificate_without_a_password_link(
    issued, manager, closed_edition, django_capture_on_commit_callbacks
):
    from tests.factories import CategoryFactory

    account = FirmAccount.objects.get(firm=issued.firm)
    accounts.accept_invitation(token=accounts.invitation_token(account), password="a-long-firm-password-2026")
    category = CategoryFactory(edition=closed_edition, slug="dairy", name_en="Dairy")
    second = make_candidate(category, votes=10)
    Nominee.objects.filter(pk=second.pk).update(firm=issued.firm)
    with django_capture_on_commit_callbacks(execute=True):
        certificates.issue_certificates(edition=closed_edition, nominee_ids=[second.pk], actor=manager)
    assert len(mail.outbox) == 2
    assert "/firm/login/" in mail.outbox[1].body and "/firm/invitation/" not in mail.outbox[1].body


@pytest.mark.postgres
# serialized_rollback: the roles (groups made by a migration) are back even after another transactional test's flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)")
def test_two_certifications_racing_in_one_category_never_exceed_its_places(banking, manager, monkeypatch, settings):
    """X is certified while Y, with more votes, is approved and certified too: the category has one place."""
    import threading

    from django.db import connections

    settings.CERTIFICATES_PER_CATEGORY = 1
    x = make_candidate(banking, votes=80, score=4, name="Firma X")
    y = make_candidate(banking, votes=120, score=4, name="Firma Y", state=S.UNDER_REVIEW)
    paused, release = threading.Event(), threading.Event()
    record = workflow.audit.record

    def record_then_wait(**kwargs):
        # X's certification is written but not committed when Y's starts.
        record(**kwargs)
        if kwargs["action"] == "nominee.certified" and kwargs["obj"].pk == x.pk:
            paused.set()
            release.wait(10)

    monkeypatch.setattr(workflow.audit, "record", record_then_wait)
    outcomes = {}

    def certify(nominee):
        try:
            outcomes[nominee.pk] = workflow.transition(nominee=nominee, to=S.CERTIFIED, actor=manager)
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcomes[nominee.pk] = error
        finally:
            connections.close_all()

    first = threading.Thread(target=certify, args=(x,))
    first.start()
    assert paused.wait(10)
    Nominee.objects.filter(pk=y.pk).update(state=S.APPROVED)  # Y now outranks X among the approved
    second = threading.Thread(target=certify, args=(Nominee.objects.get(pk=y.pk),))
    second.start()
    second.join(1)  # it waits for the category row that X's transaction locked
    release.set()
    first.join(10)
    second.join(10)
    assert Nominee.objects.filter(category=banking, state=S.CERTIFIED).count() == 1
    assert Nominee.objects.get(pk=x.pk).state == S.CERTIFIED
    assert isinstance(outcomes[y.pk], TransitionRefused), outcomes


def test_with_the_broker_down_the_invitation_is_sent_from_the_request(
    winner, manager, django_capture_on_commit_callbacks
):
    from portal.breaker import broker_breaker

    broker_breaker.trip()  # publishing is skipped at once, as after a failed attempt
    with django_capture_on_commit_callbacks(execute=True):
        certificates.issue_certificates(edition=winner.edition, nominee_ids=[winner.pk], actor=manager)
    assert [m.to for m in mail.outbox] == [["biuro@lodz-mleko.example"]]
    assert "/pl/firm/invitation/" in mail.outbox[0].body


def test_with_the_broker_and_the_mail_server_down_the_certificate_still_stands(
    winner, manager, monkeypatch, django_capture_on_commit_callbacks
):
    import smtplib

    from portal.breaker import broker_breaker

    def refused(**kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    broker_breaker.trip()
    monkeypatch.setattr(accounts, "deliver_firm_invitation", refused)
    with django_capture_on_commit_callbacks(execute=True):
        certificates.issue_certificates(edition=winner.edition, nominee_ids=[winner.pk], actor=manager)
    assert Certificate.objects.get().nominee_id == winner.pk
    assert Nominee.objects.get(pk=winner.pk).state == S.CERTIFIED
    assert not mail.outbox
