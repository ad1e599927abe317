"""Firm accounts: the invitation of a winning firm's contact, its password, the logo usage terms.

The invitation task lives here, beside what it wraps, so that issuing can queue
it without importing the tasks module.
"""

import logging
from functools import partial

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from audit import services as audit
from nominations.models import Firm
from portal import dispatch, identity

from ..exceptions import (
    CertificateError,
    InvalidInvitation,
    InvitationExpired,
    NotAllowed,
)
from ..models import Certificate, FirmAccount, TermsAcceptance, new_nonce
from . import wording

logger = logging.getLogger(__name__)

INVITATION_SALT = "certification.firm-invitation"


@shared_task(
    name="certification.tasks.send_firm_invitation",
    autoretry_for=(OSError,),  # SMTP and connection errors
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=6,
)
def send_firm_invitation(account_id: int, with_link: bool = True) -> bool:
    return deliver_firm_invitation(account_id=account_id, with_link=with_link)


def queue_invitation(account_id: int, with_link: bool = True) -> None:
    """Queue the firm's e-mail, or send it from this request when the broker is down (as vote mails are).

    If the mail server fails too, the certificate stands and a manager resends the invitation from its admin page.
    """
    dispatch.send_or_deliver(
        send_firm_invitation,
        account_id,
        with_link,
        deliver=lambda: deliver_firm_invitation(account_id=account_id, with_link=with_link),
    )


def ensure_firm_account(*, firm: Firm) -> tuple[FirmAccount | None, str]:
    """The firm's account, created (without a usable password) from its contact address; (None, why) when there is none."""
    account = FirmAccount.objects.filter(firm=firm).select_related("user").order_by("pk").first()
    if account is not None:
        return account, ""
    email = (firm.contact_email or "").strip().lower()
    if not email:
        return None, str(_("no contact e-mail address, so no invitation was sent; add one to the firm and resend it."))
    User = get_user_model()
    user = User.objects.filter(username=email).first()
    if user is not None:
        return None, str(_("a user %(email)s already exists, so no firm account was created.") % {"email": email})
    try:
        with transaction.atomic():  # two issuances racing for the same firm: one creates, the other finds it
            user = User.objects.create_user(username=email, email=email)  # no password until the invitation is used
            return FirmAccount.objects.create(user=user, firm=firm), ""
    except IntegrityError:
        account = FirmAccount.objects.filter(firm=firm).select_related("user").order_by("pk").first()
        if account is not None:
            return account, ""
        return None, str(_("a user %(email)s already exists, so no firm account was created.") % {"email": email})


def invitation_token(account: FirmAccount) -> str:
    return signing.dumps({"a": account.pk, "n": account.invitation_nonce}, salt=INVITATION_SALT)


def latest_certificate(firm_id: int) -> Certificate | None:
    """The firm's newest certificate: its e-mails speak that edition's language and name that certificate."""
    return (
        Certificate.objects.filter(firm_id=firm_id)
        .select_related("firm", "category", "edition")
        .order_by("-issued_at", "-pk")
        .first()
    )


def deliver_firm_invitation(*, account_id: int, with_link: bool = True) -> bool:
    """Send the invitation e-mail (called by the task; SMTP errors propagate for its retry).

    Without `with_link` (a new certificate for an account already in use) the
    e-mail only says where to sign in: no password link goes out unasked.
    """
    account = FirmAccount.objects.select_related("user", "firm").filter(pk=account_id).first()
    if account is None or not account.user.email:
        return False
    certificate = latest_certificate(account.firm_id)
    language = certificate.language if certificate is not None else settings.LANGUAGE_CODE
    with translation.override(language):
        # The certificate named as on its files: title, edition, gold medal, category, in the edition's language.
        context = {
            **identity.template_context(),
            "firm": account.firm,
            "certificate": certificate,
            "wording": wording.for_certificate(certificate) if certificate is not None else None,
            "title": wording.title(),
        }
        if not with_link:
            send_mail(
                subject=str(_("A new %(title)s for %(firm)s") % {"title": wording.title(), "firm": account.firm.name}),
                message=render_to_string(
                    "certification/email/new_certificate.txt",
                    {**context, "login": settings.SITE_URL + reverse("certification:firm_login")},
                ),
                from_email=None,
                recipient_list=[account.user.email],
            )
            return True
        link = settings.SITE_URL + reverse("certification:firm_invitation", kwargs={"token": invitation_token(account)})
        context |= {
            "link": link,
            "username": account.user.get_username(),
            "days": settings.FIRM_INVITATION_MAX_AGE.days,
        }
        send_mail(
            subject=str(_("Your %(programme)s firm account") % {"programme": identity.programme_name()}),
            message=render_to_string("certification/email/invitation.txt", context),
            from_email=None,
            recipient_list=[account.user.email],
        )
    FirmAccount.objects.filter(pk=account.pk).update(invited_at=timezone.now())
    return True


def follow_contact_email(*, account: FirmAccount, firm: Firm, actor) -> None:
    """An account not yet activated takes the firm's current contact address (it may have been corrected)."""
    email = (firm.contact_email or "").strip().lower()
    user = account.user
    if account.activated_at is not None or not email or (user.email == email and user.get_username() == email):
        return
    User = get_user_model()
    if User.objects.filter(username=email).exclude(pk=user.pk).exists():
        raise CertificateError(
            _("a user %(email)s already exists, so the invitation cannot go to that address.") % {"email": email}
        )
    before = {"email": user.email}
    user.email = user.username = email
    user.save(update_fields=["email", "username"])
    audit.record(actor=actor, action="firm_account.contact_email", obj=account, before=before, after={"email": email})


def resend_invitation(*, certificate: Certificate, actor) -> FirmAccount:
    """A new invitation link (the old ones stop working) to the firm's contact, creating the account if needed."""
    if not actor.has_perm("certification.issue_certificate"):
        raise NotAllowed()
    firm = Firm.objects.get(pk=certificate.firm_id)
    with transaction.atomic():
        account, problem = ensure_firm_account(firm=firm)
        if account is None:
            raise CertificateError(problem)
        follow_contact_email(account=account, firm=firm, actor=actor)
        FirmAccount.objects.filter(pk=account.pk).update(invitation_nonce=new_nonce())
        audit.record(actor=actor, action="firm_account.invite", obj=account, after={"firm": firm.name})
        transaction.on_commit(partial(queue_invitation, account.pk))
    return account


def firm_account_for_invitation(token: str) -> FirmAccount:
    """The account an invitation link is for, or InvalidInvitation / InvitationExpired."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=settings.FIRM_INVITATION_MAX_AGE)
    except signing.SignatureExpired:
        raise InvitationExpired() from None
    except signing.BadSignature:
        raise InvalidInvitation() from None
    account = (
        FirmAccount.objects.select_related("user", "firm")
        .filter(pk=data.get("a"), invitation_nonce=data.get("n"))
        .first()
    )
    if account is None or not account.user.is_active:
        raise InvalidInvitation()
    return account


def accept_invitation(*, token: str, password: str) -> FirmAccount:
    """Set the account's password; the link works once (compare-and-set on the nonce it carries)."""
    account = firm_account_for_invitation(token)
    with transaction.atomic():
        used = FirmAccount.objects.filter(pk=account.pk, invitation_nonce=account.invitation_nonce).update(
            invitation_nonce=new_nonce(), activated_at=timezone.now()
        )
        if used != 1:
            raise InvalidInvitation()
        account.user.set_password(password)
        account.user.save(update_fields=["password"])
    return account


def has_accepted_terms(*, user, firm_id: int) -> bool:
    return TermsAcceptance.objects.filter(user=user, firm_id=firm_id, version=settings.LOGO_TERMS_VERSION).exists()


def accept_terms(*, user) -> TermsAcceptance:
    """Record once that this firm account accepts the current logo usage terms."""
    account = FirmAccount.objects.filter(user=user).first()
    if account is None:
        raise NotAllowed()
    lookup = {"user": user, "firm_id": account.firm_id, "version": settings.LOGO_TERMS_VERSION}
    try:
        with transaction.atomic():  # a double click: the unique constraint lets one in, the other reads it
            acceptance, _created = TermsAcceptance.objects.get_or_create(**lookup)
    except IntegrityError:
        acceptance = TermsAcceptance.objects.get(**lookup)
    return acceptance
