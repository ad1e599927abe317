"""No framing: junk votes a rival casts for a nominee, once an auditor rejects them, cannot knock it out."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from certification.vetting import qualification
from nominations import services, tasks
from nominations.models import Edition, FraudDecision, FraudFlag, Nominee, Tally, Vote
from nominations.models import NomineeState as S
from nominations.tally import process_pending_votes
from tests.factories import CategoryFactory, EditionFactory, NomineeFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db

JUNK = 1_500


@pytest.fixture
def race():
    """A leader with 60 genuine votes and a runner-up with 40, then 1,500 junk votes cast *for the leader*."""
    now = timezone.now()
    edition = EditionFactory(
        voting_opens_at=now - timedelta(days=5),
        voting_closes_at=now + timedelta(days=1),
        min_counted_votes=10,
        min_voter_networks=5,
        max_flagged_share=Decimal("0.20"),
    )
    category = CategoryFactory(edition=edition)
    leader = NomineeFactory(category=category, firm__name="Leader")
    rival = NomineeFactory(category=category, firm__name="Rival")
    confirmed = now - timedelta(hours=3)
    for nominee, n in ((leader, 60), (rival, 40)):
        for i in range(n):  # genuine: spread over four days, each from its own network and browser
            VoteFactory(
                nominee=nominee,
                confirmed_at=now - timedelta(hours=4 + 1.5 * i),
                network=f"{nominee.pk}.{i}.0.0/24",
                user_agent=f"Mozilla/5.0 Firefox/{100 + i}",
            )
    # The rival's campaign: throw-away addresses from one network, all for the leader.
    junk = VoteFactory.build_batch(JUNK, nominee=leader, confirmed_at=confirmed, network="198.51.100.0/24")
    for i, vote in enumerate(junk):
        vote.email = vote.email_canonical = vote.email_fingerprint = f"junk{i}@mailinator.com"
    Vote.objects.bulk_create(junk, batch_size=500)
    process_pending_votes()
    return edition, leader, rival


def close_and_finalise(edition, capture):
    Edition.objects.filter(pk=edition.pk).update(voting_closes_at=timezone.now() - timedelta(seconds=1))
    with capture(execute=True):
        tasks.finalise_closed_editions()


def reject_all_flags(leader):
    """The auditor rejects the junk votes' flags and releases any genuine vote the checks held with them."""
    auditor = UserFactory(groups=["Auditor"])
    flags = FraudFlag.objects.filter(nominee=leader)
    junk = list(flags.filter(vote__email_canonical__endswith="@mailinator.com").values_list("pk", flat=True))
    genuine = list(flags.exclude(pk__in=junk).values_list("pk", flat=True))
    services.settle_flags(flag_ids=junk, decision=FraudDecision.FRAUD, by=auditor)
    if genuine:
        services.settle_flags(flag_ids=genuine, decision=FraudDecision.GENUINE, by=auditor)
    process_pending_votes()
    return auditor


def test_the_rivals_junk_votes_are_caught_and_held(race):
    _edition, leader, _rival = race
    tally = Tally.objects.get(nominee=leader)
    assert (tally.counted, tally.held) == (60, JUNK)


def test_a_framed_leader_qualifies_after_its_junk_votes_are_rejected(race, django_capture_on_commit_callbacks):
    edition, leader, rival = race
    reject_all_flags(leader)
    tally = Tally.objects.get(nominee=leader)
    assert (tally.counted, tally.held, tally.rejected) == (60, 0, JUNK)
    assert tally.flagged_share == 0.0  # rejected votes count neither for nor against it
    close_and_finalise(edition, django_capture_on_commit_callbacks)
    assert Nominee.objects.get(pk=leader.pk).state == S.QUALIFIED
    assert Nominee.objects.get(pk=rival.pk).state == S.QUALIFIED
    assert Vote.objects.filter(nominee=leader).count() == 60 + JUNK  # nothing deleted


def test_unsettled_junk_only_delays_qualification_until_the_auditor_rejects_it(
    race, django_capture_on_commit_callbacks
):
    edition, leader, _rival = race
    close_and_finalise(edition, django_capture_on_commit_callbacks)
    assert Nominee.objects.get(pk=leader.pk).state == S.NOMINATED
    reason = AuditEntry.objects.get(action="nominee.not_qualified", object_id=str(leader.pk)).reason
    assert "still held for review" in reason and "once an auditor has settled them" in reason
    auditor = reject_all_flags(leader)
    assert qualification.qualify_nominees(nominees=Nominee.objects.filter(pk=leader.pk), actor=auditor) == {
        "qualified": 1,
        "not_qualified": 0,
    }
    assert Nominee.objects.get(pk=leader.pk).state == S.QUALIFIED


@pytest.mark.parametrize(
    ("language", "rule", "framing"),
    [
        ("en", "never count against the firm", "No framing"),
        ("pl", "nigdy nie liczą się na niekorzyść firmy", "Bez wrabiania"),
        ("ro", "nu contează niciodată împotriva firmei", "Fără înscenări"),
    ],
)
def test_the_public_pages_say_rejected_fraud_never_counts_against_a_firm(client, language, rule, framing):
    edition = EditionFactory()
    assert rule in client.get(f"/{language}/e/{edition.slug}/").content.decode()
    assert framing in client.get(f"/{language}/e/{edition.slug}/methodology/").content.decode()
