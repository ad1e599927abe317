"""The admin of nominations, by topic; importing the modules registers their model admins."""

from . import editions, integrity, votes  # noqa: F401
