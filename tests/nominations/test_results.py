from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from nominations import services
from nominations.exceptions import ResultsNotReleasable
from nominations.selectors import published_results
from nominations.tally import process_pending_votes
from tests.factories import VoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return get_user_model().objects.create_superuser("boss", "boss@example.com", "x-very-long-password")


def close_voting(edition):
    edition.voting_closes_at = timezone.now() - timedelta(minutes=1)
    edition.save()


def test_results_are_hidden_until_released(client, nominee):
    VoteFactory(nominee=nominee, confirmed_at=timezone.now())
    close_voting(nominee.edition)
    page = client.get(reverse("nominations:results", kwargs={"slug": nominee.edition.slug})).content.decode()
    assert "not published yet" in page
    assert nominee.firm.name not in page


def test_release_is_refused_while_voting_is_open(edition, staff):
    with pytest.raises(ResultsNotReleasable):
        services.release_results(edition=edition, by=staff)
    edition.refresh_from_db()
    assert edition.results_released_at is None


def test_release_happens_once_and_records_who(edition, staff):
    close_voting(edition)
    services.release_results(edition=edition, by=staff)
    edition.refresh_from_db()
    assert edition.results_released_by == staff and edition.results_released_at is not None
    with pytest.raises(ResultsNotReleasable):
        services.release_results(edition=edition, by=staff)


def test_released_results_count_confirmed_votes_only(client, nominee, other_nominee, staff):
    now = timezone.now()
    VoteFactory.create_batch(3, nominee=nominee, confirmed_at=now)
    VoteFactory.create_batch(2, nominee=other_nominee, confirmed_at=now)
    VoteFactory.create_batch(4, nominee=other_nominee)  # never confirmed
    process_pending_votes()
    close_voting(nominee.edition)
    services.release_results(edition=nominee.edition, by=staff)

    [category] = published_results(edition=nominee.edition).categories
    assert [(r.nominee, r.votes) for r in category.rows] == [(nominee, 3), (other_nominee, 2)]
    assert category.total == 5
    assert [r.bar_width for r in category.rows] == [280, 187]

    page = client.get(reverse("nominations:results", kwargs={"slug": nominee.edition.slug})).content.decode()
    assert "Łódź Spółdzielnia Mleczarska" in page and "Banca Comercială Ștefănești" in page
    assert 'class="results-chart"' in page
    assert "60.0 %" in page


def test_the_results_page_reads_the_released_figures_not_the_tally(client, nominee, staff):
    from nominations.models import Tally

    VoteFactory.create_batch(3, nominee=nominee, confirmed_at=timezone.now())
    process_pending_votes()
    close_voting(nominee.edition)
    services.release_results(edition=nominee.edition, by=staff)
    # The live tally moves after release (a recount, a hand edit): the published figures do not.
    Tally.objects.filter(nominee=nominee).update(counted=4321)
    page = client.get(reverse("nominations:results", kwargs={"slug": nominee.edition.slug})).content.decode()
    assert "4321" not in page and "4,321" not in page and "4\xa0321" not in page
    assert ">3<" in page


def test_results_page_query_count_does_not_grow_with_nominees(client, category, staff, django_assert_max_num_queries):
    from tests.factories import NomineeFactory

    for i in range(20):
        VoteFactory(nominee=NomineeFactory(category=category), confirmed_at=timezone.now(), network=f"198.51.{i}.0/24")
    process_pending_votes()
    close_voting(category.edition)
    services.release_results(edition=category.edition, by=staff)
    with django_assert_max_num_queries(8):
        client.get(reverse("nominations:results", kwargs={"slug": category.edition.slug}))


def test_admin_action_releases_results_and_logs_it(client, edition, staff):
    from audit.models import AuditEntry

    close_voting(edition)
    client.force_login(staff)
    response = client.post(
        reverse("admin:nominations_edition_changelist"),
        {"action": "release_results", "_selected_action": [edition.pk], "confirm": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    edition.refresh_from_db()
    assert edition.results_released
    assert AuditEntry.objects.filter(action="edition.release_results", object_id=str(edition.pk), actor=staff).exists()


def test_staff_without_the_permission_cannot_release(client, edition):
    from django.contrib.auth.models import Permission

    close_voting(edition)
    user = get_user_model().objects.create_user("clerk", "c@example.com", "x-very-long-password", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_edition", "change_edition"]))
    client.force_login(user)
    client.post(
        reverse("admin:nominations_edition_changelist"),
        {"action": "release_results", "_selected_action": [edition.pk], "confirm": "yes"},
    )
    edition.refresh_from_db()
    assert not edition.results_released


def test_only_staff_with_the_right_release_results(nominee):
    from nominations.exceptions import NotAllowed
    from tests.factories import UserFactory

    close_voting(nominee.edition)
    for someone in (UserFactory(), UserFactory(groups=["Auditor"])):
        with pytest.raises(NotAllowed):
            services.release_results(edition=nominee.edition, by=someone)
    nominee.edition.refresh_from_db()
    assert nominee.edition.results_released_at is None
