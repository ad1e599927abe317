"""Writers appending at the same time keep one chain (PostgreSQL: SQLite serialises writers anyway)."""

import pytest
from django.db import connection, transaction

from audit import services as audit
from audit.models import AuditEntry
from tests.factories import EditionFactory
from tests.race import race

from .conftest import TRANSACTIONAL

pytestmark = [
    pytest.mark.postgres,
    TRANSACTIONAL,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"),
]


@pytest.mark.parametrize("attempt", range(2))
def test_concurrent_records_keep_one_chain(attempt):
    edition = EditionFactory()
    audit.record(actor=None, action="test.start", obj=edition)

    def writer(number):
        def write():
            for i in range(10):
                with transaction.atomic():
                    audit.record(actor=None, action="test.one", obj=edition, after={"writer": number, "i": i})
                audit.record_many(
                    actor=None,
                    action="test.many",
                    changes=[audit.Change(obj=edition, before={}, after={"writer": number, "n": n}) for n in range(3)],
                )
            return number

        return write

    outcomes = race(*[writer(number) for number in range(6)])
    assert outcomes == list(range(6)), outcomes
    verdict = audit.verify_log()
    assert verdict.ok, verdict
    assert verdict.count == AuditEntry.objects.count() == 1 + 6 * 10 * 4
    assert list(AuditEntry.objects.order_by("pk").values_list("at", flat=True)) == sorted(
        AuditEntry.objects.values_list("at", flat=True)
    )
