"""The published vote ledger: its lines, digests and figures (core), how a version stores them (stored),
and how a version is checked against the votes (verification). Everything is importable from here."""

from .core import *  # noqa: F403
from .stored import *  # noqa: F403
from .verification import *  # noqa: F403
