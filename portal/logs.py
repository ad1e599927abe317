"""Logs without raw client addresses or live links.

A confirmation link (`/vote/confirm/<token>/`) or a firm's invitation link
(`/firm/invitation/<token>/`) in a log line is a working credential; a client
address is personal data the portal only ever stores hashed. Both are cut out
of every record: gunicorn's access log (`RedactingGunicornLogger`, named in
deploy/gunicorn.conf.py) and Django's own loggers (`RedactingFilter`, on the
console handler in settings). This module imports nothing from Django, so the
gunicorn master can load it before the app.
"""

import logging
import re

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
# Path segments that are secrets: a token after these prefixes, up to the next slash.
SECRET_PATH = re.compile(r"(/(?:vote/confirm|firm/invitation)/)[^/?#\s\"']+")
# A query string may carry anything (a token pasted by hand, an e-mail address).
QUERY = re.compile(r"\?[^\s\"']*")
IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
# Two or more colon-separated hex groups, with "::" allowed: IPv6 without matching times (12:30:01).
IPV6 = re.compile(
    r"(?<![\w:.])(?=[0-9A-Fa-f:]*[A-Fa-f]|[0-9A-Fa-f:]*::)(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"
)
ADDRESS = "[address]"


def redact(text: str) -> str:
    """The text with secret path segments, query strings and IP addresses replaced."""
    text = SECRET_PATH.sub(r"\1" + REDACTED, text)
    text = QUERY.sub("?" + REDACTED, text)
    text = IPV4.sub(ADDRESS, text)
    return IPV6.sub(ADDRESS, text)


def _redact_value(value: object) -> object:
    return redact(value) if isinstance(value, str) else value


class RedactingFilter(logging.Filter):
    """Rewrites a record's message and arguments before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _redact_value(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_redact_value(value) for value in record.args)
        return True


# Atoms of gunicorn's access log that may hold an address, a path or a query string.
ADDRESS_ATOMS = {"h", "{x-forwarded-for}i", "{x-real-ip}i", "{forwarded}i"}
TEXT_ATOMS = {"r", "U", "q", "f", "{referer}i", "{location}o"}


class RedactingGunicornLogger(Logger):
    """gunicorn's logger, with the client address blanked and links redacted in every access line."""

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        atoms = super().atoms(resp, req, environ, request_time)
        for key in list(atoms):
            if key in ADDRESS_ATOMS:
                atoms[key] = "-"
            elif key in TEXT_ATOMS and isinstance(atoms[key], str):
                atoms[key] = redact(atoms[key])
        return atoms

    def setup(self, cfg):  # type: ignore[no-untyped-def]
        super().setup(cfg)
        # gunicorn's error log names the peer on some failures ("Invalid request from ip=...").
        # (The access log's own arguments are redacted in atoms() above.)
        self.error_log.addFilter(RedactingFilter())
