"""The programme's identity: its name, the certificate's title, the certifying body and the mark's colours.

They come from settings (see .env.example), so an operator can run the
programme under its own name without touching code. A name or title set in
settings for the active language wins; otherwise the translated default
written here as a literal, so that `makemessages` extracts it.

Read in the active language, at the moment of use: the pages, the e-mails
and the certificate files all call these functions.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _


def _language() -> str:
    return (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()


def _configured(setting: dict[str, str]) -> str | None:
    value = setting.get(_language())
    return value.strip() if value and value.strip() else None


def programme_name() -> str:
    return _configured(settings.PROGRAMME_NAME) or _("Customers' Friend")


def certificate_title() -> str:
    return _configured(settings.CERTIFICATE_TITLE) or _("Customer Friendly Certificate")


def body_name() -> str:
    return settings.CERTIFYING_BODY_NAME


def body_address() -> str:
    return settings.CERTIFYING_BODY_ADDRESS or _("Zurich, Switzerland")


def body_contact() -> str:
    return settings.CERTIFYING_BODY_CONTACT


class Identity:
    """The identity for templates (`{{ identity.programme }}`); each attribute is read when the template uses it."""

    programme = property(lambda self: programme_name())
    certificate_title = property(lambda self: certificate_title())
    body = property(lambda self: body_name())
    body_address = property(lambda self: body_address())
    body_contact = property(lambda self: body_contact())


IDENTITY = Identity()


def template_context() -> dict:
    """For templates rendered without a request (e-mails): the same names the context processor gives pages."""
    return {"identity": IDENTITY}
