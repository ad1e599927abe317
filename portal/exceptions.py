"""The base of every domain error: each carries the message a person sees."""

from django.utils.translation import gettext_lazy as _


class PortalError(Exception):
    message = _("Something went wrong.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class NotAllowed(PortalError):
    message = _("You do not have the permission to do this.")
