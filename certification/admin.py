"""The admin of certification, by topic: vetting (checks, decisions) and certificates (issuing, files, accounts)."""

from .certificates import admin as certificates_admin  # noqa: F401  (registers its model admins)
from .vetting import admin as vetting_admin  # noqa: F401  (registers its model admins)
