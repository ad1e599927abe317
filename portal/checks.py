"""System checks for our own settings."""

import re

from django.conf import settings
from django.core.checks import Error, Warning, register

RATE = re.compile(r"^[1-9][0-9]*/[1-9]?[0-9]*[smhd]$")


@register()
def check_portal_settings(app_configs, **kwargs):
    problems = []
    for name in (
        "RATELIMIT_NOMINATE",
        "RATELIMIT_VOTE",
        "RATELIMIT_CONFIRM",
        "RATELIMIT_RECEIPT",
        "RATELIMIT_VERIFY_UPLOAD",
    ):
        if not RATE.match(str(getattr(settings, name))):
            problems.append(Error(f"{name} must look like '30/h' or '10/m'.", id="portal.E001"))
    if settings.VOTE_CONFIRM_MAX_AGE.total_seconds() < 3600:
        problems.append(Error("VOTE_CONFIRM_MAX_AGE_HOURS must be at least 1.", id="portal.E002"))
    if settings.TRUSTED_PROXY_COUNT < 0:
        problems.append(Error("TRUSTED_PROXY_COUNT cannot be negative.", id="portal.E003"))
    if settings.CERTIFICATES_PER_CATEGORY < 1:
        problems.append(Error("CERTIFICATES_PER_CATEGORY must be at least 1.", id="portal.E004"))
    if settings.CERTIFICATE_VALIDITY_DAYS < 1:
        problems.append(Error("CERTIFICATE_VALIDITY_DAYS must be at least 1.", id="portal.E005"))
    problems += check_identity()
    if not settings.DEBUG and settings.IP_HASH_KEY == settings.SECRET_KEY:
        problems.append(
            Warning(
                "IP_HASH_KEY is not set, so client addresses are hashed with SECRET_KEY; rotating "
                "SECRET_KEY would then break network comparisons over time.",
                id="portal.W001",
            )
        )
    return problems


def check_identity() -> list[Error]:
    """A name or title set for one language is set, not blank, for every language: a certificate never mixes two."""
    problems = []
    languages = [code for code, _name in settings.LANGUAGES]
    for name in ("PROGRAMME_NAME", "CERTIFICATE_TITLE"):
        given = getattr(settings, name)
        if not given:
            continue  # the translated defaults
        blank = sorted(code for code, value in given.items() if not str(value or "").strip())
        if blank:
            variables = ", ".join(f"{name}_{code.upper()}" for code in blank)
            problems.append(
                Error(f"{variables}: the {name.lower().replace('_', ' ')} cannot be empty.", id="portal.E006")
            )
        missing = [code for code in languages if code not in given]
        if missing:
            variables = ", ".join(f"{name}_{code.upper()}" for code in missing)
            problems.append(
                Error(
                    f"{name} is set for some languages only: set {variables} too (or none of them for the defaults).",
                    id="portal.E007",
                )
            )
    if not settings.CERTIFYING_BODY_NAME.strip():
        problems.append(Error("CERTIFYING_BODY_NAME cannot be empty.", id="portal.E008"))
    return problems
