"""Domain errors raised by services; each carries the message a customer sees."""

from django.utils.translation import gettext_lazy as _


class PortalError(Exception):
    message = _("Something went wrong.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class NotAllowed(PortalError):
    message = _("You do not have the permission to do this.")


class NominationClosed(PortalError):
    message = _("Nominations for this edition are closed, so nothing was saved.")


class VotingClosed(PortalError):
    message = _("Voting in this edition is closed, so nothing was saved.")


class UnknownCategory(PortalError):
    message = _("This category does not exist in this edition.")


class UnknownNominee(PortalError):
    message = _("This nominee does not exist in this category.")


class InvalidToken(PortalError):
    message = _("This confirmation link is not valid. Please use the link from your most recent e-mail, unchanged.")


class TokenExpired(PortalError):
    message = _("This confirmation link has expired. Please vote again to receive a new one.")


class AlreadyConfirmed(PortalError):
    message = _("This vote was already confirmed. It counts once, and nothing changed.")

    def __init__(self, vote):
        self.vote = vote
        super().__init__()


class AlreadyVotedInCategory(PortalError):
    message = _(
        "You have already confirmed a vote in this category of this edition. "
        "Only one vote per person counts, so this one was not counted."
    )

    def __init__(self, vote):
        self.vote = vote
        super().__init__()


class ResultsNotReleasable(PortalError):
    message = _("Results can be released only once voting has closed, and only once.")
