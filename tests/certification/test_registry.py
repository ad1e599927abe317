from datetime import timedelta

import pytest
from django.urls import reverse

from certification.certificates import services as certificates
from certification.models import Certificate

pytestmark = pytest.mark.django_db


def test_the_registry_lists_editions_with_valid_certificates(client, issued):
    response = client.get(reverse("certification:registry"))
    assert str(issued.edition) in response.content.decode()


def test_the_edition_registry_lists_certified_firms_per_category_with_verification_links(client, issued):
    response = client.get(reverse("certification:registry_edition", args=[issued.edition.slug]))
    body = response.content.decode()
    assert "Banking" in body and "Łódź Spółdzielnia Mleczarska" in body
    assert reverse("certification:verify", args=[issued.serial]) in body


def test_revoked_and_expired_certificates_leave_the_registry(client, issued, manager):
    url = reverse("certification:registry_edition", args=[issued.edition.slug])
    Certificate.objects.filter(pk=issued.pk).update(
        valid_until=issued.valid_from - timedelta(days=1), valid_from=issued.valid_from - timedelta(days=30)
    )
    assert "Łódź" not in client.get(url).content.decode()
    Certificate.objects.filter(pk=issued.pk).update(valid_until=issued.valid_until, valid_from=issued.valid_from)
    certificates.revoke_certificate(certificate=issued, actor=manager, reason="Logo misused.")
    assert "Łódź" not in client.get(url).content.decode()


def test_an_unknown_edition_is_404(client, db):
    assert client.get(reverse("certification:registry_edition", args=["nope"])).status_code == 404


def test_the_registry_takes_a_fixed_number_of_queries(client, issued, django_assert_max_num_queries):
    url = reverse("certification:registry_edition", args=[issued.edition.slug])
    with django_assert_max_num_queries(3):
        client.get(url)
    with django_assert_max_num_queries(2):
        client.get(reverse("certification:registry"))
