"""The live badge firms put on their websites: the medal with the status of the moment, and the snippet that shows it.

`/badge/<serial>.svg` is drawn at each request (browsers and proxies may keep it
BADGE_MAX_AGE_SECONDS, at most an hour): the medal with its category and
edition, and under it a band saying VALID (green, the medal in gold), EXPIRED
(dark grey band, the medal greyed) or REVOKED (red band, the medal greyed and
struck through). The word is written out, so the colour is never the only cue.
It speaks the certificate's language, as the certificate does.
"""

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import pgettext

from ..models import Certificate
from . import credentials, documents
from . import medal as mark
from .validity import verification_path

GREY = mark.Palette(rim="#8C8C8C", face="#E6E6E6", ink="#3A3A3A")


@dataclass(frozen=True)
class Look:
    word: str
    band: str  # the band's colour (white text on it, 7:1 or more)
    detail: str


def _look(certificate: Certificate | None, status: str) -> Look:
    if certificate is None:
        return Look(pgettext("badge", "NOT FOUND"), "#3A3A3A", pgettext("badge", "no certificate has this serial"))
    until = formats.date_format(certificate.valid_until, "DATE_FORMAT")
    if status == "revoked":
        revoked_on = formats.date_format(certificate.revoked_at.date(), "DATE_FORMAT")
        return Look(
            pgettext("badge", "REVOKED"), "#B00020", pgettext("badge", "withdrawn on %(date)s") % {"date": revoked_on}
        )
    if status == "expired":
        return Look(pgettext("badge", "EXPIRED"), "#3A3A3A", pgettext("badge", "ended on %(date)s") % {"date": until})
    return Look(pgettext("badge", "VALID"), "#1B5E20", pgettext("badge", "until %(date)s") % {"date": until})


def badge_svg(*, certificate: Certificate | None, status: str) -> bytes:
    """The badge as an SVG document of 600 x 750 units (shown 200 x 250 px by the snippet)."""
    language = certificate.language if certificate is not None else translation.get_language()
    with translation.override(language):
        look = _look(certificate, status)
        body, label = "", look.word
        if certificate is not None:
            text = documents.CertificateText(
                serial=certificate.serial,
                firm_name=certificate.firm.name,
                registration_number=certificate.firm.registration_number,
                category=certificate.category.name,
                edition="",
                edition_label=certificate.edition.label,
                country=str(certificate.get_country_display()),
                country_code=certificate.country,
                valid_from=certificate.valid_from,
                valid_until=certificate.valid_until,
                issued_on=certificate.valid_from,
                verify_url="",
            )
            design = documents.medal_design(text)
            if status != "valid":
                design = _recoloured(design, GREY)
            body = documents.medal_svg_body(design)
            label = f"{credentials.achievement_name(certificate)} — {certificate.firm.name} ({certificate.serial}): {look.word}, {look.detail}"
    strike = ""
    if status == "revoked":
        strike = (
            '  <path d="M70 70 L530 530 M530 70 L70 530" stroke="#B00020" stroke-width="34" stroke-linecap="round"/>\n'
        )
    svg = f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="200" height="250" viewBox="0 0 600 750" role="img" aria-label={quoteattr(label)} data-status="{escape(status)}">
  <title>{escape(label)}</title>
{body}
{strike}  <rect x="4" y="608" width="592" height="138" rx="18" fill="{look.band}"/>
  <g font-family="'Source Sans 3', 'Source Sans Pro', 'Noto Sans', 'DejaVu Sans', sans-serif" fill="#FFFFFF" text-anchor="middle">
    <text x="300" y="670" font-size="54" font-weight="700">{escape(look.word)}</text>
    <text x="300" y="724" font-size="38">{escape(look.detail)}</text>
  </g>
</svg>
"""
    return svg.encode("utf-8")


def _recoloured(design: mark.Medal, palette: mark.Palette) -> mark.Medal:
    gold = {
        settings.MARK_RIM_COLOUR: palette.rim,
        settings.MARK_FACE_COLOUR: palette.face,
        settings.MARK_INK_COLOUR: palette.ink,
    }

    def swap(colour: str | None) -> str | None:
        return gold.get(colour, colour) if colour else colour

    shapes: list[mark.Circle | mark.Polygon] = []
    for shape in design.shapes:
        if isinstance(shape, mark.Circle):
            shapes.append(mark.Circle(shape.x, shape.y, shape.r, swap(shape.fill), swap(shape.stroke), shape.width))
        else:
            shapes.append(mark.Polygon(shape.points, swap(shape.fill) or shape.fill))
    lines = tuple(
        mark.Line(line.text, line.x, line.y, line.size, line.bold, swap(line.colour) or line.colour)
        for line in design.lines
    )
    return mark.Medal(tuple(shapes), lines)


def snippet(certificate: Certificate) -> str:
    """The HTML a firm pastes on its site: a link to the verification page around the badge; no script.

    In the certificate's language: the link opens the page in it, and the image's alternative text says it.
    """
    with translation.override(certificate.language):
        alt = pgettext("badge", "%(title)s, %(achievement)s — check that it is valid") % {
            "title": documents.wording.title(),
            "achievement": credentials.achievement_name(certificate),
        }
        link = f"{settings.SITE_URL}/{certificate.language}{verification_path(certificate.serial)}"
    image = settings.SITE_URL + credentials.badge_path(certificate.serial)
    return f'<a href={quoteattr(link)}><img src={quoteattr(image)} width="200" height="250" alt={quoteattr(alt)}></a>'
