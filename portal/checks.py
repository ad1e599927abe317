"""System checks for our own settings."""

import re

from django.conf import settings
from django.core.checks import Error, Warning, register

RATE = re.compile(r"^[1-9][0-9]*/[1-9]?[0-9]*[smhd]$")


@register()
def check_portal_settings(app_configs, **kwargs):
    problems = []
    for name in ("RATELIMIT_NOMINATE", "RATELIMIT_VOTE", "RATELIMIT_CONFIRM", "RATELIMIT_RECEIPT"):
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
    if not settings.DEBUG and settings.IP_HASH_KEY == settings.SECRET_KEY:
        problems.append(
            Warning(
                "IP_HASH_KEY is not set, so client addresses are hashed with SECRET_KEY; rotating "
                "SECRET_KEY would then break network comparisons over time.",
                id="portal.W001",
            )
        )
    return problems
