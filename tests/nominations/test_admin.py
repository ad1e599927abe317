from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from nominations.models import FlagSettlement, FraudDecision, FraudFlag, Standing, Tally
from nominations.tally import process_pending_votes
from tests.factories import NomineeFactory, VoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_superuser("boss", "b@example.com", "long-password-123")
    client.force_login(user)
    return client


@pytest.fixture
def flagged_nominees():
    now = timezone.now() - timedelta(hours=1)
    nominees = [NomineeFactory() for _i in range(4)]
    for n, nominee in enumerate(nominees):
        for i in range(3):
            VoteFactory(nominee=nominee, email=f"x{n}-{i}@mailinator.com", confirmed_at=now, network=f"{n}-{i}")
        VoteFactory(nominee=nominee, confirmed_at=now, network=f"ok-{n}")
    process_pending_votes()
    return nominees


def test_auditors_confirm_flags_in_bulk_and_the_tally_follows(
    staff_client, flagged_nominees, django_capture_on_commit_callbacks
):
    flags = FraudFlag.objects.filter(nominee=flagged_nominees[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:nominations_fraudflag_changelist"),
            {"action": "confirm_fraud", "_selected_action": list(flags.values_list("pk", flat=True))},
            follow=True,
        )
    assert "3 flags will be settled in the background" in response.content.decode()
    settlement = FlagSettlement.objects.get()
    assert (settlement.state, settlement.done, settlement.total, settlement.settled) == ("done", 3, 3, 3)
    tally = Tally.objects.get(nominee=flagged_nominees[0])
    assert (tally.counted, tally.held, tally.rejected) == (1, 0, 3)
    assert set(flags.values_list("decision", flat=True)) == {FraudDecision.FRAUD}


def test_flag_list_query_count_is_bounded(staff_client, flagged_nominees, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("admin:nominations_fraudflag_changelist"))
    assert response.status_code == 200
    assert "mailinator.com" in response.content.decode()


def test_nominee_list_shows_flagged_share_and_reasons(staff_client, flagged_nominees, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        page = staff_client.get(reverse("admin:nominations_nominee_changelist")).content.decode()
    assert "75%" in page and "Throw-away e-mail domain (listed or detected): 3" in page


def test_status_page_shows_waiting_votes_and_eager_mode(staff_client):
    VoteFactory(confirmed_at=timezone.now())
    page = staff_client.get(reverse("admin:nominations_taskrun_changelist")).content.decode()
    assert "Confirmed votes waiting" in page
    assert 'id="background-status"' in page
    assert "<td>1" in page


def test_status_page_says_when_no_worker_answers(staff_client, settings):
    from portal.celery import app

    VoteFactory(confirmed_at=timezone.now() - timedelta(hours=1))  # waiting longer than two reconcile periods
    app.conf.task_always_eager = False
    try:
        from nominations.selectors import background_status

        status = background_status()
        page = staff_client.get(reverse("admin:nominations_taskrun_changelist")).content.decode()
    finally:
        app.conf.task_always_eager = True
    assert not status.eager
    assert status.workers == [] or status.broker_error  # no worker runs for this suite's queue
    # Said on the page, not only computed: no worker (or no broker), and votes waiting too long.
    assert "No worker answers" in page or "broker unreachable" in page
    assert "Votes wait longer than two reconcile periods" in page


def test_nobody_can_edit_votes_or_tallies_in_the_admin(staff_client, flagged_nominees):
    vote = flagged_nominees[0].votes.filter(standing=Standing.HELD).first()
    response = staff_client.post(
        reverse("admin:nominations_vote_change", args=[vote.pk]), {"standing": Standing.COUNTED}
    )
    assert response.status_code == 403
    vote.refresh_from_db()
    assert vote.standing == Standing.HELD
    assert (
        staff_client.post(reverse("admin:nominations_vote_delete", args=[vote.pk]), {"post": "yes"}).status_code == 403
    )
    tally = Tally.objects.first()
    assert (
        staff_client.post(reverse("admin:nominations_tally_delete", args=[tally.pk]), {"post": "yes"}).status_code
        == 403
    )


def test_a_nominee_keeps_its_edition_category_and_firm_in_the_admin(staff_client):
    from tests.factories import CategoryFactory, FirmFactory

    nominee = NomineeFactory()
    other = CategoryFactory()
    url = reverse("admin:nominations_nominee_change", args=[nominee.pk])
    staff_client.post(url, {"edition": other.edition.pk, "category": other.pk, "firm": FirmFactory().pk})
    moved = type(nominee).objects.get(pk=nominee.pk)
    assert (moved.edition_id, moved.category_id, moved.firm_id) == (
        nominee.edition_id,
        nominee.category_id,
        nominee.firm_id,
    )


def test_a_nominee_category_must_belong_to_its_edition():
    from django.core.exceptions import ValidationError

    from tests.factories import CategoryFactory

    nominee = NomineeFactory.build(
        category=CategoryFactory(), edition=CategoryFactory().edition, firm=NomineeFactory().firm
    )
    with pytest.raises(ValidationError, match="another edition"):
        nominee.full_clean(validate_constraints=False)
