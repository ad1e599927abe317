from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from nominations import services
from nominations.models import FraudDecision, FraudFlag, Standing
from nominations.tally import process_pending_votes
from tests.factories import VoteFactory

pytestmark = pytest.mark.django_db


def test_closing_voting_early_is_in_the_audit_log(edition, manager):
    services.close_voting_now(edition=edition, by=manager)
    entry = AuditEntry.objects.get(action="edition.close_voting")
    assert entry.actor == manager and entry.object_id == str(edition.pk)
    assert entry.before["voting_closes_at"] != entry.after["voting_closes_at"]


def test_releasing_results_is_in_the_audit_log(edition, manager):
    edition.voting_closes_at = timezone.now() - timedelta(minutes=1)
    edition.save()
    services.release_results(edition=edition, by=manager)
    entry = AuditEntry.objects.get(action="edition.release_results")
    assert entry.actor == manager and entry.before == {"results_released_at": None}


def test_settling_flags_logs_each_flag_and_each_vote_override(nominee, auditor):
    confirmed = timezone.now() - timedelta(hours=1)
    votes = [
        VoteFactory(nominee=nominee, email=f"v{i}@mailinator.com", confirmed_at=confirmed, network=f"n{i}")
        for i in range(2)
    ]
    process_pending_votes()
    flags = list(FraudFlag.objects.filter(vote__in=votes))
    assert flags and {v.standing for v in nominee.votes.all()} == {Standing.HELD}
    services.settle_flags(flag_ids=[f.pk for f in flags], decision=FraudDecision.GENUINE, by=auditor)
    assert AuditEntry.objects.filter(action="fraudflag.settle", actor=auditor).count() == len(flags)
    overrides = AuditEntry.objects.filter(action="vote.override", actor=auditor)
    assert overrides.count() == 2
    assert {(e.before["standing"], e.after["standing"]) for e in overrides} == {(Standing.HELD, Standing.COUNTED)}
