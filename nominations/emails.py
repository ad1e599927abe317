"""Canonical form of an e-mail address: one inbox, one voter.

The canonical form is what the database's unique constraint sees, so two
spellings of one mailbox cannot both count.
"""

from django.conf import settings


def canonical_email(address: str) -> str:
    address = address.strip()
    local, _, domain = address.rpartition("@")
    # Domains are case-insensitive (and IDNA-encoded on the wire); local parts
    # are case-insensitive at every provider that matters for a vote.
    domain = domain.casefold().rstrip(".")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    local = local.casefold()
    dotless = {d.casefold() for d in settings.CANONICAL_DOTLESS_DOMAINS}
    if domain in dotless:
        local = local.split("+", 1)[0].replace(".", "")
        # gmail.com and googlemail.com are one mailbox.
        if domain == "googlemail.com":
            domain = "gmail.com"
    return f"{local}@{domain}"


def email_fingerprint(canonical: str) -> str:
    """Every spelling of one person's address folded together, for the variant fraud check.

    Stricter than the canonical form (which must never merge two real inboxes):
    dots and +tags are dropped on every domain, and look-alike domains
    (FRAUD_LOOKALIKE_DOMAINS, e.g. "gmial.com" -> "gmail.com") map to the real one.
    """
    local, _, domain = canonical.rpartition("@")
    domain = settings.FRAUD_LOOKALIKE_DOMAINS.get(domain, domain)
    local = local.split("+", 1)[0].replace(".", "")
    return f"{local}@{domain}"


def mask_email(address: str) -> str:
    """An address shown to staff who may not read it: first letters and the top-level domain (jan@wp.pl -> j***@w*.pl)."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "***"
    name, dot, top = domain.rpartition(".")
    return f"{local[:1]}***@{name[:1]}*.{top}" if dot else f"{local[:1]}***@{domain[:1]}*"
