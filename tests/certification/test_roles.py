import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from certification.models import Check
from certification.vetting import services as vetting
from nominations.models import Edition, Standing, Tally, Vote
from tests.factories import VoteFactory

pytestmark = pytest.mark.django_db


def test_both_groups_are_created_by_the_migration():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Auditor", "Programme manager"}


def test_auditor_permissions(auditor):
    assert auditor.has_perm("certification.add_check") and auditor.has_perm("certification.decide_nominee")
    assert auditor.has_perm("nominations.change_fraudflag")
    for perm in (
        "nominations.change_vote",
        "nominations.change_tally",
        "nominations.change_edition",
        "certification.change_auditentry",
        "certification.delete_auditentry",
        "nominations.release_results",
    ):
        assert not auditor.has_perm(perm), perm


def test_programme_manager_permissions(manager):
    assert manager.has_perm("nominations.change_edition") and manager.has_perm("nominations.add_category")
    assert manager.has_perm("nominations.release_results")
    assert not manager.has_perm("certification.decide_nominee") and not manager.has_perm("certification.add_check")


def test_auditor_cannot_change_a_vote_or_a_tally_in_the_admin(client, auditor, nominee):
    Edition.objects.filter(pk=nominee.edition_id).update(results_released_at=timezone.now())  # votes are visible
    vote = VoteFactory(nominee=nominee, confirmed_at=timezone.now())
    Tally.objects.create(nominee=nominee, edition=nominee.edition, category=nominee.category, counted=1)
    client.force_login(auditor)
    assert client.get(reverse("admin:nominations_vote_change", args=[vote.pk])).status_code == 200  # view only
    assert (
        client.post(reverse("admin:nominations_vote_change", args=[vote.pk]), {"standing": "rejected"}).status_code
        == 403
    )
    assert client.post(reverse("admin:nominations_vote_delete", args=[vote.pk]), {"post": "yes"}).status_code == 403
    assert client.post(reverse("admin:nominations_tally_change", args=[nominee.pk]), {"counted": 99}).status_code == 403
    assert Vote.objects.get(pk=vote.pk).standing == Standing.COUNTED
    assert Tally.objects.get(pk=nominee.pk).counted == 1


def test_auditor_cannot_edit_another_auditors_check_in_the_admin(client, under_review, auditor, second_auditor):
    check = vetting.record_check(nominee=under_review, kind="registration", inputs={"active": True}, actor=auditor)
    client.force_login(second_auditor)
    url = reverse("admin:certification_check_change", args=[check.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, {"notes": "mine now"}).status_code == 403
    assert Check.objects.get().recorded_by == auditor


def test_auditor_cannot_edit_editions(client, auditor, edition):
    client.force_login(auditor)
    assert client.post(reverse("admin:nominations_edition_change", args=[edition.pk]), {}).status_code == 403


@pytest.mark.parametrize("role", ["Programme manager", "Auditor"])
def test_both_roles_see_the_background_jobs(client, role):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username=f"jobs-{role[:3]}", groups=[role]))
    page = client.get(reverse("admin:nominations_taskrun_changelist"))
    assert page.status_code == 200 and "Confirmed votes waiting" in page.content.decode()
    assert client.post(reverse("admin:nominations_taskrun_add"), {"name": "x"}).status_code == 403
