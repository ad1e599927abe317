"""What a certificate is called, in one set of translated strings.

The PDF, the logos, the logo pack's README, the firm's e-mails, the
verification page and its JSON all name the certificate with these functions,
in the active language: the edition's for the files, e-mails and JSON, the
reader's for the page. The programme's name and the title come from the
programme's identity (settings, else a translated default).
"""

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import pgettext

from nominations import registration
from nominations.models import Country
from portal import identity

from ..models import Certificate


def title() -> str:
    return identity.certificate_title()


def medal() -> str:
    return pgettext("certificate", "Gold medal")


def edition(label: str) -> str:
    return pgettext("certificate", "Edition %(label)s") % {"label": label}


def registration_number(*, country: str, number: str) -> str:
    """Labelled as what it is: "NIP 5261040828", "CUI 18547290"."""
    return f"{registration.label(country)} {number}"


@dataclass(frozen=True)
class Wording:
    programme: str
    title: str
    medal: str
    edition: str  # "Edycja 2026/2027"
    edition_label: str  # "2026/2027"
    country: str
    category: str
    registration_label: str  # "NIP"
    registration_number: str  # "NIP 5261040828"
    body: str


def for_certificate(certificate: Certificate, *, language: str | None = None) -> Wording:
    """The certificate's wording in `language`, else the active one."""
    with translation.override(language or translation.get_language()):
        return Wording(
            programme=identity.programme_name(),
            title=title(),
            medal=medal(),
            edition=edition(certificate.edition.label),
            edition_label=certificate.edition.label,
            country=str(Country(certificate.country).label),
            category=certificate.category.name,
            registration_label=registration.label(certificate.country),
            registration_number=registration_number(
                country=certificate.country, number=certificate.firm.registration_number
            ),
            body=identity.body_name(),
        )
