"""No raw client address and no live confirmation or invitation link in a log line (portal/logs.py)."""

import io
import logging

import pytest

from portal.logs import RedactingFilter, redact


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ('"GET /en/vote/confirm/AbC123.x-Yz_9/ HTTP/1.1" 200', "AbC123.x-Yz_9"),
        ('"GET /ro/firm/invitation/MTIz:1tNxyz:abc/ HTTP/1.1" 302', "MTIz:1tNxyz:abc"),
        ("Not Found: /pl/vote/confirm/tok3n", "tok3n"),
        ('"GET /en/receipt/?code=RCPT-1234 HTTP/1.1"', "RCPT-1234"),
        ("login failure from 203.0.113.77 for alice", "203.0.113.77"),
        ("login failure from 2001:db8::1:2 for alice", "2001:db8::1:2"),
        ("ip_address: '::ffff:198.51.100.4'", "198.51.100.4"),
    ],
)
def test_secrets_and_addresses_are_cut_out(line, secret):
    assert secret not in redact(line)


def test_times_and_ordinary_paths_are_left_alone():
    line = '[01/Dec/2026:17:30:01 +0000] "GET /en/e/poland-2026/results/ HTTP/1.1" 200 5120 12ms'
    assert redact(line) == line


def test_the_configured_console_handler_redacts_what_django_logs():
    """The handler settings.LOGGING installs: Django's "Not Found: <path>" for a dead link carries its token."""
    console = next(h for h in logging.getLogger().handlers if any(isinstance(f, RedactingFilter) for f in h.filters))
    output = io.StringIO()
    previous = console.setStream(output)
    try:
        logging.getLogger("django.request").warning("Not Found: %s", "/en/vote/confirm/Zm9vYmFyLXRva2Vu/")
        logging.getLogger("django.security").warning("Invalid HTTP_HOST header from %s", "198.51.100.23")
    finally:
        console.setStream(previous)
    written = output.getvalue()
    assert "Not Found: /en/vote/confirm/[redacted]/" in written
    assert "Zm9vYmFyLXRva2Vu" not in written and "198.51.100.23" not in written
