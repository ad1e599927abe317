import pytest
from django.utils import translation

from tests.factories import CategoryFactory, EditionFactory, NomineeFactory


@pytest.fixture(scope="session", autouse=True)
def _audit_log_truncatable_by_test_flushes():
    """A transactional or live-server test ends with a flush, which on PostgreSQL is a TRUNCATE of every table.

    The audit log refuses TRUNCATE (certification migration 0006), so the trigger is
    lifted for the flush only and put back at once, whatever the flush did.
    """
    from unittest import mock

    from django.db import connection
    from django.test import TransactionTestCase

    if connection.vendor != "postgresql":
        yield
        return
    trigger = "audit_auditentry_no_truncate"  # renamed by audit/migrations/0001_initial.py
    original = TransactionTestCase._fixture_teardown

    def fixture_teardown(self):
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE audit_auditentry DISABLE TRIGGER {trigger}")
        try:
            original(self)
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE audit_auditentry ENABLE TRIGGER {trigger}")

    with mock.patch.object(TransactionTestCase, "_fixture_teardown", fixture_teardown):
        yield


@pytest.fixture(scope="session", autouse=True)
def _role_snapshot(request, django_db_setup, django_db_blocker):
    """The roles as migrated, before any test's flush can remove them (tests/roles.py)."""
    from pytest_django.fixtures import _get_databases_for_setup

    from tests import roles

    if not _get_databases_for_setup(request.session.items)[0]:
        return  # no test of this run uses the database, so no test database was made
    with django_db_blocker.unblock():
        roles.take()


@pytest.fixture(autouse=True)
def _no_rate_limits_by_default(settings):
    """Rate limits have their own tests; elsewhere they would make tests depend on each other."""
    settings.RATELIMIT_ENABLE = False


@pytest.fixture(autouse=True)
def _no_processing_marker_left_over():
    """The "a batch run is queued" marker lives 30 s in the cache (Redis in CI); one test's must not silence the next's."""
    from django.core.cache import cache

    from nominations import processing

    cache.delete(processing.PROCESS_QUEUED_KEY)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded evidence and generated certificates go to a per-test folder, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 API (moto's server mode) in its own process on a free port, for the whole session."""
    from tests.servers.s3 import run_s3_server

    yield from run_s3_server()


@pytest.fixture
def s3_storage(settings, s3_server):
    """Stored objects go to a fresh bucket on the S3 server for this test; yields (server, bucket)."""
    bucket = s3_server.new_bucket()
    settings.OBJECT_STORAGE_BUCKET = bucket
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings(bucket)}
    return s3_server, bucket


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free port, for the whole session."""
    from tests.servers.smtp import run_smtp_server

    yield from run_smtp_server()


@pytest.fixture
def smtp(settings, smtp_server):
    """Mail goes over SMTP to the suite's server for this test (instead of Django's test outbox)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    smtp_server.clear()
    return smtp_server


@pytest.fixture(autouse=True)
def _english_by_default():
    """A request in another language leaves it active in the thread; reverse() would follow it."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def edition(db):
    return EditionFactory()


@pytest.fixture
def category(edition):
    return CategoryFactory(edition=edition, slug="banking", name_en="Banking", name_pl="Bankowość", name_ro="Bănci")


@pytest.fixture
def nominee(category):
    return NomineeFactory(category=category, firm__name="Łódź Spółdzielnia Mleczarska")


@pytest.fixture
def other_nominee(category):
    return NomineeFactory(category=category, firm__name="Banca Comercială Ștefănești")


@pytest.fixture(scope="session", autouse=True)
def _signing_keys(tmp_path_factory):
    """A development signing pair (as `manage.py make_signing_key` writes it), in a folder of this test session."""
    from django.conf import settings

    from certification.certificates import signing

    folder = tmp_path_factory.mktemp("signing")
    settings.CERTIFICATE_SIGNING_KEY = folder / "pdf-signing-key.pem"
    settings.CERTIFICATE_SIGNING_CHAIN = folder / "pdf-signing-chain.pem"
    settings.CREDENTIAL_SIGNING_KEY = folder / "credential-ed25519-key.pem"
    signing.write_development_pair(body_name=settings.CERTIFYING_BODY_NAME)
    return folder


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` (COPY, triggers, LISTEN, replicas) are skipped, with the reason, on SQLite."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (marked `postgres`); DATABASE_URL is SQLite")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)
