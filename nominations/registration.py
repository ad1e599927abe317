"""Registration numbers of firms: Polish NIP and Romanian CUI/CIF.

The checksums (see ../shared/domain.md) are python-stdnum's `stdnum.pl.nip` and
`stdnum.ro.cui`. What stays here is what we accept from people: `normalize`
takes the spellings they actually type (dashes, spaces, dots, slashes, a
country prefix) and returns the bare digits, or raises InvalidRegistrationNumber
with a reason a customer can read.

The spelling is cleaned here, not by stdnum's `compact`, which also turns
full-width and other Unicode digits into ASCII ones: we refuse those, so a
number is stored exactly as its digits were typed.
"""

import re

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.pl import nip
from stdnum.ro import cui

_SEPARATORS = re.compile(r"[\s\-./]+")


class InvalidRegistrationNumber(ValueError):
    pass


def _strip(raw: str, prefix: str) -> str:
    value = _SEPARATORS.sub("", raw or "").upper()
    if value.startswith(prefix):
        value = value[len(prefix) :]
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


def normalize(raw: str, *, country: str) -> str:
    if len(raw or "") > 40:
        raise InvalidRegistrationNumber(_("This registration number is too long."))
    if country == "PL":
        digits = _strip(raw, "PL")
        try:
            # A remainder of 10 is never issued: no tenth digit matches it.
            return nip.validate(digits)
        except InvalidLength:
            raise InvalidRegistrationNumber(_("A Polish NIP has 10 digits.")) from None
        except InvalidChecksum:
            raise InvalidRegistrationNumber(_("This NIP fails its checksum; please check the digits.")) from None
    if country == "RO":
        digits = _strip(raw, "RO")
        try:
            return cui.validate(digits)
        except InvalidLength:
            raise InvalidRegistrationNumber(_("A Romanian CUI has 2 to 10 digits.")) from None
        except InvalidChecksum:
            raise InvalidRegistrationNumber(_("This CUI fails its checksum; please check the digits.")) from None
        except ValidationError:
            # Digits only by now, so stdnum's remaining format rule: no CUI is issued with a
            # leading zero, and "018547290" would otherwise register 18547290 a second time.
            raise InvalidRegistrationNumber(_("A Romanian CUI does not start with 0.")) from None
    raise InvalidRegistrationNumber(_("Registration numbers of this country are not supported."))


# What an edition accepts: a firm registered in one of the programme's countries. Its own
# country's number with or without the EU VAT prefix; the other countries' numbers with or
# without their prefix. Bare digits valid in the edition's country are read as that
# country's number (so nothing already registered changes meaning); otherwise as the first
# other country where they are valid.
COUNTRIES = ("PL", "RO")


def help_text(country: str) -> str:
    """The nomination form's help text, saying exactly what `identify` accepts for an edition of `country`."""
    if country == "RO":
        return str(
            _(
                "The firm's Romanian CUI (like RO18547290) or, for a firm registered in Poland, its NIP "
                "(like PL5261040828 or 526-104-08-28). Spaces, dashes and the country prefix are optional."
            )
        )
    return str(
        _(
            "The firm's Polish NIP (like 526-104-08-28 or PL5261040828) or, for a firm registered in Romania, its CUI "
            "(like RO18547290). Spaces, dashes and the country prefix are optional."
        )
    )


def identify(raw: str, *, edition_country: str) -> tuple[str, str]:
    """(country, bare digits) of a number typed on an edition's form; InvalidRegistrationNumber with its reason."""
    if len(raw or "") > 40:
        raise InvalidRegistrationNumber(_("This registration number is too long."))
    compact = _SEPARATORS.sub("", raw or "").upper()
    prefix = compact[:2]
    if prefix in COUNTRIES:
        return prefix, normalize(compact, country=prefix)
    if prefix.isalpha() and len(compact) > 2:
        raise InvalidRegistrationNumber(
            _("Only firms registered in Poland (NIP, prefix PL) or Romania (CUI, prefix RO) can be nominated.")
        )
    try:
        return edition_country, normalize(compact, country=edition_country)
    except InvalidRegistrationNumber as own_error:
        for country in COUNTRIES:
            if country == edition_country:
                continue
            try:
                return country, normalize(compact, country=country)
            except InvalidRegistrationNumber:
                continue
        raise own_error from None


def nip_from_body(body: str) -> str | None:
    """The valid NIP for nine digits, or None where the checksum would be 10 (never issued)."""
    remainder = nip.checksum(body)  # over nine digits: the weighted sum mod 11
    return None if remainder == 10 else f"{body}{remainder}"


def cui_from_body(body: str) -> str:
    """The valid CUI for 1 to 9 leading digits."""
    return f"{body}{cui.calc_check_digit(body)}"
