"""The firm's dashboard speaks the reader's language, says what accepting the terms unlocks, and names its files."""

import pytest
from django.utils import translation

from certification.certificates.validity import LOGO_TERMS
from tests.certification.test_firm_downloads import PASSWORD, invitation_path, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, issued):
    client.post(invitation_path(), {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert sign_in(client)
    return client


@pytest.mark.parametrize("language", ["pl", "ro"])
def test_terms_are_in_the_pages_language_and_say_the_files_follow(signed_in, language):
    page = signed_in.get(f"/{language}/firm/").content.decode()
    with translation.override("en"):
        english = str(LOGO_TERMS)
    with translation.override(language):
        terms = str(LOGO_TERMS)
    assert terms != english  # a translation exists, and the page shows it
    assert terms[:60] in page
    assert english[:60] not in page
    assert 'id="terms-then-downloads"' in page


def test_download_buttons_have_human_names(signed_in):
    signed_in.post("/en/firm/terms/", {"accept": "yes"})
    page = signed_in.get("/en/firm/").content.decode()
    for label in ("Certificate (PDF)", "Logo (SVG, any size)", "Logo (PNG, 512 px)", "Logo pack with the terms (ZIP)"):
        assert label in page
    assert ">logo-512.png<" not in page and ">certificate.pdf<" not in page
