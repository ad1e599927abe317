"""Voters' addresses show masked in the admin, except to holders of nominations.view_voter_email (no role has it)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from nominations.emails import mask_email
from nominations.models import Edition
from tests.factories import UserFactory, VoteFactory

pytestmark = pytest.mark.django_db

ADDRESS = "jan.kowalski@wp.pl"


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("jan.kowalski@wp.pl", "j***@w*.pl"),
        ("ana@mail.example.co.uk", "a***@m*.uk"),
        ("x@localhost", "x***@l*"),
        ("", "***"),
    ],
)
def test_an_address_is_masked_to_its_first_letters_and_top_level_domain(address, masked):
    assert mask_email(address) == masked


@pytest.fixture
def vote(db):
    vote = VoteFactory(email=ADDRESS, confirmed_at=timezone.now())
    Edition.objects.filter(pk=vote.edition_id).update(results_released_at=timezone.now())  # its votes are listed
    return vote


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor-mask", groups=["Auditor"])


@pytest.fixture
def reader(db):
    """An auditor given the dedicated permission by hand."""
    user = UserFactory(username="reader-mask", groups=["Auditor"])
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="nominations", codename="view_voter_email")
    )
    return user


def test_no_role_has_the_permission_to_read_addresses(auditor):
    manager = UserFactory(username="manager-mask", groups=["Programme manager"])
    assert not auditor.has_perm("nominations.view_voter_email") and not manager.has_perm("nominations.view_voter_email")


def test_an_auditor_sees_the_address_masked(client, auditor, vote):
    client.force_login(auditor)
    page = client.get(reverse("admin:nominations_vote_change", args=[vote.pk])).content.decode()
    assert "j***@w*.pl" in page
    assert "kowalski" not in page and "jankowalski" not in page


@pytest.mark.parametrize("who", ["reader", "superuser"])
def test_the_permission_shows_the_address_whole(client, vote, reader, who):
    user = reader if who == "reader" else UserFactory(username="root-mask", is_superuser=True)
    client.force_login(user)
    assert ADDRESS in client.get(reverse("admin:nominations_vote_change", args=[vote.pk])).content.decode()


def test_searching_by_address_finds_nothing_without_the_permission(client, auditor, reader, vote):
    url = reverse("admin:nominations_vote_changelist")
    client.force_login(auditor)
    assert vote.receipt_code not in client.get(url, {"q": ADDRESS}).content.decode()
    assert vote.receipt_code in client.get(url, {"q": vote.receipt_code}).content.decode()
    client.force_login(reader)
    assert vote.receipt_code in client.get(url, {"q": ADDRESS}).content.decode()


@pytest.mark.parametrize("lookup", ["email__startswith", "email_canonical__exact", "email_fingerprint__icontains"])
def test_a_hand_typed_filter_on_addresses_answers_as_an_unknown_field_without_the_permission(
    client, auditor, reader, vote, lookup
):
    url = reverse("admin:nominations_vote_changelist")
    client.force_login(auditor)
    response = client.get(url, {lookup: "jan"})
    assert (response.status_code, response["Location"]) == (302, f"{url}?e=1")
    client.force_login(reader)
    assert client.get(url, {lookup: "jan"}).status_code == 200
