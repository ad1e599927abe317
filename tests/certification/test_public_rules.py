import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_edition_page_shows_the_qualification_and_approval_thresholds(client, edition):
    page = client.get(reverse("nominations:edition", kwargs={"slug": edition.slug})).content.decode()
    assert 'id="edition-rules"' in page
    assert "at least 10 counted votes" in page and "at least 5 different networks" in page
    assert "0.20" in page and "3.50" in page and "80%" in page
    assert "fixed since voting opened" in page
