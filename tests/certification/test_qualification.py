from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from certification.vetting import qualification
from certification.vetting import tasks as qualify_tasks
from nominations import tasks
from nominations.models import Edition, FraudFlag, Nominee
from nominations.models import NomineeState as S
from nominations.tally import process_pending_votes
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, VoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def closing_edition():
    now = timezone.now()
    return EditionFactory(
        voting_opens_at=now - timedelta(days=5),
        voting_closes_at=now + timedelta(days=1),
        min_counted_votes=3,
        min_voter_networks=2,
        max_flagged_share=Decimal("0.25"),
    )


def votes(nominee, n, *, networks, flagged=0):
    confirmed = timezone.now() - timedelta(hours=2)
    for i in range(n):
        VoteFactory(nominee=nominee, confirmed_at=confirmed, network=f"{nominee.pk}-{i % networks}")
    for i in range(flagged):
        vote = VoteFactory(nominee=nominee, confirmed_at=confirmed, standing="held", network=f"f{nominee.pk}-{i}")
        FraudFlag.objects.create(vote=vote, nominee=nominee, rule="network")


def close(edition):
    Edition.objects.filter(pk=edition.pk).update(voting_closes_at=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def field(closing_edition):
    category = CategoryFactory(edition=closing_edition)
    nominees = {
        "good": NomineeFactory(category=category, firm__name="Good"),
        "few_votes": NomineeFactory(category=category, firm__name="Few votes"),
        "one_network": NomineeFactory(category=category, firm__name="One network"),
        "flagged": NomineeFactory(category=category, firm__name="Flagged"),
    }
    votes(nominees["good"], 4, networks=3, flagged=1)  # 1 of 5 flagged: 20%
    votes(nominees["few_votes"], 2, networks=2)
    votes(nominees["one_network"], 3, networks=1)
    votes(nominees["flagged"], 3, networks=3, flagged=2)  # 40%
    process_pending_votes()
    close(closing_edition)
    return nominees


def state(nominee):
    return Nominee.objects.get(pk=nominee.pk).state


def final_tally(capture):
    """The final tally task, then what it queues on commit: qualification (certification listens for it)."""
    with capture(execute=True):
        tasks.finalise_closed_editions()


def test_the_final_tally_task_qualifies_by_the_editions_thresholds(field, django_capture_on_commit_callbacks):
    final_tally(django_capture_on_commit_callbacks)
    assert state(field["good"]) == S.QUALIFIED
    assert {state(field[k]) for k in ("few_votes", "one_network", "flagged")} == {S.NOMINATED}


def test_why_a_nominee_did_not_qualify_is_in_the_audit_log(field, django_capture_on_commit_callbacks):
    final_tally(django_capture_on_commit_callbacks)
    reasons = dict(AuditEntry.objects.filter(action="nominee.not_qualified").values_list("object_repr", "reason"))
    assert "2 counted votes, fewer than the 3 required" in reasons[str(field["few_votes"])]
    assert "Votes from 1 networks, fewer than the 2 required" in reasons[str(field["one_network"])]
    assert "40% of the votes still held for review, more than the 25% allowed" in reasons[str(field["flagged"])]
    qualified = AuditEntry.objects.get(action="nominee.qualified")
    assert qualified.actor is None and qualified.after["counted"] == 4 and qualified.after["networks"] == 3


def test_running_the_task_twice_qualifies_and_logs_once(field, django_capture_on_commit_callbacks):
    final_tally(django_capture_on_commit_callbacks)
    final_tally(django_capture_on_commit_callbacks)
    qualify_tasks.qualify_finalised_editions()
    assert AuditEntry.objects.filter(action="nominee.qualified").count() == 1
    assert AuditEntry.objects.filter(action="nominee.not_qualified").count() == 3


def test_nothing_qualifies_before_the_tally_is_final(field):
    outcome = qualification.qualify_edition(edition=Edition.objects.get(pk=field["good"].edition_id))
    assert outcome == {"qualified": 0, "not_qualified": 0}
    assert state(field["good"]) == S.NOMINATED


def test_a_qualification_missed_after_the_final_tally_is_swept_up(field):
    edition = field["good"].edition
    Edition.objects.filter(pk=edition.pk).update(final_tally_at=timezone.now())  # its queued task never arrived
    qualify_tasks.qualify_finalised_editions()  # the periodic sweep
    assert state(field["good"]) == S.QUALIFIED


def test_the_final_tally_alone_qualifies_nobody_until_its_commit(field):
    tasks.finalise_closed_editions()  # inside the test's transaction: nothing committed, nothing queued
    assert state(field["good"]) == S.NOMINATED
