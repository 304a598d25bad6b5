"""The drawing kit of the report's charts and world map: style, text metrics, scales
and an SVG canvas (see reports/charts.py for the output contract both follow).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from functools import lru_cache

from cicopa.settings import REPORT_STATIC

# ---------------------------------------------------------------- style constants
# The report's committed fonts (reports/static/fonts); not via reports.fetcher, which
# would import WeasyPrint into every process that only draws a chart.
FONT_DIR = REPORT_STATIC / "fonts"
FONT_FILES = {False: FONT_DIR / "NotoSans-Regular.ttf", True: FONT_DIR / "NotoSans-Bold.ttf"}
# "Report Sans" is the report's @font-face; Noto Sans is the same font, if installed.
FONT_FAMILY = "'Report Sans', 'Noto Sans', sans-serif"

INK = "#1a1a1a"  # report.css --ink
MUTED = "#555555"  # report.css --muted
BLUE = "#1f4e79"  # report.css --accent: the report's dark blue
ACCENT = "#e69f00"  # Okabe-Ito orange: L* 71 against the blue's 32, safe for colour blindness

PT_PER_MM = 72 / 25.4
MAX_WIDTH_MM = 170.0  # A4 (210 mm) less the page margins (2 x 18 mm in report.css)
MIN_WIDTH_MM = 60.0
LABEL_PT = 7.5  # readable in print (>= 7 pt)
TITLE_PT = 9.0  # as .chart-title in report.css
LINE_PT = 9.0  # line pitch of 7.5 pt labels
TITLE_LINE_PT = 11.0
CAP_HEIGHT = 0.714  # Noto Sans cap height / em: centres a line of text on a bar

SVG_NS = "http://www.w3.org/2000/svg"


# ------------------------------------------------------------------ text metrics
@lru_cache(maxsize=2)
def _advances(bold: bool) -> tuple[dict[int, int], int, int]:
    """Advance widths by code point, the fallback advance, and units per em."""
    from fontTools.ttLib import TTFont

    font = TTFont(FONT_FILES[bold], lazy=True)
    metrics = font["hmtx"].metrics
    widths = {code: metrics[glyph][0] for code, glyph in font.getBestCmap().items()}
    return widths, metrics[".notdef"][0], font["head"].unitsPerEm


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width of ``text`` in points, from the committed font's advances (no kerning:
    a slight overestimate, which only adds air)."""
    widths, fallback, units = _advances(bold)
    return sum(widths.get(ord(ch), fallback) for ch in text) * size / units


def wrap_text(
    text: str, max_width: float, size: float, *, bold: bool = False, max_lines: int = 3
) -> list[str]:
    """Greedy word wrap to ``max_width`` points; an explicit newline also breaks.

    A word wider than the line stays whole (it overflows rather than being cut), and
    text beyond ``max_lines`` ends the last line with an ellipsis.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and text_width(candidate, size, bold=bold) > max_width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + " …", size, bold=bold) > max_width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        lines = [*lines[: max_lines - 1], f"{last} …".strip()]
    return lines or [""]


# ------------------------------------------------------------------------- checks
def check_width(width_mm: float) -> float:
    if not MIN_WIDTH_MM <= width_mm <= MAX_WIDTH_MM:
        raise ValueError(f"width_mm must be within {MIN_WIDTH_MM}..{MAX_WIDTH_MM}, not {width_mm}")
    return width_mm * PT_PER_MM


def check_finite(values: Iterable[float | None], what: str) -> None:
    for value in values:
        if value is not None and not math.isfinite(float(value)):
            raise ValueError(f"{what} must be finite numbers, not {value!r}")


# ------------------------------------------------------------------ the canvas
class Canvas:
    """An SVG drawing whose unit is the point, origin top left, y down.

    The charts compute their whole layout (wrapping, widths, row heights, ticks) from
    the committed font's advances, so the drawing itself is a handful of elements: text
    with its baseline at ``y``, bars and rules. ElementTree escapes every text.
    """

    def __init__(self, width_pt: float, height_pt: float) -> None:
        self.width, self.height = width_pt, height_pt
        self.elements: list[ET.Element] = []

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: float = LABEL_PT,
        bold: bool = False,
        color: str = INK,
        align: str = "left",
    ) -> None:
        """One line of text with its baseline at ``y``."""
        attrs = {"x": _pt(x), "y": _pt(y), "font-size": f"{size:g}", "fill": color}
        if bold:
            attrs["font-weight"] = "bold"
        if align != "left":
            attrs["text-anchor"] = TEXT_ANCHORS[align]
        element = ET.Element("text", attrs)
        element.text = text
        self.elements.append(element)

    def rect(self, x: float, y: float, w: float, h: float, color: str, css_class: str) -> None:
        """A filled box in a group of its own, which carries the class (tests and CSS)."""
        group = ET.Element("g", {"class": css_class})
        corners = ((x, y), (x + w, y), (x + w, y + h), (x, y + h))
        path = "M " + " L ".join(f"{_pt(cx)} {_pt(cy)}" for cx, cy in corners) + " z"
        ET.SubElement(group, "path", {"d": path, "fill": color})
        self.elements.append(group)

    def line(self, xs: Sequence[float], ys: Sequence[float], color: str, width: float) -> None:
        path = "M " + " L ".join(f"{_pt(x)} {_pt(y)}" for x, y in zip(xs, ys, strict=True))
        self.elements.append(
            ET.Element(
                "path", {"d": path, "fill": "none", "stroke": color, "stroke-width": f"{width:g}"}
            )
        )

    def svg(self, *, title: str, desc: str) -> str:
        root = svg_root(self.width, self.height, title=title, desc=desc)
        root.extend(self.elements)
        return ET.tostring(root, encoding="unicode")


TEXT_ANCHORS = {"center": "middle", "right": "end"}


def _pt(value: float) -> str:
    """A coordinate to a hundredth of a point, without trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def svg_root(
    width_pt: float, height_pt: float, *, title: str, desc: str, css_class: str = "report-chart"
) -> ET.Element:
    """``<svg role="img">`` sized in mm, user unit the point, with its text alternative."""
    # The viewBox is the rounded mm size in points, so one unit is exactly one point.
    width_mm, height_mm = round(width_pt / PT_PER_MM, 2), round(height_pt / PT_PER_MM, 2)
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "width": f"{width_mm:.2f}mm",
            "height": f"{height_mm:.2f}mm",
            "viewBox": f"0 0 {width_mm * PT_PER_MM:.3f} {height_mm * PT_PER_MM:.3f}",
            "role": "img",
            "class": css_class,
            "font-family": FONT_FAMILY,
        },
    )
    ET.SubElement(root, "title").text = title
    ET.SubElement(root, "desc").text = desc
    return root


def draw_title(canvas: Canvas | None, lines: Sequence[str], top: float) -> float:
    """Draw (or only measure, without a canvas) the title; returns the y below it."""
    y = top
    for line in lines:
        y += TITLE_LINE_PT
        if canvas is not None:
            canvas.text(0, y - 2.5, line, size=TITLE_PT, bold=True, color=BLUE)
    return y + (5.0 if lines else 0.0)


def describe_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    return "; ".join(f"{label}: {value}" for label, value in pairs) + "."
