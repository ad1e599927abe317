"""Domain errors raised by services; each carries the message a customer sees."""

from django.utils.translation import gettext_lazy as _

from portal.exceptions import NotAllowed, PortalError  # noqa: F401  (raised by this app's services too)


class NominationClosed(PortalError):
    message = _("Nominations for this edition are closed, so nothing was saved.")


class VotingClosed(PortalError):
    message = _("Voting in this edition is closed, so nothing was saved.")


class UnknownCategory(PortalError):
    message = _("This category does not exist in this edition.")


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


class EditionRefused(PortalError):
    message = _("This change to the edition is not possible.")


class RulesFrozen(EditionRefused):
    message = _("Voting in this edition has opened, so its rules and thresholds can no longer change.")


class ResultsReleased(PortalError):
    message = _(
        "The results of this edition are released, so its votes and fraud flags can no longer change. "
        "A programme manager can amend the results, with a reason."
    )


class ResultsNotAmendable(PortalError):
    message = _("These results cannot be amended.")


class ChallengeReplayed(PortalError):
    message = _(
        "This check that you are not a robot was already used for another form. "
        "Please reload the page and send the form again. Nothing was saved."
    )


class DetachRefused(PortalError):
    message = _("This edition's votes cannot be detached.")


class VotesNotPartitioned(DetachRefused):
    message = _(
        "The vote table is not partitioned (SQLite, or migration 0025 not applied): there is nothing to detach."
    )


class EditionNotFinished(DetachRefused):
    message = _("An edition's votes can be detached only once its voting has closed and its results are released.")


class FlagsPending(DetachRefused):
    message = _("This edition still has pending fraud flags: settle them before detaching its votes.")


class NoVotePartition(DetachRefused):
    message = _(
        "This edition's votes have no partition of their own: they are in the default partition, or already detached."
    )
