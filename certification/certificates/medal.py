"""The mark: the gold medal of an edition, designed once and drawn three ways.

`design` lays the medal out as shapes and centred lines of text in a 600 x 600
box (y downwards); documents.py draws that one design as the SVG, the PNGs and
the head of the PDF, so the logo and the certificate carry the same mark.

Sizes are chosen for the smallest logo: at 256 px a design unit is 0.43 px,
so no line is set below 26 units (11 px) unless a long name must shrink to fit.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

SIZE = 600
CENTRE = (300.0, 300.0)
FACE_RADIUS = 250.0

# (text, bold, size) -> width, in design units; documents.py measures with the font the files use.
Measure = Callable[[str, bool, float], float]


@dataclass(frozen=True)
class Palette:
    rim: str  # the metal: scalloped edge, rings, ribbon tails
    face: str  # the medal's face, and the lettering on the ribbon
    ink: str  # the lettering on the face, and the ribbon


@dataclass(frozen=True)
class Circle:
    x: float
    y: float
    r: float
    fill: str | None
    stroke: str | None = None
    width: float = 0


@dataclass(frozen=True)
class Polygon:
    points: tuple[tuple[float, float], ...]
    fill: str


@dataclass(frozen=True)
class Line:
    """A centred line of text; `y` is its baseline."""

    text: str
    x: float
    y: float
    size: float
    bold: bool
    colour: str


@dataclass(frozen=True)
class Medal:
    shapes: tuple[Circle | Polygon, ...]
    lines: tuple[Line, ...]


def _fit(measure: Measure, text: str, *, bold: bool, size: float, width: float, minimum: float) -> tuple[str, float]:
    """The largest size up to `size` at which `text` fits `width`; below `minimum`, the text is cut with an ellipsis."""
    while size > minimum and measure(text, bold, size) > width:
        size -= 0.5
    if measure(text, bold, size) > width:
        while len(text) > 1 and measure(text + "…", bold, size) > width:
            text = text[:-1]
        text = text.rstrip() + "…"
    return text, size


def _wrap(
    measure: Measure,
    text: str,
    *,
    bold: bool,
    size: float,
    width: float,
    minimum: float,
    one_line_minimum: float,
    two_line_size: float,
) -> tuple[tuple[str, ...], float]:
    """One line if it fits at `one_line_minimum` or larger; else two lines of about equal width, at the size both
    fit up to `two_line_size`.

    Two lines that still do not fit at `minimum`: the first takes the words that fit, the second is cut with an ellipsis.
    """
    words = text.split()
    line, fitted = _fit(measure, text, bold=bold, size=size, width=width, minimum=one_line_minimum)
    if len(words) < 2:
        line, fitted = _fit(measure, text, bold=bold, size=size, width=width, minimum=minimum)
    if len(words) < 2 or (line == text and measure(text, bold, fitted) <= width):
        return (line,), fitted
    first, second = min(
        ((" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))),
        key=lambda pair: max(measure(pair[0], bold, size), measure(pair[1], bold, size)),
    )
    fitted = min(
        _fit(measure, part, bold=bold, size=two_line_size, width=width, minimum=minimum)[1] for part in (first, second)
    )
    if max(measure(first, bold, fitted), measure(second, bold, fitted)) > width:
        count = max(1, max(i for i in range(1, len(words)) if measure(" ".join(words[:i]), bold, fitted) <= width))
        first, second = " ".join(words[:count]), " ".join(words[count:])
    return (first, _fit(measure, second, bold=bold, size=fitted, width=width, minimum=fitted)[0]), fitted


def _star(x: float, y: float, r: float) -> tuple[tuple[float, float], ...]:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.42
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((x + radius * math.cos(angle), y + radius * math.sin(angle)))
    return tuple(points)


def _scalloped(r_out: float, r_in: float, teeth: int = 60) -> tuple[tuple[float, float], ...]:
    cx, cy = CENTRE
    points = []
    for i in range(teeth * 2):
        radius = r_out if i % 2 == 0 else r_in
        angle = i * math.pi / teeth
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return tuple(points)


def design(
    *,
    programme: str,
    medal: str,
    title: str,
    edition_label: str,
    category: str,
    country: str,
    serial: str,
    palette: Palette,
    measure: Measure,
) -> Medal:
    """The gold medal: programme, medal wording, the certificate's title, the edition, category, country, serial."""
    cx, cy = CENTRE
    rim, face, ink = palette.rim, palette.face, palette.ink
    shapes: list[Circle | Polygon] = [
        Polygon(_scalloped(294, 281), rim),
        Circle(cx, cy, FACE_RADIUS, face, rim, 5),
        Circle(cx, cy, 236, None, rim, 2),
        Polygon(_star(cx, 80, 18), rim),
        # The ribbon across the foot of the medal, with its tails, carrying the serial.
        Polygon(((92, 486), (10, 486), (34, 512), (10, 538), (92, 538)), rim),
        Polygon(((508, 486), (590, 486), (566, 512), (590, 538), (508, 538)), rim),
        Polygon(((48, 474), (552, 474), (552, 530), (48, 530)), ink),
    ]
    lines: list[Line] = []

    def add(text: str, *, y: float, size: float, bold: bool, width: float, colour: str = ink, minimum: float = 26):
        fitted, fitted_size = _fit(measure, text, bold=bold, size=size, width=width, minimum=minimum)
        lines.append(Line(fitted, cx, y, fitted_size, bold, colour))

    def add_wrapped(
        text: str,
        *,
        ys: tuple[float, float, float],
        size: float,
        two_line_size: float,
        width: float,
        one_line_minimum: float,
    ):
        """One line at ys[0], or two at ys[1] and ys[2]."""
        parts, fitted = _wrap(
            measure,
            text,
            bold=True,
            size=size,
            width=width,
            minimum=26,
            one_line_minimum=one_line_minimum,
            two_line_size=two_line_size,
        )
        for part, y in zip(parts, ys[:1] if len(parts) == 1 else ys[1:], strict=False):
            lines.append(Line(part, cx, y, fitted, True, ink))

    # The widths follow the face's circle: the chord at each line's height, less a margin.
    add(programme.upper(), y=136, size=30, bold=True, width=300)
    add(medal.upper(), y=188, size=44, bold=True, width=390, colour=rim)
    shapes.append(Polygon(((200, 204), (400, 204), (400, 207), (200, 207)), rim))
    add_wrapped(title, ys=(268, 246, 290), size=42, two_line_size=42, width=430, one_line_minimum=42)
    add(edition_label, y=360, size=68, bold=True, width=380, minimum=40)
    add_wrapped(category, ys=(412, 402, 433), size=36, two_line_size=29, width=400, one_line_minimum=30)
    add(country, y=464, size=28, bold=False, width=300)
    add(serial, y=512, size=32, bold=True, width=480, colour=face, minimum=22)
    return Medal(tuple(shapes), tuple(lines))
