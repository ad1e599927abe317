"""The certificate's files, as pure functions returning bytes: PDF (A4), SVG mark, PNG logos, ZIP pack.

Labels are in the active language (the service renders a certificate in its edition's).

Text is set in Source Sans Pro, shipped by the `font-source-sans-pro` package
(static TrueType files that reportlab embeds and Pillow renders), which has
every Polish and Romanian letter, Ș and Ț with the comma below included.
"""

import io
import math
import zipfile
from dataclasses import dataclass
from datetime import date
from functools import cache
from xml.sax.saxutils import escape, quoteattr

import segno
from django.utils.translation import gettext as _
from font_source_sans_pro import font_files_ttf
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

PROGRAMME = "Customers' Friend"
TITLE = "Customer Friendly Certificate"
BODY = "ICERTIAS"
GOLD = "#B8860B"
GOLD_LIGHT = "#F3E3A6"
INK = "#1F2A36"
PNG_SIZES = (256, 512, 1024)

REGULAR = font_files_ttf["SourceSansPro"]
BOLD = font_files_ttf["SourceSansProBold"]


@dataclass(frozen=True)
class CertificateText:
    """What the files say; built from a Certificate by the service, so these functions need no database."""

    serial: str
    firm_name: str
    registration_number: str
    category: str
    edition: str  # like "Poland 2026/2027"
    edition_label: str  # like "2026/2027"
    country: str
    valid_from: date
    valid_until: date
    issued_on: date
    verify_url: str
    terms: str = ""
    # From the released results the winner was chosen on (the latest version), when they exist.
    counted_votes: int | None = None
    results_version: int | None = None


@cache
def _pdf_fonts() -> tuple[str, str]:
    pdfmetrics.registerFont(TTFont("SourceSansPro", REGULAR))
    pdfmetrics.registerFont(TTFont("SourceSansPro-Bold", BOLD))
    return "SourceSansPro", "SourceSansPro-Bold"


def _fit_pdf(text: str, font: str, size: float, width: float, minimum: float = 10) -> float:
    """The largest font size up to `size` at which `text` fits `width` (long firm names shrink)."""
    while size > minimum and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def certificate_pdf(text: CertificateText) -> bytes:
    """One A4 page: programme, title, firm, category, edition, validity, serial and a QR code to the verification page."""
    regular, bold = _pdf_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{TITLE} {text.serial}")
    pdf.setAuthor(BODY)
    pdf.setSubject(f"{text.firm_name} — {text.category} — {text.edition}")
    width, height = A4
    centre = width / 2
    gold, ink = HexColor(GOLD), HexColor(INK)
    # Double gold frame.
    pdf.setStrokeColor(gold)
    pdf.setLineWidth(4)
    pdf.rect(28, 28, width - 56, height - 56)
    pdf.setLineWidth(1)
    pdf.rect(38, 38, width - 76, height - 76)

    pdf.setFillColor(gold)
    pdf.setFont(bold, 16)
    pdf.drawCentredString(centre, height - 100, _(PROGRAMME).upper())
    pdf.setFillColor(ink)
    pdf.setFont(bold, 30)
    pdf.drawCentredString(centre, height - 150, _(TITLE))
    pdf.setFont(regular, 14)
    pdf.drawCentredString(centre, height - 185, f"{text.edition}")
    pdf.drawCentredString(centre, height - 240, _("is awarded to"))

    size = _fit_pdf(text.firm_name, bold, 34, width - 140)
    pdf.setFont(bold, size)
    pdf.drawCentredString(centre, height - 295, text.firm_name)
    pdf.setFont(regular, 12)
    pdf.drawCentredString(centre, height - 318, _("Registration number %(number)s") % {"number": text.registration_number})

    pdf.setFont(regular, 14)
    pdf.drawCentredString(centre, height - 370, _("in the category"))
    size = _fit_pdf(text.category, bold, 22, width - 140)
    pdf.setFont(bold, size)
    pdf.drawCentredString(centre, height - 400, text.category)

    pdf.setFont(regular, 13)
    validity = _("Valid from %(start)s to %(end)s") % {"start": text.valid_from.isoformat(), "end": text.valid_until.isoformat()}
    pdf.drawCentredString(centre, height - 450, validity)
    pdf.drawCentredString(centre, height - 470, _("Issued on %(date)s") % {"date": text.issued_on.isoformat()})
    if text.counted_votes is not None:
        pdf.setFont(regular, 11)
        pdf.drawCentredString(centre, height - 500, votes_line(text))

    # QR code to the verification page, drawn as vector squares.
    qr = segno.make(text.verify_url, error="m")
    modules = list(qr.matrix)
    side = 130.0
    unit = side / (len(modules) + 8)  # 4-module quiet zone each side
    left, bottom = centre - side / 2, 150
    pdf.setFillColor(Color(1, 1, 1))
    pdf.rect(left, bottom, side, side, stroke=0, fill=1)
    pdf.setFillColor(Color(0, 0, 0))
    for row_index, row in enumerate(modules):
        for col_index, dark in enumerate(row):
            if dark:
                pdf.rect(
                    left + (col_index + 4) * unit, bottom + side - (row_index + 5) * unit, unit, unit, stroke=0, fill=1
                )
    pdf.setFillColor(ink)
    pdf.setFont(bold, 14)
    pdf.drawCentredString(centre, 125, _("Serial %(serial)s") % {"serial": text.serial})
    pdf.setFont(regular, 10)
    pdf.drawCentredString(centre, 108, _("Check that this certificate is valid: %(url)s") % {"url": text.verify_url})
    pdf.drawCentredString(centre, 70, _("%(body)s, Zurich — an independent certification body") % {"body": BODY})
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def logo_svg(text: CertificateText) -> bytes:
    """The logo mark as SVG; every piece of text is XML-escaped, so a firm name cannot break or inject markup."""
    lines = [
        (PROGRAMME.upper(), 34, 700, 150),
        ("Customer Friendly", 44, 700, 230),
        ("Certificate", 44, 700, 282),
        (text.edition_label, 54, 700, 370),
        (text.category, _svg_size(text.category, 36, 420), 600, 430),
        (text.country, 28, 400, 480),
    ]
    texts = "\n".join(
        f'  <text x="300" y="{y}" font-size="{size}" font-weight="{weight}" text-anchor="middle">{escape(value)}</text>'
        for value, size, weight, y in lines
    )
    title = escape(f"{TITLE} {text.edition} — {text.category} — {text.firm_name} ({text.serial})")
    svg = f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600" viewBox="0 0 600 600" role="img" aria-label={quoteattr(title)}>
  <title>{title}</title>
  <circle cx="300" cy="300" r="290" fill="{GOLD}"/>
  <circle cx="300" cy="300" r="262" fill="{GOLD_LIGHT}" stroke="{GOLD}" stroke-width="6"/>
  <g font-family="'Source Sans Pro', 'Noto Sans', 'DejaVu Sans', sans-serif" fill="{INK}">
{texts}
  </g>
  <text x="300" y="530" font-family="'Source Sans Pro', sans-serif" font-size="18" fill="{INK}" text-anchor="middle">{escape(text.serial)}</text>
</svg>
"""
    return svg.encode("utf-8")


def _svg_size(value: str, size: int, width: int) -> int:
    # About 0.5 em per character in this font: shrink long category names to the circle's width.
    return max(14, min(size, math.floor(width / max(len(value) * 0.5, 1))))


@cache
def _pil_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _draw_centred(draw: ImageDraw.ImageDraw, text: str, *, y: float, size: int, bold: bool, width: float, centre: float):
    path = BOLD if bold else REGULAR
    while size > 6:
        font = _pil_font(path, size)
        if draw.textlength(text, font=font) <= width:
            break
        size -= 1
    draw.text((centre, y), text, font=_pil_font(path, size), fill=INK, anchor="mm")


def logo_png(text: CertificateText, size: int) -> bytes:
    """The mark as a transparent RGBA PNG of size x size pixels (drawn at that size, not scaled)."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    k = size / 600
    draw.ellipse((10 * k, 10 * k, 590 * k, 590 * k), fill=GOLD)
    draw.ellipse((38 * k, 38 * k, 562 * k, 562 * k), fill=GOLD_LIGHT, outline=GOLD, width=max(1, round(6 * k)))
    centre = size / 2
    for value, font_size, bold, y, width in (
        (PROGRAMME.upper(), 34, True, 140, 420),
        ("Customer Friendly", 44, True, 218, 460),
        ("Certificate", 44, True, 270, 460),
        (text.edition_label, 54, True, 355, 400),
        (text.category, 36, True, 420, 420),
        (text.country, 28, False, 470, 300),
    ):
        _draw_centred(draw, value, y=y * k, size=max(6, round(font_size * k)), bold=bold, width=width * k, centre=centre)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def votes_line(text: CertificateText) -> str:
    return _("Customers' counted votes: %(votes)s (published results, version %(version)s)") % {
        "votes": text.counted_votes, "version": text.results_version,
    }


def readme_text(text: CertificateText) -> str:
    votes = [votes_line(text)] if text.counted_votes is not None else []
    return "\n".join(
        [
            f"{TITLE} — {text.edition}",
            "",
            f"Firm: {text.firm_name} ({text.registration_number})",
            f"Category: {text.category}",
            f"Serial: {text.serial}",
            f"Valid from {text.valid_from.isoformat()} to {text.valid_until.isoformat()}",
            *votes,
            f"Verify: {text.verify_url}",
            "",
            "Files: certificate.pdf, logo.svg, logo-256.png, logo-512.png, logo-1024.png",
            "",
            text.terms,
            "",
        ]
    )


def logo_pack_zip(text: CertificateText, *, pdf: bytes, svg: bytes, pngs: dict[int, bytes]) -> bytes:
    """The pack: README with the terms, the SVG, the three PNGs and the PDF, in a folder named after the serial."""
    buffer = io.BytesIO()
    folder = text.serial
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{folder}/README.txt", readme_text(text).encode("utf-8"))
        archive.writestr(f"{folder}/logo.svg", svg)
        for size in PNG_SIZES:
            archive.writestr(f"{folder}/logo-{size}.png", pngs[size])
        archive.writestr(f"{folder}/certificate.pdf", pdf)
    return buffer.getvalue()


def all_files(text: CertificateText) -> dict[str, bytes]:
    """Every file, keyed by the Certificate field that stores it."""
    pdf = certificate_pdf(text)
    svg = logo_svg(text)
    pngs = {size: logo_png(text, size) for size in PNG_SIZES}
    return {
        "pdf": pdf,
        "svg": svg,
        "png_256": pngs[256],
        "png_512": pngs[512],
        "png_1024": pngs[1024],
        "zip": logo_pack_zip(text, pdf=pdf, svg=svg, pngs=pngs),
    }
