"""System checks for what certificates need at run time."""

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from .certificates import documents


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
