"""A client that stops half-way through its TLS handshake holds a proxy connection no longer than a slow header.

Found: the compose image (nginx 1.27) times the handshake by `ssl_handshake_timeout`, 60 s by
default since nginx 1.25.3, not by `client_header_timeout` (10 s) as Debian's 1.22 in CI does. A
ClientHello cut short, a dozen bytes and no cryptography, then held a connection for a minute, six
times longer than the slow-client test shows: about 17 such connections a second keep nginx's
1,024 connections a worker full. The template sets the handshake's time to the header's.
"""

import re

from tests.production import stack


def seconds(template: str, directive: str) -> int:
    match = re.search(rf"^\s*{directive}\s+(\d+)s;", template, re.MULTILINE)
    assert match, f"{directive} is not set in seconds"
    return int(match.group(1))


def test_the_tls_handshake_gets_no_longer_than_the_request_header():
    template = (stack.ROOT / "deploy" / "nginx" / "portal.conf.template").read_text()
    assert seconds(template, "ssl_handshake_timeout") <= seconds(template, "client_header_timeout") <= 10


def test_an_nginx_older_than_the_directive_gets_the_site_without_it():
    """Debian's 1.22 (CI) times the handshake by client_header_timeout already, and refuses the directive."""
    site = "    client_header_timeout 10s;\n    ssl_handshake_timeout 10s;\n"
    assert stack.for_nginx_version(site, (1, 22, 1)) == "    client_header_timeout 10s;\n"
    assert stack.for_nginx_version(site, (1, 27, 0)) == site
