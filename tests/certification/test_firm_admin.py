import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from audit.models import AuditEntry
from nominations.models import Firm
from tests.factories import FirmFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm(db):
    return FirmFactory(name="Orange Polska", contact_email="old@example.com")


def change(client, firm, **data):
    url = reverse("admin:nominations_firm_change", args=[firm.pk])
    form = {
        "name": firm.name,
        "registration_number": firm.registration_number,
        "country": firm.country,
        "website": "",
        "contact_email": firm.contact_email,
        **data,
    }
    return client.post(url, form)


def test_a_programme_manager_cannot_change_what_the_verification_shows(client, firm, manager):
    client.force_login(manager)
    response = change(client, firm, name="Renamed SA", registration_number="0000000000", country="RO")
    assert response.status_code == 302
    firm.refresh_from_db()
    assert (firm.name, firm.country) == ("Orange Polska", "PL") and firm.registration_number != "0000000000"


def test_a_superuser_can_correct_the_firms_identity(client, firm):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "unused-password-123"))
    assert change(client, firm, name="Orange Polska S.A.").status_code == 302
    firm.refresh_from_db()
    assert firm.name == "Orange Polska S.A."


def test_a_superusers_change_to_the_firms_identity_is_audited(client, firm):
    root = get_user_model().objects.create_superuser("root", "root@example.com", "unused-password-123")
    client.force_login(root)
    assert change(client, firm, name="Orange Polska S.A.").status_code == 302
    entry = AuditEntry.objects.get(action="firm.identity_changed")
    assert (entry.actor, entry.before, entry.after) == (root, {"name": "Orange Polska"}, {"name": "Orange Polska S.A."})


def test_the_service_refuses_an_identity_change_by_a_programme_manager(firm, manager):
    from nominations import services
    from nominations.exceptions import NotAllowed

    with pytest.raises(NotAllowed):
        services.change_firm(firm=firm, changes={"registration_number": "5261040828"}, actor=manager)
    assert (
        not AuditEntry.objects.exists() and Firm.objects.get(pk=firm.pk).registration_number == firm.registration_number
    )


def test_changing_the_contact_email_is_audited(client, firm, manager):
    client.force_login(manager)
    assert change(client, firm, contact_email="new@example.com").status_code == 302
    assert Firm.objects.get(pk=firm.pk).contact_email == "new@example.com"
    entry = AuditEntry.objects.get(action="firm.contact_email_changed")
    assert (entry.actor, entry.before, entry.after) == (
        manager,
        {"contact_email": "old@example.com"},
        {"contact_email": "new@example.com"},
    )


@pytest.mark.parametrize("address", ['"biuro"@example.com', "biuro@localhost"])
def test_the_contact_email_is_checked_as_the_vote_form_checks_it(client, firm, manager, address):
    # Django's own validator takes both; the invitation and the firm login need a plain, real mailbox.
    client.force_login(manager)
    response = change(client, firm, contact_email=address)
    assert response.status_code == 200
    assert Firm.objects.get(pk=firm.pk).contact_email == "old@example.com"
