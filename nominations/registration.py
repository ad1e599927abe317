"""Registration numbers of firms: Polish NIP and Romanian CUI/CIF.

See ../shared/domain.md for the checksums. `normalize` accepts the spellings
people actually type (dashes, spaces, dots, a country prefix) and returns the
bare digits, or raises ValueError with a reason a customer can read.
"""

import re

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
CUI_KEY = (7, 5, 3, 2, 1, 7, 5, 3, 2)

_SEPARATORS = re.compile(r"[\s\-./]+")


class InvalidRegistrationNumber(ValueError):
    pass


def _strip(raw: str, prefix: str) -> str:
    value = _SEPARATORS.sub("", raw or "").upper()
    if value.startswith(prefix):
        value = value[len(prefix):]
    if not value.isascii() or not value.isdigit():
        raise InvalidRegistrationNumber(_("Use digits only (dashes, spaces and a country prefix are fine)."))
    return value


# What the number is called where it is printed (a certificate, the verification page).
LABELS = {
    "PL": pgettext_lazy("registration number", "NIP"),
    "RO": pgettext_lazy("registration number", "CUI"),
}


def label(country: str) -> str:
    """The registration number's name in the firm's country: NIP in Poland, CUI in Romania."""
    return str(LABELS.get(country, _("Registration number")))


def nip_is_valid(digits: str) -> bool:
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], NIP_WEIGHTS))
    remainder = total % 11
    # A remainder of 10 is never issued.
    return remainder != 10 and remainder == int(digits[9])


def cui_is_valid(digits: str) -> bool:
    if not 2 <= len(digits) <= 10 or not digits.isdigit():
        return False
    body, control = digits[:-1], int(digits[-1])
    # The key is applied right-aligned: the last key weights meet the last body digits.
    key = CUI_KEY[len(CUI_KEY) - len(body):]
    total = sum(int(d) * w for d, w in zip(body, key))
    expected = (total * 10) % 11
    if expected == 10:
        expected = 0
    return expected == control


def normalize(raw: str, *, country: str) -> str:
    if len(raw or "") > 40:
        raise InvalidRegistrationNumber(_("This registration number is too long."))
    if country == "PL":
        digits = _strip(raw, "PL")
        if len(digits) != 10:
            raise InvalidRegistrationNumber(_("A Polish NIP has 10 digits."))
        if not nip_is_valid(digits):
            raise InvalidRegistrationNumber(_("This NIP fails its checksum; please check the digits."))
        return digits
    if country == "RO":
        digits = _strip(raw, "RO")
        if not 2 <= len(digits) <= 10:
            raise InvalidRegistrationNumber(_("A Romanian CUI has 2 to 10 digits."))
        if not cui_is_valid(digits):
            raise InvalidRegistrationNumber(_("This CUI fails its checksum; please check the digits."))
        return digits
    raise InvalidRegistrationNumber(_("Registration numbers of this country are not supported."))


def nip_from_body(body: str) -> str | None:
    """The valid NIP for nine digits, or None where the checksum would be 10 (never issued)."""
    remainder = sum(int(d) * w for d, w in zip(body, NIP_WEIGHTS)) % 11
    return None if remainder == 10 else f"{body}{remainder}"


def cui_from_body(body: str) -> str:
    """The valid CUI for 1 to 9 leading digits."""
    key = CUI_KEY[len(CUI_KEY) - len(body):]
    control = (sum(int(d) * w for d, w in zip(body, key)) * 10) % 11
    return f"{body}{0 if control == 10 else control}"
