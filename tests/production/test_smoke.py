"""The production smoke test: the image's collectstatic and gunicorn lines, DEBUG off, behind nginx.

Every public page, a static file, the admin login and /healthz/ through the proxy, with no
500; a forged X-Forwarded-For is not believed; slow clients do not take the site down; the
access logs name no client address and no token.
"""

import json
import socket
import ssl
import time
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.urls import LocalePrefixPattern, URLPattern, URLResolver, get_resolver

from tests.factories import CategoryFactory, EditionFactory, NomineeFactory
from tests.production import stack

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ("en", "pl", "ro")


@pytest.fixture(scope="module")
def site(production_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("smoke")
    node = stack.start_gunicorn(production_env, folder, "web")
    try:
        proxy = stack.start_nginx(folder / "nginx", [node.port])
    except BaseException:
        node.stop()
        raise
    yield proxy, node
    proxy.stop()
    node.stop()


@pytest.fixture
def browser(site):
    proxy, _node = site
    return stack.Browser(proxy.https_port)


def public_paths(edition_slug: str, category_slug: str, nominee_id: int) -> list[str]:
    """Every route of the public site, its parameters filled in, in every language."""
    values = {
        "slug": edition_slug,
        "category_slug": category_slug,
        "nominee_id": str(nominee_id),
        "serial": "CF-PL26-NONE-NONE-NONE-NONE",
        "token": "not-a-token",
        "download_key": str(uuid.uuid4()),
        "kind": "pdf",
    }
    paths = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                own = "en/" if isinstance(pattern.pattern, LocalePrefixPattern) else str(pattern.pattern)
                walk(pattern.url_patterns, prefix + own)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                for name in pattern.pattern.converters:
                    route = route.replace(f"<{route.split('<', 1)[1].split('>', 1)[0]}>", values[name], 1)
                paths.append("/" + route.lstrip("^").rstrip("$"))

    # Not pages: the admin (its login is fetched below) and the mail provider's webhook, which
    # only the provider posts to (tests/nominations/test_mail_suppression.py).
    machine = ("admin", "anymail")
    walk([p for p in get_resolver().url_patterns if not str(p.pattern).startswith(machine)], "")
    for language in LANGUAGES:
        paths += [p.replace("/en/", f"/{language}/", 1) for p in paths if p.startswith("/en/")]
    return sorted(set(paths))


def test_every_public_page_static_file_admin_login_and_healthz_answer_without_a_500(browser, site):
    edition = EditionFactory()
    category = CategoryFactory(edition=edition)
    nominee = NomineeFactory(category=category)
    paths = public_paths(edition.slug, category.slug, nominee.pk)
    assert len(paths) > 30 and any("/vote/confirm/" in p for p in paths)
    failures = {}
    for path in [*paths, "/admin/login/", "/healthz/"]:
        reply = browser.get(path)
        if reply.status >= 500:
            failures[path] = reply.status
    assert not failures, failures
    home = browser.get("/en/")
    assert home.status == 200
    # The manifest's hashed names are in the page, and served with far-future caching.
    stylesheet = next(p.split('"')[0] for p in home.text().split('href="')[1:] if p.split('"')[0].endswith(".css"))
    assert stylesheet.startswith("/static/") and stylesheet.count(".") >= 2
    static = browser.get(stylesheet)
    assert static.status == 200 and "immutable" in static.headers.get("cache-control", "")
    assert browser.get("/admin/login/").status == 200
    health = browser.get("/healthz/")
    assert health.status == 200 and b'"database": "ok"' in health.body


def test_plain_http_is_redirected_to_https_by_the_proxy(site):
    proxy, _node = site
    # A client claiming HTTPS over plain HTTP is not believed: nginx answers, Django never sees it.
    reply = stack.http_get("127.0.0.1", proxy.http_port, "/en/?x=1", headers={"X-Forwarded-Proto": "https"})
    assert reply.status == 301
    assert reply.headers["location"] == f"https://{stack.HOST}:{proxy.https_port}/en/?x=1"


def test_gunicorn_is_not_reached_with_a_forged_forwarded_for(browser):
    """Five wrong passwords, each "from" another address in X-Forwarded-For: still one client, locked out."""
    get_user_model().objects.create_superuser("admin", "a@example.com", "the-right-password-123")
    for attempt in range(5):
        token = browser.csrf_token("/admin/login/")
        browser.post(
            "/admin/login/",
            {"csrfmiddlewaretoken": token, "username": "admin", "password": "wrong", "next": "/admin/"},
            headers={"X-Forwarded-For": f"203.0.113.{attempt + 1}"},
        )
    token = browser.csrf_token("/admin/login/")
    reply = browser.post(
        "/admin/login/",
        {"csrfmiddlewaretoken": token, "username": "admin", "password": "the-right-password-123", "next": "/admin/"},
        headers={"X-Forwarded-For": "198.51.100.99", "X-Forwarded-Proto": "http"},
    )
    assert reply.status == 429, reply.status


def open_slow_client(port: int, *, body: bool) -> ssl.SSLSocket:
    """A client that starts a request and stops sending half-way (the headers, or the body)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    conn = context.wrap_socket(raw)
    if body:
        conn.sendall(
            # With an Origin and a CSRF cookie, so Django reads the body rather than refusing at once.
            b"POST /en/receipt/ HTTP/1.1\r\nHost: portal.example.com\r\nOrigin: https://portal.example.com\r\n"
            b"Cookie: csrftoken=" + b"a" * 32 + b"\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ncode="
        )
    else:
        conn.sendall(b"GET /en/ HTTP/1.1\r\nHost: portal.example.com\r\nUser-Agent: slow")
    return conn


def test_slow_clients_do_not_hold_up_healthz(site, production_env):
    proxy, _node = site
    # Three half-sent headers (the case), and more half-sent bodies than the node has
    # worker threads, so spare capacity cannot be the reason it holds.
    slots = int(production_env["WEB_CONCURRENCY"]) * int(production_env["GUNICORN_THREADS"])
    slow = [open_slow_client(proxy.https_port, body=False) for _ in range(3)]
    slow += [open_slow_client(proxy.https_port, body=True) for _ in range(slots + 1)]
    try:
        browser = stack.Browser(proxy.https_port, timeout=1)
        for _ in range(3):
            started = time.monotonic()
            reply = browser.get("/healthz/")
            assert reply.status == 200
            assert time.monotonic() - started < 1
    finally:
        for conn in slow:
            conn.close()


def test_access_logs_name_no_client_address_and_no_token(site):
    proxy, node = site
    browser = stack.Browser(proxy.https_port, source="127.0.0.23")
    token = "SECRETtok3n-" + uuid.uuid4().hex
    browser.get(f"/en/vote/confirm/{token}/")
    browser.get(f"/en/firm/invitation/{token}/")
    browser.get(f"/en/receipt/?code={token}")

    def logged() -> bool:
        return node.output().count("confirm/[redacted]/") >= 1 and "invitation/[redacted]/" in proxy.access_log()

    stack.wait_for(logged, timeout=10, what="the access log lines")
    for log in (node.output(), proxy.access_log()):
        assert token not in log
        assert "127.0.0.23" not in log


def test_healthz_answers_503_naming_the_database_when_it_is_down(production_env, tmp_path):
    """A node whose database is unreachable says so, while Redis and the storage still answer."""
    env = {**production_env, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{stack.free_port()}/portal"}
    node = stack.start_gunicorn(env, tmp_path, "no-database")
    try:
        reply = stack.http_get("127.0.0.1", node.port, "/healthz/")
    finally:
        node.stop()
    assert reply.status == 503
    assert json.loads(reply.body) == {"status": "down", "database": "down", "redis": "ok", "storage": "ok"}
