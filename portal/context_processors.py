"""What every page's template may use."""

from . import identity as programme_identity


def identity(request) -> dict:
    return programme_identity.template_context()
