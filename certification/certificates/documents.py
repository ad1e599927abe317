"""The certificate's files, as pure functions returning bytes: PDF (A4), SVG mark, PNG logos, ZIP pack.

Every word is in the active language (the service renders a certificate in its
edition's): the fixed wording from `wording`, the programme's name, the title,
the certifying body and the mark's colours from the programme's identity
(settings). The mark is the medal of `medal.design`, drawn here three ways.

Text is set in Source Sans 3 (formerly Source Sans Pro; SIL Open Font License
1.1), from the npm package `source-sans` that Adobe publishes from
adobe-fonts/source-sans, pinned in package-lock.json. Its static TrueType files,
which reportlab embeds and Pillow renders, have every Polish and Romanian
letter, Ș and Ț with the comma below included. CERTIFICATE_FONT_DIR says where
they are (node_modules/source-sans/TTF by default).
"""

import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from portal import identity

from . import baking, tagging, wording
from . import medal as mark

PNG_SIZES = (256, 512, 1024)
SUPERSAMPLED = 2048  # the PNG's shapes are drawn about this large (at least 2x) and reduced: smooth edges

# Static instances: reportlab cannot use the variable fonts (VF/) of the package.
FONT_FILES = {"regular": "SourceSans3-Regular.ttf", "bold": "SourceSans3-Bold.ttf"}


def font_path(weight: str) -> Path:
    """The TrueType file of the certificate font in this weight ("regular" or "bold")."""
    path = Path(settings.CERTIFICATE_FONT_DIR) / FONT_FILES[weight]
    if not path.is_file():
        raise ImproperlyConfigured(
            f"The certificate font {path} is missing. Run `npm ci` (it installs the npm package "
            f"source-sans), or set CERTIFICATE_FONT_DIR to a folder with {' and '.join(FONT_FILES.values())}."
        )
    return path


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
    country_code: str  # "PL", "RO": what the registration number is called
    valid_from: date
    valid_until: date
    issued_on: date
    verify_url: str
    terms: str = ""
    # From the released results the winner was chosen on (the latest version), when they exist.
    counted_votes: int | None = None
    results_version: int | None = None
    # The signed Open Badges credential (VC-JWT), baked into the logos and packed in the ZIP.
    credential: str = ""
    credential_json: str = ""
    language: str = "en"


@cache
def _pdf_fonts() -> tuple[str, str]:
    pdfmetrics.registerFont(TTFont("SourceSans3", font_path("regular")))
    pdfmetrics.registerFont(TTFont("SourceSans3-Bold", font_path("bold")))
    return "SourceSans3", "SourceSans3-Bold"


def _fit_pdf(text: str, font: str, size: float, width: float, minimum: float = 10) -> float:
    """The largest font size up to `size` at which `text` fits `width` (long firm names shrink)."""
    while size > minimum and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _measure(text: str, bold: bool, size: float) -> float:
    regular, bold_font = _pdf_fonts()
    return pdfmetrics.stringWidth(text, bold_font if bold else regular, size)


def palette() -> mark.Palette:
    return mark.Palette(rim=settings.MARK_RIM_COLOUR, face=settings.MARK_FACE_COLOUR, ink=settings.MARK_INK_COLOUR)


def medal_design(text: CertificateText) -> mark.Medal:
    """The edition's gold medal for this certificate, in the active language: what the logos show and the PDF's head."""
    return mark.design(
        programme=identity.programme_name(),
        medal=wording.medal(),
        title=wording.title(),
        edition_label=text.edition_label,
        category=text.category,
        country=text.country,
        serial=text.serial,
        palette=palette(),
        measure=_measure,
    )


def _draw_medal_pdf(pdf: canvas.Canvas, design: mark.Medal, *, left: float, top: float, scale: float) -> None:
    """The medal as vectors, its 600-unit box at (left, top) scaled to `scale` points per unit."""
    regular, bold = _pdf_fonts()

    def at(x: float, y: float) -> tuple[float, float]:
        return left + x * scale, top - y * scale

    for shape in design.shapes:
        if isinstance(shape, mark.Circle):
            x, y = at(shape.x, shape.y)
            if shape.fill:
                pdf.setFillColor(HexColor(shape.fill))
            if shape.stroke:
                pdf.setStrokeColor(HexColor(shape.stroke))
                pdf.setLineWidth(shape.width * scale)
            pdf.circle(x, y, shape.r * scale, stroke=1 if shape.stroke else 0, fill=1 if shape.fill else 0)
        else:
            path = pdf.beginPath()
            path.moveTo(*at(*shape.points[0]))
            for point in shape.points[1:]:
                path.lineTo(*at(*point))
            path.close()
            pdf.setFillColor(HexColor(shape.fill))
            pdf.drawPath(path, stroke=0, fill=1)
    for line in design.lines:
        pdf.setFillColor(HexColor(line.colour))
        pdf.setFont(bold if line.bold else regular, line.size * scale)
        pdf.drawCentredString(*at(line.x, line.y), line.text)


def certificate_pdf(text: CertificateText) -> bytes:
    """One A4 page headed by the medal: title, firm, category, edition, validity, serial and a QR code to the
    verification page; tagged (`tagging`) so that a screen reader reads it in order."""
    regular, bold = _pdf_fonts()
    title, medal_wording = wording.title(), wording.medal()
    buffer = io.BytesIO()
    # The language, and a title shown instead of the file name: what a screen reader announces first.
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1, lang=text.language)
    pdf.setTitle(f"{title} {text.edition_label} — {text.firm_name} — {text.serial}")
    pdf.setViewerPreference("DisplayDocTitle", "true")
    # The serial as a keyword: the verification page reads it from a signed upload (the signature covers it).
    pdf.setKeywords(text.serial)
    pdf.setAuthor(identity.body_name())
    pdf.setSubject(f"{text.firm_name} — {text.category} — {text.edition}")
    pdf.setCreator(identity.programme_name())
    tags = tagging.Tags(pdf)
    width, height = A4
    centre = width / 2
    colours = palette()
    gold, ink = HexColor(colours.rim), HexColor(colours.ink)

    def line(role: str, y: float, words: str, font: str, size: float, colour=ink) -> None:
        with tags.mark(role):
            pdf.setFillColor(colour)
            pdf.setFont(font, size)
            pdf.drawCentredString(centre, y, words)

    with tags.artifact():  # double gold frame
        pdf.setStrokeColor(gold)
        pdf.setLineWidth(4)
        pdf.rect(28, 28, width - 56, height - 56)
        pdf.setLineWidth(1)
        pdf.rect(38, 38, width - 76, height - 76)

    # The mark heads the page: 200 pt wide; read as a figure with its alternative text.
    scale = 200 / mark.SIZE
    with tags.mark("Figure", alt=logo_title(text)):
        _draw_medal_pdf(pdf, medal_design(text), left=centre - 100, top=height - 52, scale=scale)

    line("H1", height - 295, title, bold, _fit_pdf(title, bold, 30, width - 140))
    subtitle = f"{medal_wording} · {wording.edition(text.edition_label)} · {text.country}"
    line("P", height - 320, subtitle, bold, 15, gold)
    line("P", height - 358, _("is awarded to"), regular, 14)
    line("P", height - 398, text.firm_name, bold, _fit_pdf(text.firm_name, bold, 34, width - 140))
    registration = wording.registration_number(country=text.country_code, number=text.registration_number)
    line("P", height - 420, registration, regular, 12)
    line("P", height - 458, _("in the category"), regular, 14)
    line("P", height - 486, text.category, bold, _fit_pdf(text.category, bold, 22, width - 140))
    validity = _("Valid from %(start)s to %(end)s") % {
        "start": text.valid_from.isoformat(),
        "end": text.valid_until.isoformat(),
    }
    line("P", height - 524, validity, regular, 13)
    line("P", height - 542, _("Issued on %(date)s") % {"date": text.issued_on.isoformat()}, regular, 13)
    if text.counted_votes is not None:
        line("P", height - 560, votes_line(text), regular, 11)

    # QR code to the verification page, drawn as vector squares.
    qr = segno.make(text.verify_url, error="m")
    modules = list(qr.matrix)
    side = 120.0
    unit = side / (len(modules) + 8)  # 4-module quiet zone each side
    left, bottom = centre - side / 2, 160
    with tags.mark("Figure", alt=_("QR code to %(url)s") % {"url": text.verify_url}):
        pdf.setFillColor(Color(1, 1, 1))
        pdf.rect(left, bottom, side, side, stroke=0, fill=1)
        pdf.setFillColor(Color(0, 0, 0))
        for row_index, row in enumerate(modules):
            for col_index, dark in enumerate(row):
                if dark:
                    pdf.rect(
                        left + (col_index + 4) * unit,
                        bottom + side - (row_index + 5) * unit,
                        unit,
                        unit,
                        stroke=0,
                        fill=1,
                    )
    line("P", 140, _("Serial %(serial)s") % {"serial": text.serial}, bold, 14)
    line("P", 123, _("Check that this certificate is valid: %(url)s") % {"url": text.verify_url}, regular, 10)
    line("P", 88, _("%(body)s — an independent certification body") % {"body": identity.body_name()}, bold, 10)
    address = " · ".join(filter(None, [identity.body_address(), identity.body_contact()]))
    line("P", 74, address, regular, 9)
    line("P", 60, identity.programme_name(), regular, 9)
    pdf.showPage()
    pdf.save()
    return tagging.add_structure(buffer.getvalue(), tags.elements, language=text.language)


def logo_svg(text: CertificateText) -> bytes:
    """The medal as SVG; every piece of text is XML-escaped, so a firm name cannot break or inject markup."""
    design = medal_design(text)
    svg = f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600" viewBox="0 0 600 600" role="img" aria-label={quoteattr(logo_title(text))}>
  <title>{escape(logo_title(text))}</title>
{medal_svg_body(design)}
</svg>
"""
    data = svg.encode("utf-8")
    return baking.bake_svg(data, text.credential) if text.credential else data


def logo_title(text: CertificateText) -> str:
    """What the logo is, with its serial: the SVG's title and the PNG's Title text."""
    return (
        f"{identity.programme_name()}: {wording.title()} {text.edition_label}, {wording.medal()} — "
        f"{text.category} — {text.firm_name} ({text.serial})"
    )


def medal_svg_body(design: mark.Medal) -> str:
    """The medal's shapes and text as SVG elements of a 600 x 600 box."""
    shapes = []
    for shape in design.shapes:
        if isinstance(shape, mark.Circle):
            stroke = f' stroke="{shape.stroke}" stroke-width="{shape.width:g}"' if shape.stroke else ""
            shapes.append(
                f'  <circle cx="{shape.x:g}" cy="{shape.y:g}" r="{shape.r:g}" fill="{shape.fill or "none"}"{stroke}/>'
            )
        else:
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in shape.points)
            shapes.append(f'  <polygon points="{points}" fill="{shape.fill}"/>')
    # textLength is each line's width in Source Sans Pro: a viewer without the font squeezes its fallback to fit.
    texts = "\n".join(
        f'  <text x="{line.x:g}" y="{line.y:g}" font-size="{line.size:g}" font-weight="{700 if line.bold else 400}" '
        f'fill="{line.colour}" text-anchor="middle" textLength="{_measure(line.text, line.bold, line.size):.1f}" '
        f'lengthAdjust="spacingAndGlyphs">{escape(line.text)}</text>'
        for line in design.lines
    )
    body = "\n".join(shapes)
    return f"""{body}
  <g font-family="'Source Sans 3', 'Source Sans Pro', 'Noto Sans', 'DejaVu Sans', sans-serif">
{texts}
  </g>"""


@cache
def _pil_font(weight: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(weight), size)


def logo_png(text: CertificateText, size: int) -> bytes:
    """The medal as a transparent RGBA PNG of size x size pixels (drawn at that size, not scaled from another)."""
    design = medal_design(text)
    factor = max(2, SUPERSAMPLED // size)
    big = size * factor
    k = big / mark.SIZE
    layer = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for shape in design.shapes:
        if isinstance(shape, mark.Circle):
            box = ((shape.x - shape.r) * k, (shape.y - shape.r) * k, (shape.x + shape.r) * k, (shape.y + shape.r) * k)
            width = max(1, round(shape.width * k)) if shape.stroke else 0
            draw.ellipse(box, fill=shape.fill, outline=shape.stroke, width=width)
        else:
            draw.polygon([(x * k, y * k) for x, y in shape.points], fill=shape.fill)
    image = layer.reduce(factor)
    # Text is drawn at the final size: FreeType's hinting and anti-aliasing keep small lines sharp.
    draw = ImageDraw.Draw(image)
    k = size / mark.SIZE
    for line in design.lines:
        font = _pil_font("bold" if line.bold else "regular", max(6, round(line.size * k)))
        draw.text((line.x * k, line.y * k), line.text, font=font, fill=line.colour, anchor="ms")
    # The serial travels in the file as in the SVG: a Title text chunk naming the logo (and its serial).
    info = PngInfo()
    info.add_itxt("Title", logo_title(text), lang=text.language)
    info.add_text("Serial", text.serial)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)  # "optimize" would take five times as long for 1% less
    data = buffer.getvalue()
    return baking.bake_png(data, text.credential) if text.credential else data


def votes_line(text: CertificateText) -> str:
    return _("Customers' counted votes: %(votes)s (published results, version %(version)s)") % {
        "votes": text.counted_votes,
        "version": text.results_version,
    }
