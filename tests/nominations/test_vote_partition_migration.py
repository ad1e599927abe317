"""Migration 0025 partitions a populated vote table, and takes it back (PostgreSQL)."""

import importlib

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from nominations import partitions
from nominations.models import FraudFlag, Vote
from tests.factories import NomineeFactory, VoteFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("nominations", "0024_flag_settlements_and_mail_ledger")]
CONVERSION = importlib.import_module("nominations.migrations.0025_partition_votes_by_edition")


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def table_kind() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'nominations_vote'::regclass")
        return cursor.fetchone()[0]


def rows() -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, edition_id, nominee_id, receipt_code, confirmed_at, standing, email_send_count, tally_key "
            "FROM nominations_vote"
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


def test_the_migration_partitions_a_populated_table(monkeypatch):
    nominees = [NomineeFactory() for _ in range(3)]
    for number, nominee in enumerate(nominees):
        for i in range(10 + number):
            VoteFactory(nominee=nominee, confirmed_at=timezone.now() if i % 2 else None)
    flagged = Vote.objects.filter(confirmed_at__isnull=False).order_by("pk")[:4]
    for vote in flagged:
        FraudFlag.objects.create(vote=vote, nominee_id=vote.nominee_id, rule="fast")

    migrate(BEFORE)  # back to one plain table (the same copy, the other way)
    assert table_kind() == "r"
    stored = rows()
    assert len(stored) == 10 + 11 + 12

    # A change while the copy runs is carried over (the trigger notes it; the locked step copies it again).
    monkeypatch.setattr(CONVERSION, "BATCH", 7)
    copy = CONVERSION._copy_in_batches
    changed = max(stored)

    def copy_then_change(cursor, columns):
        copied = copy(cursor, columns)
        cursor.execute("UPDATE nominations_vote SET email_send_count = 7 WHERE id = %s", [changed])
        return copied

    monkeypatch.setattr(CONVERSION, "_copy_in_batches", copy_then_change)
    migrate(latest())

    assert table_kind() == "p"
    after = rows()
    assert after.pop(changed)[5] == 7
    assert after == {k: v for k, v in stored.items() if k != changed}
    for nominee in nominees:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {partitions.partition_name(nominee.edition_id)}")
            assert cursor.fetchone()[0] == Vote.objects.filter(edition_id=nominee.edition_id).count()
    assert {f.vote_id: f.edition_id for f in FraudFlag.objects.all()} == {v.pk: v.edition_id for v in flagged}
    # The identity sequence goes on after the copied ids, and new votes land in their edition's partition.
    new = VoteFactory(nominee=nominees[0])
    assert new.pk > changed
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM nominations_vote WHERE id = %s", [new.pk])
        assert cursor.fetchone()[0] == partitions.partition_name(nominees[0].edition_id)
    # The constraints came along: one counted vote per voter and category, flags only on votes that exist.
    counted = Vote.objects.filter(confirmed_at__isnull=False).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        VoteFactory(
            nominee=counted.nominee,
            email=counted.email,
            email_canonical=counted.email_canonical,
            confirmed_at=timezone.now(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        FraudFlag.objects.create(vote_id=new.pk + 100, edition_id=new.edition_id, nominee=new.nominee, rule="fast")
