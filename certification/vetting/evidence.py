"""Evidence uploads: PDF or image only, size-limited, and the content must match the name."""

from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# Extension -> the content type the file must turn out to be.
EVIDENCE_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}
PILLOW_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def sniff_content_type(file) -> str | None:
    """What the bytes are (PDF magic, or an image Pillow can verify); None when neither."""
    from PIL import Image

    file.seek(0)
    head = file.read(5)
    file.seek(0)
    if head == b"%PDF-":
        return "application/pdf"
    try:
        with Image.open(file) as image:
            kind = PILLOW_FORMATS.get(image.format or "")
            image.verify()
    except Exception:  # Pillow raises many types for bad or truncated images
        kind = None
    finally:
        file.seek(0)
    return kind


def validate_evidence_file(file) -> None:
    extension = PurePosixPath(file.name or "").suffix.lower()
    if extension not in EVIDENCE_TYPES:
        raise ValidationError(_("Upload a PDF or an image (PNG, JPEG or WebP)."), code="evidence_type")
    limit = settings.EVIDENCE_MAX_BYTES
    if file.size > limit:
        raise ValidationError(
            _("This file is %(size)s; evidence files can be at most %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
            code="evidence_size",
        )
    if sniff_content_type(file) != EVIDENCE_TYPES[extension]:
        raise ValidationError(
            _("The file's content does not match its type (%(extension)s); it may be damaged or renamed.")
            % {"extension": extension},
            code="evidence_content",
        )
