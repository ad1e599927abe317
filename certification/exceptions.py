"""Domain errors of vetting; each carries the message staff see."""

from django.utils.translation import gettext_lazy as _

from portal.exceptions import NotAllowed as PortalNotAllowed
from portal.exceptions import PortalError


class VettingError(PortalError):
    message = _("This vetting step is not possible now.")


class TransitionRefused(VettingError):
    message = _("This move between states is not allowed.")


class CheckRefused(VettingError):
    message = _("This check cannot be recorded.")


class NotAllowed(VettingError, PortalNotAllowed):
    message = _("You do not have the permission to do this.")


class CertificateError(PortalError):
    message = _("This certificate step is not possible now.")


class WinnersNotFinal(CertificateError):
    message = _("The winners of this edition are not final yet.")


class NotAWinner(CertificateError):
    message = _("Only proposed winners receive certificates.")


class AlreadyRevoked(CertificateError):
    message = _("This certificate is already revoked.")


class InvalidInvitation(CertificateError):
    message = _("This invitation link is not valid: it was already used, replaced by a newer one, or mistyped.")


class InvitationExpired(CertificateError):
    message = _("This invitation link has expired. Ask the programme for a new one.")
