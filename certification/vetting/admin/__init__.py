"""Vetting in the admin, by topic: checks with their evidence, nominees under review with the decisions."""

from . import checks, nominees  # noqa: F401  (register their model admins)
