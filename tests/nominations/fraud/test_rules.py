"""Each fraud rule: a case that trips it and a near miss that does not."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from nominations.fraud.scan import scan_edition
from nominations.models import FraudFlag, FraudRule, Standing, Vote
from nominations.tally import process_pending_votes
from tests.factories import NomineeFactory, VoteFactory
from tests.nominations.tally_checks import assert_tally_exact

pytestmark = pytest.mark.django_db

_networks = itertools.count()
BASE = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=3)


def confirmed(nominee, at, **fields):
    """A confirmed vote from its own network, mailed well before it was confirmed (no rule trips by default)."""
    fields.setdefault("network", f"net-{next(_networks)}")
    fields.setdefault("user_agent", f"agent-{fields['network']}")
    return VoteFactory(
        nominee=nominee,
        confirmed_at=at,
        email_sent_at=at - timedelta(minutes=3),
        created_at=at - timedelta(minutes=4),
        **fields,
    )


def flags(rule):
    return FraudFlag.objects.filter(rule=rule)


@pytest.fixture(params=["batch", "full scan"])
def run_checks(request):
    """Every rule must give the same answer in the incremental batch and in a full fraudscan."""

    def run(edition):
        if request.param == "batch":
            process_pending_votes()
        else:
            scan_edition(edition)
            process_pending_votes()

    return run


@pytest.fixture
def target():
    return NomineeFactory()


def test_disposable_domain_is_flagged(target, run_checks):
    vote = confirmed(target, BASE, email="someone@mailinator.com")
    confirmed(target, BASE, email="someone@example.com")
    run_checks(target.edition)
    [flag] = flags(FraudRule.DISPOSABLE_DOMAIN)
    assert flag.vote == vote and flag.evidence == {"domain": "mailinator.com"}
    vote.refresh_from_db()
    assert vote.standing == Standing.HELD
    assert target.tally.counted == 1 and target.tally.held == 1
    assert_tally_exact()


def test_many_votes_from_one_network_for_one_nominee_are_flagged(target, run_checks, settings):
    settings.FRAUD_NETWORK_MAX_VOTES = 5
    for minute in range(0, 50, 10):
        confirmed(target, BASE + timedelta(minutes=minute), network="office")
    run_checks(target.edition)
    assert flags(FraudRule.NETWORK_BURST).count() == 5
    assert flags(FraudRule.NETWORK_BURST).first().evidence["votes_from_network"] == 5
    assert_tally_exact()


def test_near_miss_network_four_votes_or_spread_out(target, run_checks, settings):
    settings.FRAUD_NETWORK_MAX_VOTES = 5
    for minute in range(0, 40, 10):
        confirmed(target, BASE + timedelta(minutes=minute), network="office")
    for hour in range(5):  # five votes, but 61 minutes apart
        confirmed(target, BASE + timedelta(days=1, minutes=61 * hour), network="home")
    other = NomineeFactory(category=target.category)
    confirmed(other, BASE + timedelta(minutes=1), network="office")  # the fifth is for someone else
    run_checks(target.edition)
    assert not flags(FraudRule.NETWORK_BURST).exists()


def _usual_votes(nominee, hours):
    for hour in range(hours):
        confirmed(nominee, BASE + timedelta(hours=hour, minutes=30))


def test_burst_far_above_usual_rate_is_flagged(target, run_checks, settings):
    settings.FRAUD_BURST_MIN_VOTES, settings.FRAUD_BURST_FACTOR = 30, 10
    _usual_votes(target, 48)
    _usual_votes(NomineeFactory(category=target.category), 48)
    burst_hour = BASE + timedelta(hours=50)
    for i in range(35):
        confirmed(target, burst_hour + timedelta(seconds=60 * i + 1))
    run_checks(target.edition)
    burst = flags(FraudRule.NOMINEE_BURST)
    assert burst.count() == 35
    evidence = burst.first().evidence
    assert evidence["votes_in_hour"] == 35 and evidence["nominee_usual_per_hour"] < 1.1
    assert_tally_exact()


def test_near_miss_burst_below_the_minimum(target, run_checks, settings):
    settings.FRAUD_BURST_MIN_VOTES, settings.FRAUD_BURST_FACTOR = 30, 10
    _usual_votes(target, 48)
    for i in range(29):
        confirmed(target, BASE + timedelta(hours=50, seconds=60 * i + 1))
    run_checks(target.edition)
    assert not flags(FraudRule.NOMINEE_BURST).exists()


def test_near_miss_a_nominee_bursting_in_a_category_that_is_busy_all_the_time(target, run_checks, settings):
    """35 in an hour is 35 times the nominee's own pace, but not 10 times its category's (5 an hour per nominee)."""
    settings.FRAUD_BURST_MIN_VOTES, settings.FRAUD_BURST_FACTOR = 30, 10
    _usual_votes(target, 48)
    busy = NomineeFactory(category=target.category)
    for hour in range(51):
        for i in range(10):
            confirmed(busy, BASE + timedelta(hours=hour, seconds=300 * i + 1))
    for i in range(35):
        confirmed(target, BASE + timedelta(hours=50, seconds=60 * i + 1))
    run_checks(target.edition)
    assert not flags(FraudRule.NOMINEE_BURST).exists()


def test_near_miss_busy_nominee_at_its_usual_pace(target, run_checks, settings):
    settings.FRAUD_BURST_MIN_VOTES, settings.FRAUD_BURST_FACTOR = 30, 10
    for hour in range(6):  # 40 votes every hour: busy, but steady
        for i in range(40):
            confirmed(target, BASE + timedelta(hours=hour, seconds=80 * i + 1))
    run_checks(target.edition)
    assert not flags(FraudRule.NOMINEE_BURST).exists()


def test_confirmation_seconds_after_the_mail_is_flagged(target, run_checks, settings):
    settings.FRAUD_FAST_CONFIRM_SECONDS = 5
    fast = confirmed(target, BASE)
    Vote.objects.filter(pk=fast.pk).update(email_sent_at=BASE - timedelta(seconds=2))
    slow = confirmed(target, BASE)
    Vote.objects.filter(pk=slow.pk).update(email_sent_at=BASE - timedelta(seconds=6))
    run_checks(target.edition)
    [flag] = flags(FraudRule.FAST_CONFIRMATION)
    assert flag.vote_id == fast.pk and flag.evidence["seconds_after_email"] == 2.0
    assert_tally_exact()


def test_many_voters_with_one_agent_on_one_network_are_flagged(target, run_checks, settings):
    settings.FRAUD_CLUSTER_MIN_VOTERS = 20
    nominees = [NomineeFactory(category=target.category) for _i in range(20)]
    for i, nominee in enumerate(nominees):
        confirmed(nominee, BASE + timedelta(minutes=20 * i), network="farm", user_agent="Bot/1.0")
    run_checks(target.edition)
    cluster = flags(FraudRule.AGENT_CLUSTER)
    assert cluster.count() == 20 and cluster.first().evidence["voters_with_same_agent_and_network"] == 20
    assert_tally_exact()


def test_near_miss_cluster_nineteen_voters_or_another_agent(target, run_checks, settings):
    settings.FRAUD_CLUSTER_MIN_VOTERS = 20
    nominees = [NomineeFactory(category=target.category) for _i in range(20)]
    for i, nominee in enumerate(nominees[:19]):
        confirmed(nominee, BASE + timedelta(minutes=20 * i), network="farm", user_agent="Bot/1.0")
    confirmed(nominees[19], BASE, network="farm", user_agent="Firefox/130")
    run_checks(target.edition)
    assert not flags(FraudRule.AGENT_CLUSTER).exists()


def test_variant_of_an_address_that_already_voted_is_flagged(target, run_checks):
    other = NomineeFactory(category=target.category)
    original = confirmed(target, BASE, email="john.doe@gmail.com")
    variant = confirmed(other, BASE + timedelta(minutes=5), email="johndoe@gmial.com")
    run_checks(target.edition)
    [flag] = flags(FraudRule.EMAIL_VARIANT)
    assert flag.vote == variant and flag.evidence["earlier_receipt"] == original.receipt_code
    assert_tally_exact()


def test_near_miss_variant_different_people_or_categories(target, run_checks):
    confirmed(target, BASE, email="john.doe@gmail.com")
    confirmed(target, BASE + timedelta(minutes=5), email="john.doe@example.com")  # another domain
    confirmed(
        NomineeFactory(edition=target.edition), BASE + timedelta(minutes=6), email="johndoe@gmial.com"
    )  # another category
    run_checks(target.edition)
    assert not flags(FraudRule.EMAIL_VARIANT).exists()


def test_a_mail_sent_after_confirmation_is_not_a_fast_confirmation(target, run_checks, settings):
    settings.FRAUD_FAST_CONFIRM_SECONDS = 5
    reminded = confirmed(target, BASE)
    Vote.objects.filter(pk=reminded.pk).update(email_sent_at=BASE + timedelta(hours=1))
    run_checks(target.edition)
    assert not flags(FraudRule.FAST_CONFIRMATION).exists()


def test_the_already_voted_mail_leaves_the_confirmation_clock_alone(target):
    from nominations import mail

    vote = confirmed(target, BASE)
    sent_before = Vote.objects.get(pk=vote.pk).email_sent_at
    mail.deliver_vote_email(vote_id=vote.pk, kind="already_voted")
    assert Vote.objects.get(pk=vote.pk).email_sent_at == sent_before


def test_a_second_rule_on_a_held_vote_shows_in_the_tally_reasons(target, settings):
    settings.FRAUD_NETWORK_MAX_VOTES, settings.FRAUD_FAST_CONFIRM_SECONDS = 5, 5
    for minute in range(0, 40, 10):
        confirmed(target, BASE + timedelta(minutes=minute), network="office")
    # Confirmed one second after its mail, and the fifth vote from the office.
    at = BASE + timedelta(minutes=40)
    late = VoteFactory(
        nominee=target,
        network="office",
        user_agent="agent-late",
        confirmed_at=at,
        email_sent_at=at - timedelta(seconds=1),
        created_at=at - timedelta(minutes=1),
    )
    # The first batch checks four votes: the network rule holds all five, the late one too.
    process_pending_votes(batch_size=4)
    late.refresh_from_db()
    assert late.standing == Standing.HELD and late.checked_at is None
    # The late vote's own check adds the fast rule to a vote already held: no count changes, the reasons do.
    process_pending_votes(batch_size=4)
    assert flags(FraudRule.FAST_CONFIRMATION).filter(vote=late).exists()
    target.tally.refresh_from_db()
    assert target.tally.held_reasons == {"fast": 1, "network": 5}
    assert_tally_exact()


def test_a_rescan_raises_no_flag_twice_and_leaves_the_tally_alone(target, settings):
    settings.FRAUD_NETWORK_MAX_VOTES = 5
    for minute in range(0, 50, 10):
        confirmed(target, BASE + timedelta(minutes=minute), network="office", email=f"v{minute}@mailinator.com")
    scan_edition(target.edition)
    process_pending_votes()
    flags_before = list(FraudFlag.objects.order_by("pk").values_list("pk", "rule", "created_at"))
    assert {rule for _pk, rule, _at in flags_before} == {FraudRule.NETWORK_BURST, FraudRule.DISPOSABLE_DOMAIN}
    scan_edition(target.edition)
    assert list(FraudFlag.objects.order_by("pk").values_list("pk", "rule", "created_at")) == flags_before
    assert not Vote.objects.filter(tallied_at__isnull=True).exists()  # nothing to recount
    assert_tally_exact()
