"""Each fraud rule: a case that trips it and a near miss that does not."""

import itertools
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from nominations.fraud.scan import assess_edition_hourly, scan_edition
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
    assert flag.vote == vote and flag.evidence == {"domain": "mailinator.com", "listed": True}
    vote.refresh_from_db()
    assert vote.standing == Standing.HELD
    assert target.tally.counted == 1 and target.tally.held == 1
    assert_tally_exact()


def test_look_alike_domain_is_judged_as_itself(target, run_checks):
    vote = confirmed(target, BASE, email="jan.kowalski@gmial.com")
    run_checks(target.edition)
    [flag] = flags(FraudRule.DISPOSABLE_DOMAIN)
    assert flag.vote == vote and flag.evidence["domain"] == "gmial.com"


def test_unlisted_look_alike_of_a_major_provider_is_throw_away(target, run_checks):
    vote = confirmed(target, BASE, email="jan.kowalski@gmai.com")
    confirmed(target, BASE, email="jan.kowalski@op.pl")  # a real provider one letter from wp.pl
    run_checks(target.edition)
    [flag] = flags(FraudRule.DISPOSABLE_DOMAIN)
    assert flag.vote == vote and flag.evidence["lookalike_of"] == "gmail.com"


def test_unlisted_domain_of_machine_made_names_is_detected(target, run_checks, settings):
    settings.FRAUD_THROWAWAY_MIN_VOTERS = 5
    for i, name in enumerate(["x7k2p9qa", "q8w3e5rt", "z1x2c3vb", "k9j8h7gf", "m4n5b6vc"]):
        confirmed(target, BASE + timedelta(minutes=i), email=f"{name}@skrzynka24.top")
    for i, name in enumerate(["jan.kowalski", "anna.nowak", "piotr.zielinski", "ewa.mazur", "marek.dudek"]):
        confirmed(target, BASE + timedelta(minutes=i), email=f"{name}@firma-abc.pl")
    run_checks(target.edition)
    # Detection reads the domain's every vote: the hourly edition-wide step does it, not the batch.
    with transaction.atomic():
        assess_edition_hourly(target.edition)
    process_pending_votes()
    assert set(flags(FraudRule.DISPOSABLE_DOMAIN).values_list("evidence__domain", flat=True)) == {"skrzynka24.top"}


def test_vote_farm_round_the_clock_for_one_nominee_is_flagged(target, run_checks, settings):
    settings.FRAUD_FARM_MIN_VOTES = 12
    for i in range(24):  # one an hour, day and night
        confirmed(target, BASE + timedelta(minutes=60 * i + 7), network="farm")
    run_checks(target.edition)
    assert flags(FraudRule.NETWORK_BURST).count() == 24
    assert_tally_exact()


def test_near_miss_office_in_working_hours_or_many_nominees(target, run_checks, settings):
    settings.FRAUD_FARM_MIN_VOTES = 12
    day = BASE.replace(hour=8)
    for i in range(30):  # colleagues for their employer, in bursts during the working day
        confirmed(target, day + timedelta(days=i % 3, minutes=(i * 37) % 300), network="office")
    others = [NomineeFactory(category=target.category) for _i in range(5)]
    for i in range(30):  # a university: round the clock, but for many nominees
        confirmed(others[i % 5], BASE + timedelta(minutes=60 * i), network="campus")
    run_checks(target.edition)
    assert not flags(FraudRule.NETWORK_BURST).exists()


def test_automation_agent_is_flagged(target, run_checks):
    bot = confirmed(target, BASE, user_agent="Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/124.0.0.0 Safari/537.36")
    script = confirmed(target, BASE, user_agent="python-requests/2.32.3")
    confirmed(target, BASE, user_agent="Mozilla/5.0 (Linux; Android 10; K) Chrome/129.0.0.0 Mobile Safari/537.36")
    run_checks(target.edition)
    assert set(flags(FraudRule.AUTOMATION).values_list("vote_id", flat=True)) == {bot.pk, script.pk}


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
    day = BASE.replace(hour=2)  # one calendar day, whatever the hour the tests run at
    for i in range(20):
        confirmed(target, day + timedelta(minutes=20 * i), network="farm", user_agent="Bot/1.0")
    run_checks(target.edition)
    cluster = flags(FraudRule.AGENT_CLUSTER)
    assert cluster.count() == 20 and cluster.first().evidence["voters_with_same_agent_and_network"] == 20
    assert_tally_exact()


def test_near_miss_cluster_nineteen_voters_or_another_agent(target, run_checks, settings):
    settings.FRAUD_CLUSTER_MIN_VOTERS = 20
    day = BASE.replace(hour=2)
    for i in range(19):
        confirmed(target, day + timedelta(minutes=20 * i), network="farm", user_agent="Bot/1.0")
    confirmed(target, day, network="farm", user_agent="Firefox/130")
    run_checks(target.edition)
    assert not flags(FraudRule.AGENT_CLUSTER).exists()


def test_variant_of_an_address_that_already_voted_is_flagged(target, run_checks):
    other = NomineeFactory(category=target.category)
    original = confirmed(target, BASE, email="john.doe@outlook.com")
    variant = confirmed(other, BASE + timedelta(minutes=5), email="john.doe+vote@outlook.com")
    run_checks(target.edition)
    [flag] = flags(FraudRule.EMAIL_VARIANT)
    assert flag.vote == variant and flag.evidence["earlier_receipt"] == original.receipt_code
    assert_tally_exact()


def test_near_miss_variant_different_people_or_categories(target, run_checks):
    confirmed(target, BASE, email="john.doe@gmail.com")
    confirmed(target, BASE + timedelta(minutes=5), email="john.doe@example.com")  # another domain
    confirmed(target, BASE + timedelta(minutes=5), email="jan.kowalski@wp.pl")
    confirmed(target, BASE + timedelta(minutes=6), email="jankowalski@wp.pl")  # a dot is another inbox at wp.pl
    confirmed(
        NomineeFactory(edition=target.edition), BASE + timedelta(minutes=6), email="johndoe@gmail.com"
    )  # another category
    run_checks(target.edition)
    assert not flags(FraudRule.EMAIL_VARIANT).exists()


def test_a_resend_does_not_make_an_older_link_look_fast(target, run_checks, settings):
    settings.FRAUD_FAST_CONFIRM_SECONDS = 5
    resent = confirmed(target, BASE)
    Vote.objects.filter(pk=resent.pk).update(
        first_email_sent_at=BASE - timedelta(minutes=10), email_sent_at=BASE - timedelta(seconds=2)
    )
    run_checks(target.edition)
    assert not flags(FraudRule.FAST_CONFIRMATION).exists()


def test_a_send_time_written_after_the_click_is_a_fast_confirmation(target, run_checks, settings):
    settings.FRAUD_FAST_CONFIRM_SECONDS = 5
    vote = confirmed(target, BASE)
    Vote.objects.filter(pk=vote.pk).update(first_email_sent_at=BASE + timedelta(seconds=1), email_sent_at=None)
    run_checks(target.edition)
    assert flags(FraudRule.FAST_CONFIRMATION).filter(vote=vote).exists()


def test_group_rules_stay_inside_their_edition(target, settings):
    settings.FRAUD_CLUSTER_MIN_VOTERS = 20
    other = NomineeFactory()  # another edition, same network and agent
    for i in range(20):
        confirmed(other, BASE + timedelta(minutes=5 * i), network="shared", user_agent="Bot/1.0")
    process_pending_votes()
    for i in range(20):
        confirmed(target, BASE + timedelta(minutes=5 * i + 1), network="shared", user_agent="Bot/1.0")
    scan_edition(target.edition)
    assert not flags(FraudRule.AGENT_CLUSTER).filter(nominee=other).exists() or set(
        flags(FraudRule.AGENT_CLUSTER).filter(nominee=other).values_list("vote__edition", flat=True)
    ) == {other.edition_id}
    assert not FraudFlag.objects.filter(vote__edition=other.edition).exclude(nominee__edition=other.edition).exists()


def test_the_already_voted_mail_leaves_the_confirmation_clock_alone(target):
    from nominations import mail

    vote = confirmed(target, BASE)
    sent_before = Vote.objects.get(pk=vote.pk).email_sent_at
    mail.deliver_vote_email(vote_id=vote.pk, kind="already_voted")
    assert Vote.objects.get(pk=vote.pk).email_sent_at == sent_before


def test_a_second_rule_on_a_held_vote_shows_in_the_tally_reasons(target, settings):
    settings.FRAUD_FARM_MIN_VOTES, settings.FRAUD_FAST_CONFIRM_SECONDS = 6, 5
    for hour in range(5):
        confirmed(target, BASE + timedelta(hours=hour), network="office")
    # Confirmed one second after its mail, and the sixth vote from the network, as regular as the others.
    at = BASE + timedelta(hours=5)
    late = VoteFactory(
        nominee=target,
        network="office",
        user_agent="agent-late",
        confirmed_at=at,
        email_sent_at=at - timedelta(seconds=1),
        first_email_sent_at=at - timedelta(seconds=1),
        created_at=at - timedelta(minutes=1),
    )
    # The first batch checks four votes: the network rule holds all five, the late one too.
    process_pending_votes(batch_size=5)
    late.refresh_from_db()
    assert late.standing == Standing.HELD and late.checked_at is None
    # The late vote's own check adds the fast rule to a vote already held: no count changes, the reasons do.
    process_pending_votes(batch_size=5)
    assert flags(FraudRule.FAST_CONFIRMATION).filter(vote=late).exists()
    target.tally.refresh_from_db()
    assert target.tally.held_reasons == {"fast": 1, "network": 6}
    assert_tally_exact()


def test_a_rescan_raises_no_flag_twice_and_leaves_the_tally_alone(target, settings):
    settings.FRAUD_FARM_MIN_VOTES = 6
    for hour in range(6):
        confirmed(target, BASE + timedelta(hours=hour), network="office", email=f"v{hour}@mailinator.com")
    scan_edition(target.edition)
    process_pending_votes()
    flags_before = list(FraudFlag.objects.order_by("pk").values_list("pk", "rule", "created_at"))
    assert {rule for _pk, rule, _at in flags_before} == {FraudRule.NETWORK_BURST, FraudRule.DISPOSABLE_DOMAIN}
    scan_edition(target.edition)
    assert list(FraudFlag.objects.order_by("pk").values_list("pk", "rule", "created_at")) == flags_before
    assert not Vote.objects.filter(tallied_at__isnull=True).exists()  # nothing to recount
    assert_tally_exact()
