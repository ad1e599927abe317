"""seed_demo's COPY path: the vote table's foreign keys are dropped for the load and come back exactly as they were."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from demo.loadgen import Target, VoteGenerator, write_votes
from nominations.models import Vote
from tests.factories import NomineeFactory

# Committed rows, as seed_demo has them: in a test's open transaction the rows its factories wrote
# still have deferred key checks pending, and PostgreSQL refuses to drop a key then.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def foreign_keys() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'nominations_vote'::regclass AND contype = 'f' ORDER BY conname"
        )
        return cursor.fetchall()


def rows(nominee, count: int, **target) -> list[tuple]:
    edition = nominee.edition
    aim = Target(
        **{"edition_id": nominee.edition_id, "category_id": nominee.category_id, "nominee_id": nominee.pk, **target}
    )
    generator = VoteGenerator(nominees=[aim], start=edition.voting_opens_at, end=edition.voting_closes_at)
    return list(generator.rows(count, 0))


def test_the_votes_are_written_and_the_foreign_keys_are_back_as_they_were():
    nominee = NomineeFactory()
    before = foreign_keys()
    counted = []
    with CaptureQueriesContext(connection) as queries:
        write_votes(rows(nominee, 45_000), checked_at=None, tallied_at=None, progress=counted.append)
    dropped = [q["sql"] for q in queries.captured_queries if "DROP CONSTRAINT" in q["sql"]]
    assert len(dropped) == len(before)  # the keys were out of the way for the load
    assert counted == [20_000, 20_000, 5_000]
    assert Vote.objects.filter(nominee=nominee).count() == 45_000
    assert foreign_keys() == before and len(before) >= 3


def test_a_vote_for_a_missing_nominee_fails_the_load_and_leaves_nothing_behind():
    nominee = NomineeFactory()
    before = foreign_keys()
    with pytest.raises(IntegrityError):
        write_votes(rows(nominee, 10, nominee_id=nominee.pk + 10_000), checked_at=None, tallied_at=None)
    assert not Vote.objects.exists()
    assert foreign_keys() == before
