"""Nothing about the winners of an edition is public before its results are released."""

import pytest
from django.urls import reverse

from certification.certificates.winners import not_final_reason, propose_winners
from certification.exceptions import WinnersNotFinal
from nominations.models import Edition

pytestmark = pytest.mark.django_db


def unrelease(edition):
    Edition.objects.filter(pk=edition.pk).update(results_released_at=None)
    edition.refresh_from_db()


def test_no_winners_before_the_results_are_released(closed_edition, banking):
    unrelease(closed_edition)
    assert "have not been released" in not_final_reason(closed_edition)
    with pytest.raises(WinnersNotFinal, match="not been released"):
        propose_winners(edition=closed_edition)


def test_the_registry_hides_certificates_of_an_unreleased_edition(client, issued):
    unrelease(issued.edition)
    assert str(issued.edition) not in client.get(reverse("certification:registry")).content.decode()
    body = client.get(reverse("certification:registry_edition", args=[issued.edition.slug])).content.decode()
    assert "Łódź" not in body


def test_verification_of_a_certificate_of_an_unreleased_edition_reads_unknown(client, issued):
    unrelease(issued.edition)
    response = client.get(f"/api/verify/{issued.serial}.json")
    assert (response.status_code, response.json()["status"]) == (404, "unknown")


def test_auditors_see_no_vote_counts_in_the_nominee_list(client, db):
    from nominations.models import Tally
    from tests.factories import NomineeFactory, UserFactory

    nominee = NomineeFactory()
    Tally.objects.create(nominee=nominee, edition=nominee.edition, category=nominee.category, counted=4321)
    client.force_login(UserFactory(username="auditor-a", groups=["Auditor"]))
    response = client.get("/admin/nominations/nominee/")
    assert response.status_code == 200
    assert nominee.firm.name in response.content.decode()
    assert "4321" not in response.content.decode()
