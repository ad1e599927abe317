"""The certificate font: every Polish and Romanian letter, static TrueType, and a clear error when missing."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from fontTools.ttLib import TTFont

from certification import checks, tasks
from certification.certificates import documents
from certification.models import Certificate

POLISH = "ĄĆĘŁŃÓŚŹŻąćęłńóśźż"
# Ș Ț ș ț with the comma below (U+0218-U+021B), the correct Romanian letters, not the cedilla forms.
ROMANIAN = "ĂÂÎăâî\u0218\u021a\u0219\u021b"  # Ș Ț ș ț


@pytest.fixture(scope="module", params=sorted(documents.FONT_FILES))
def font(request):
    return TTFont(documents.font_path(request.param))


def test_every_polish_and_romanian_letter_has_a_glyph(font):
    cmap = font.getBestCmap()
    assert [c for c in POLISH + ROMANIAN if ord(c) not in cmap] == []


def test_the_font_is_static_truetype(font):
    # reportlab embeds TrueType outlines only (glyf, not CFF) and cannot use variable fonts.
    assert "glyf" in font and "fvar" not in font


def test_a_missing_font_says_what_to_do(settings, tmp_path):
    settings.CERTIFICATE_FONT_DIR = tmp_path
    with pytest.raises(ImproperlyConfigured, match="npm ci.*CERTIFICATE_FONT_DIR"):
        documents.font_path("regular")
    assert {e.id for e in checks.check_certificate_font(None)} == {"certification.E001"}


def test_the_check_is_silent_when_the_font_is_there():
    assert checks.check_certificate_font(None) == []


@pytest.mark.django_db
def test_a_missing_font_is_recorded_on_the_certificate_not_retried(issued, settings, tmp_path):
    Certificate.objects.filter(pk=issued.pk).update(files_status="pending")
    settings.CERTIFICATE_FONT_DIR = tmp_path
    documents._pdf_fonts.cache_clear()  # fonts already registered by earlier tests would hide the gap
    try:
        assert tasks.generate_certificate_files_task.delay(issued.pk).get() is False
    finally:
        documents._pdf_fonts.cache_clear()
    stored = Certificate.objects.get(pk=issued.pk)
    assert stored.files_status == "failed" and "npm ci" in stored.files_error
