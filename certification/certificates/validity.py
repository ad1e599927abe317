"""When a certificate is valid, and where anyone checks it: the one place for both."""

from datetime import date, timedelta

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# The README-like text in every logo pack, and what a firm accepts before its first download; in the
# edition's language in the pack, in the reader's on the firm's page.
LOGO_TERMS = _(
    "Logo usage terms. The certified firm may show this logo and the certificate on its products, premises "
    "and communication while the certificate is valid, for the edition and category it names only, without "
    "changing the mark. The right ends at once when the certificate expires or is revoked. Anyone can check a "
    "certificate at the verification address printed on it."
)


def certificate_validity(issued_on: date) -> tuple[date, date]:
    """Valid from the issue date for CERTIFICATE_VALIDITY_DAYS days, the last day included."""
    return issued_on, issued_on + timedelta(days=settings.CERTIFICATE_VALIDITY_DAYS - 1)


def verification_path(serial: str) -> str:
    """The language-free path printed in the QR code; LocaleMiddleware sends it on to the reader's language."""
    return f"/verify/{serial}/"


def verification_url(serial: str) -> str:
    return settings.SITE_URL + verification_path(serial)
