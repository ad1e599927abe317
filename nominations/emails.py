"""E-mail addresses: their syntax, and the canonical form (one inbox, one voter).

The syntax and the IDNA 2008 form of the domain come from email-validator. The
canonical form is what the database's unique constraint sees, so two spellings
of one mailbox cannot both count; its provider folding (gmail dots and +tags)
is ours, as no library does it.
"""

import functools

from django.conf import settings
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _
from email_validator import EmailNotValidError, ValidatedEmail, validate_email


class InvalidEmailAddress(ValueError):
    def __init__(self, message, code: str):
        super().__init__(message)
        self.code = code


@functools.lru_cache(maxsize=512)
def parse_address(address: str) -> ValidatedEmail:
    """The address checked and split, or InvalidEmailAddress with a reason a voter can read.

    No DNS look-up: the confirmation e-mail proves the inbox, and look-ups would
    make a vote wait on a resolver. Refused besides bad syntax: quoted local
    parts ("alice"@…, which would canonicalise apart from the plain mailbox),
    non-ASCII local parts (not every mail server takes SMTPUTF8), domain
    literals, display names, and reserved domains such as localhost or .test.
    Cached: the vote form checks an address and the service canonicalises it, and
    both would parse it again (a failure is not cached: it raises every time).
    The result is shared, so callers only read it.
    """
    try:
        return validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        # A quote or a second @ hides the real mailbox, and the real domain from the
        # disposable-domain rule: say so rather than "invalid".
        if address.startswith('"') or address.count("@") > 1:
            raise InvalidEmailAddress(
                _("Please enter a plain e-mail address, without quotation marks or a second @."), code="quoted"
            ) from None
        # email-validator words every length limit (whole address, either part, one
        # label, before or after IDNA encoding) with "too long" or "N characters too many";
        # the tests hold it to that.
        if "too long" in str(error) or "too many" in str(error):
            raise InvalidEmailAddress(_("This e-mail address is too long."), code="max_length") from None
        # Django's own wording, translated by Django's catalogues, as before.
        raise InvalidEmailAddress(EmailValidator.message, code="invalid") from None


def canonical_email(address: str) -> str:
    """The canonical form of a valid address (InvalidEmailAddress for any other)."""
    parsed = parse_address(address.strip())
    # The domain in ASCII (IDNA 2008, lower case); local parts are case-insensitive at
    # every provider that matters for a vote.
    local, domain = parsed.local_part.casefold(), parsed.ascii_domain
    dotless = {d.casefold() for d in settings.CANONICAL_DOTLESS_DOMAINS}
    if domain in dotless:
        local = local.split("+", 1)[0].replace(".", "")
        # gmail.com and googlemail.com are one mailbox.
        if domain == "googlemail.com":
            domain = "gmail.com"
    return f"{local}@{domain}"


# How each provider folds spellings of one inbox, from its own documentation. Only
# these fold: elsewhere (wp.pl, onet.pl, o2.pl, interia.pl, yahoo) a dot makes another
# person's address, so `jan.kowalski@wp.pl` and `jankowalski@wp.pl` stay apart.
DOTS_IGNORED = frozenset({"gmail.com", "googlemail.com"})
# "+tag" sub-addressing delivers to the base inbox.
PLUS_TAGS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "fastmail.com",
        "fastmail.fm",
        "yandex.com",
        "yandex.ru",
        "zoho.com",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "mail.com",
        "tutanota.com",
        "hey.com",
        "o2.pl",
    }
)
# Yahoo's disposable addresses, "base-keyword@": the keyword picks a folder of one account.
HYPHEN_ALIASES = frozenset(
    {
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.de",
        "yahoo.it",
        "yahoo.es",
        "yahoo.ro",
        "yahoo.pl",
        "ymail.com",
        "rocketmail.com",
    }
)


def email_fingerprint(canonical: str) -> str:
    """Every spelling of one inbox folded together, for the variant fraud check.

    Only what the provider itself treats as one inbox (DOTS_IGNORED, PLUS_TAGS,
    HYPHEN_ALIASES); other domains keep the address as it is, and a look-alike
    domain (gmial.com) stays itself: it is another inbox, judged by the disposable rule.
    """
    local, _at, domain = canonical.rpartition("@")
    if domain == "googlemail.com":
        domain = "gmail.com"
    if domain in PLUS_TAGS:
        local = local.split("+", 1)[0]
    if domain in DOTS_IGNORED:
        local = local.replace(".", "")
    if domain in HYPHEN_ALIASES and "-" in local:
        local = local.split("-", 1)[0]
    return f"{local}@{domain}"


def mask_email(address: str) -> str:
    """An address shown to staff who may not read it: first letters and the top-level domain (jan@wp.pl -> j***@w*.pl)."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "***"
    name, dot, top = domain.rpartition(".")
    return f"{local[:1]}***@{name[:1]}*.{top}" if dot else f"{local[:1]}***@{domain[:1]}*"
