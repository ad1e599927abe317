import pytest
from django.core.management import CommandError, call_command

from nominations.models import Edition, FraudFlag, FraudRule, Tally, Vote
from nominations.tally import waiting_votes
from tests.nominations.tally_checks import assert_tally_exact

pytestmark = pytest.mark.django_db


def test_seed_demo_generates_votes_with_every_fraud_pattern(settings):
    call_command("seed_demo", votes=3000, fraud_share=0.3, categories=3, nominees=30, verbosity=0, seed=7)
    assert Vote.objects.count() == 3000
    assert Vote.objects.filter(confirmed_at__isnull=False).count() == 3000
    found = set(FraudFlag.objects.values_list("rule", flat=True))
    running = set(FraudRule.values) - {FraudRule.NOMINEE_BURST}  # retired: kept only so that old flags read
    assert found == running, f"rules never tripped: {running - found}, retired ones tripped: {found - running}"
    assert waiting_votes() == 0
    assert_tally_exact()
    # Genuine votes are rarely caught: no more than a few percent of them.
    genuine_flagged = FraudFlag.objects.filter(
        vote__email__regex=r"^(anna|jan|maria|piotr|ioana|andrei)\.[0-9]+@"
    ).count()
    assert genuine_flagged < 0.03 * 2100


def test_seed_demo_without_processing_leaves_the_work_to_the_pipeline():
    call_command("seed_demo", votes=200, fraud_share=0, categories=2, nominees=4, no_process=True, verbosity=0)
    assert waiting_votes() == 200
    call_command("recount", verbosity=0)
    assert waiting_votes() == 0
    assert (
        sum(Tally.objects.values_list("counted", flat=True)) + sum(Tally.objects.values_list("held", flat=True)) == 200
    )


def test_fraudscan_rescans_an_edition():
    call_command("seed_demo", votes=600, fraud_share=0.5, categories=2, nominees=6, verbosity=0, seed=3)
    FraudFlag.objects.all().delete()
    Vote.objects.update(standing="counted")
    call_command("fraudscan", edition=Edition.objects.get().slug, verbosity=0)
    assert FraudFlag.objects.exists()
    assert_tally_exact()


def test_commands_refuse_an_unknown_edition():
    with pytest.raises(CommandError):
        call_command("fraudscan", edition="nope", verbosity=0)
    with pytest.raises(CommandError):
        call_command("recount", edition="nope", verbosity=0)


def test_seed_demo_refuses_a_bad_share():
    with pytest.raises(CommandError):
        call_command("seed_demo", votes=10, fraud_share=1.5, verbosity=0)


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    settings.TESTING = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo", verbosity=0)
    assert not Edition.objects.exists()


def test_seed_demo_runs_in_production_when_forced(settings):
    settings.DEBUG = False
    settings.TESTING = False
    call_command("seed_demo", force=True, verbosity=0)
    assert Edition.objects.exists()


def test_demo_data_is_idempotent():
    call_command("seed_demo", verbosity=0)
    first = Vote.objects.count()
    call_command("seed_demo", verbosity=0)
    assert Vote.objects.count() == first > 0
    assert Edition.objects.count() == 3


def test_demo_has_a_finished_edition_with_vetting_under_way(django_capture_on_commit_callbacks):
    from audit.models import AuditEntry
    from certification.models import Certificate, FirmAccount
    from nominations.models import Nominee, NomineeState

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    past = Edition.objects.get(slug="pl-2025-2026")
    assert past.results_released and past.final_tally_at and past.qualified_at
    states = list(Nominee.objects.filter(edition=past).values_list("state", flat=True))
    assert states.count(NomineeState.CERTIFIED) == 1
    assert states.count(NomineeState.UNDER_REVIEW) == 3
    assert_tally_exact()
    # Four eyes in the demo too: the approver recorded none of the checks.
    approval = AuditEntry.objects.get(action="nominee.approved")
    assert approval.actor_name == "piotr.auditor"
    # The winner's certificate has its files, and its firm can sign in with the demo password.
    certificate = Certificate.objects.get(edition=past)
    assert certificate.status() == "valid" and certificate.files_status == "ready"
    assert FirmAccount.objects.get(firm=certificate.firm).user.check_password("customers-friend-demo")


def test_demo_votes_are_tallied_and_none_is_held():
    call_command("seed_demo", verbosity=0)
    assert waiting_votes() == 0
    assert not FraudFlag.objects.exists()
    assert sum(Tally.objects.values_list("counted", flat=True)) == Vote.objects.count()
