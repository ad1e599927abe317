"""A running edition's vote and its tally touch only its own partition (PostgreSQL partition pruning)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nominations import partitions, services, tally
from nominations.client import ClientInfo
from nominations.models import Vote
from tests.factories import EditionFactory, NomineeFactory, VoteFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def three_editions():
    """Three editions with partitions of their own and votes in each; the last one is running."""
    nominees = []
    for _ in range(3):
        edition = EditionFactory()
        partitions.ensure_partition(edition_id=edition.pk)
        nominee = NomineeFactory(category__edition=edition)
        for _i in range(5):
            VoteFactory(nominee=nominee, confirmed_at=timezone.now())
        nominees.append(nominee)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE nominations_vote")
    return nominees


def relations_in_plan(sql: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found, stack = set(), [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        if "Relation Name" in node:
            found.add(node["Relation Name"])
        stack.extend(node.get("Plans", []))
    return found


def vote_relations(relations: set[str]) -> set[str]:
    return {r for r in relations if r.startswith("nominations_vote")}


def table_activity() -> dict[str, tuple]:
    """This transaction's reads and writes per vote partition so far."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, seq_scan, coalesce(idx_scan, 0), n_tup_ins, n_tup_upd, n_tup_del "
            "FROM pg_stat_xact_user_tables WHERE relname LIKE 'nominations_vote_%%'"
        )
        return {name: tuple(counts) for name, *counts in cursor.fetchall()}


def test_a_vote_reads_and_writes_only_its_editions_partition(three_editions):
    running = three_editions[-1]
    own = partitions.partition_name(running.edition_id)
    client = ClientInfo(ip_hash=1, network_hash=1, user_agent="t")
    before = table_activity()
    with CaptureQueriesContext(connection) as queries:
        services.cast_vote(nominee=running, email="new.voter@example.com", client=client)
    touched = {name for name, counts in table_activity().items() if counts != before.get(name, (0,) * 5)}
    assert touched == {own}
    assert Vote.objects.get(email="new.voter@example.com").edition_id == running.edition_id
    statement = next(q["sql"] for q in queries if "INSERT INTO nominations_vote" in q["sql"])
    assert vote_relations(relations_in_plan(statement)) == {"nominations_vote", own}


def test_an_editions_tally_reads_only_its_partition(three_editions):
    running = three_editions[-1]
    with CaptureQueriesContext(connection) as queries:
        tally.recount_edition(running.edition)
    statements = [q["sql"] for q in queries if "FROM nominations_vote" in q["sql"]]
    assert statements
    for statement in statements:
        assert vote_relations(relations_in_plan(statement)) == {partitions.partition_name(running.edition_id)}


def test_the_plan_check_sees_a_statement_that_reads_every_partition(three_editions):
    """The check can fail: without the edition in the WHERE, every partition is in the plan."""
    relations = vote_relations(relations_in_plan("SELECT count(*) FROM nominations_vote WHERE nominee_id > 0"))
    assert {partitions.partition_name(n.edition_id) for n in three_editions} <= relations
