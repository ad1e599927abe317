"""The vote table partitioned by edition on PostgreSQL (migration 0025, docs/partitioning.md)."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from nominations import partitions, tasks
from nominations.models import Edition, FraudFlag, Vote
from nominations.services import create_edition
from nominations.services.vote_partitions import ensure_vote_partitions
from tests.factories import EditionFactory, NomineeFactory, UserFactory, VoteFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def partition_of(vote: Vote) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM nominations_vote WHERE id = %s", [vote.pk])
        return cursor.fetchone()[0]


def test_the_vote_table_is_partitioned_by_edition_with_a_default_partition():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_partkeydef('nominations_vote'::regclass)")
        assert cursor.fetchone()[0] == "LIST (edition_id)"
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'nominations_vote_pkey'")
        assert cursor.fetchone()[0] == "PRIMARY KEY (id, edition_id)"
    assert partitions.is_partitioned()
    vote = VoteFactory()  # an edition made without the service: its votes land in the default partition
    assert partition_of(vote) == partitions.DEFAULT


def test_the_edition_service_makes_the_partition_in_the_same_transaction():
    manager = UserFactory(is_superuser=True)
    draft = EditionFactory.build()
    with transaction.atomic():
        created = create_edition(edition=draft, actor=manager)
        assert partitions.partition_name(created.pk) in {
            partitions.partition_name(i) for i in partitions.attached_edition_ids()
        }
    vote = VoteFactory(nominee=NomineeFactory(category__edition=created))
    assert partition_of(vote) == partitions.partition_name(created.pk)


def test_the_nightly_task_makes_missing_partitions_and_can_run_twice():
    edition = EditionFactory()
    assert edition.pk not in partitions.attached_edition_ids()
    assert tasks.create_vote_partitions() == 1
    assert tasks.create_vote_partitions() == 0
    assert edition.pk in partitions.attached_edition_ids()


def test_an_edition_whose_votes_are_in_the_default_partition_is_left_there():
    vote = VoteFactory()
    assert ensure_vote_partitions() == {"in default": 1}
    assert partition_of(vote) == partitions.DEFAULT


def test_the_database_refuses_a_flag_whose_vote_is_not_there():
    vote = VoteFactory()
    other = EditionFactory()
    for orphan in (
        {"vote_id": vote.pk + 1000, "edition_id": vote.edition_id},  # no such vote
        {"vote_id": vote.pk, "edition_id": other.pk},  # the vote, in another edition
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            FraudFlag.objects.create(nominee_id=vote.nominee_id, rule="fast", **orphan)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the key is deferred to the commit, like Django's
    FraudFlag.objects.create(vote=vote, nominee_id=vote.nominee_id, rule="fast")
    assert FraudFlag.objects.get().edition_id == vote.edition_id


def finished_edition(*, released: bool = True) -> Edition:
    edition = EditionFactory()
    partitions.ensure_partition(edition_id=edition.pk)
    nominee = NomineeFactory(category__edition=edition)
    votes = [VoteFactory(nominee=nominee, confirmed_at=timezone.now()) for _ in range(3)]
    FraudFlag.objects.create(vote=votes[0], nominee=nominee, rule="fast", decision="genuine")
    Edition.objects.filter(pk=edition.pk).update(
        voting_closes_at=timezone.now() - timedelta(days=1),
        results_released_at=timezone.now() if released else None,
    )
    edition.refresh_from_db()
    return edition


def test_detaching_is_refused_before_the_results_are_released():
    edition = finished_edition(released=False)
    with pytest.raises(CommandError, match="only once its voting has closed and its results are released"):
        call_command("detach_edition_votes", edition=edition.slug)
    assert edition.pk in partitions.attached_edition_ids()


def test_detaching_is_refused_while_a_flag_is_pending():
    edition = finished_edition()
    FraudFlag.objects.filter(edition=edition).update(decision="pending")
    with pytest.raises(CommandError, match="pending fraud flags"):
        call_command("detach_edition_votes", edition=edition.slug)


def test_detaching_is_refused_for_votes_in_the_default_partition():
    edition = EditionFactory(voting_closes_at=timezone.now() - timedelta(days=1), results_released_at=timezone.now())
    VoteFactory(nominee=NomineeFactory(category__edition=edition))
    with pytest.raises(CommandError, match="no partition of their own"):
        call_command("detach_edition_votes", edition=edition.slug)


def test_a_released_edition_is_detached_with_its_flags_beside_it():
    edition = finished_edition()
    running = VoteFactory()
    call_command("detach_edition_votes", edition=edition.slug)
    assert edition.pk not in partitions.attached_edition_ids()
    assert not Vote.objects.filter(edition=edition).exists()
    assert not FraudFlag.objects.filter(edition=edition).exists()
    assert Vote.objects.filter(pk=running.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {partitions.partition_name(edition.pk)}")
        assert cursor.fetchone()[0] == 3
        cursor.execute(f"SELECT count(*) FROM {partitions.flags_archive_name(edition.pk)}")
        assert cursor.fetchone()[0] == 1
    with pytest.raises(CommandError, match="no partition of their own"):
        call_command("detach_edition_votes", edition=edition.slug)
