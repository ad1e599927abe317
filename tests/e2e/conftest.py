"""Headless Chromium against pytest-django's live server.

The browser is Debian's /usr/bin/chromium driven by Playwright's sync API; no
browser is ever downloaded. Without it the journeys are skipped locally, but
under CI (which installs it) a missing browser fails the run.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop running in this thread, and Django
# then refuses ORM calls from it (SynchronousOnlyOperation). The tests create
# their data and check the database from this thread, so allow it: test-only.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Generous for a loaded CI machine; a passing run never waits this long.
TIMEOUT_MS = 15_000


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI installs it, so the end-to-end journeys must run there)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"{CHROMIUM} is missing; install Debian's chromium package to run the browser journeys")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_site(live_server, settings):
    """The live server, with links in e-mails pointing at it."""
    settings.SITE_URL = live_server.url
    return live_server


@pytest.fixture
def context(browser, live_site):
    """A fresh browser context (cookies, language, storage) for each test."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    # A voter's browser says Chrome, not HeadlessChrome (which the automation fraud rule holds).
    agent = (
        f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{browser.version} Safari/537.36"
    )
    context = browser.new_context(
        base_url=live_site.url, locale="en-GB", user_agent=agent, extra_http_headers={"Accept-Language": "en"}
    )
    context.set_default_timeout(TIMEOUT_MS)
    # Every Content-Security-Policy violation of a page, for the journeys to assert there is none.
    context.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    # A script error (or a CSP violation that breaks portal.js) fails the journey too.
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def artifacts_dir():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _audit_log_flushable(transactional_db):
    """A live-server test ends with a flush, which on SQLite is a DELETE the append-only audit log refuses.

    So the test's own entries are removed first (this fixture depends on the
    database one, so it is torn down before the flush), with the trigger lifted
    for that moment only. PostgreSQL flushes with TRUNCATE, whose trigger
    tests/conftest.py lifts around the flush.
    """
    yield
    from importlib import import_module

    from django.db import connection

    from audit.models import AuditEntry

    if connection.vendor != "sqlite" or not AuditEntry.objects.exists():
        return
    # The table and its triggers as audit/migrations/0001_initial.py renamed them.
    moved = import_module("audit.migrations.0001_initial")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS audit_auditentry_no_delete;")
    try:
        AuditEntry.objects.all().delete()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(moved._sqlite_triggers("audit_auditentry")[1])
