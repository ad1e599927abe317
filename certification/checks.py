"""System checks for what certificates need at run time."""

from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from .certificates import documents, signing


@register()
def check_certificate_font(app_configs, **kwargs):
    """Say at start-up, not at the first issue, that the certificate font is missing."""
    problems = []
    for weight in documents.FONT_FILES:
        try:
            documents.font_path(weight)
        except ImproperlyConfigured as error:
            problems.append(Error(str(error), id="certification.E001"))
    return problems


@register()
def check_signing_keys(app_configs, **kwargs):
    """Certificates cannot be signed without the keys: say so at start-up (file generation would fail on each)."""
    try:
        signing.pdf_signer()
        signing.credential_key()
    except (ImproperlyConfigured, OSError, ValueError) as error:
        return [
            Warning(
                f"Certificates cannot be signed: {error}",
                hint="Run `manage.py make_signing_key` for a development pair (make run does).",
                id="certification.W001",
            )
        ]
    return []
