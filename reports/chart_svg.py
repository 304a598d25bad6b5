"""The drawing kit of the report's charts and world map: style, text metrics, scales,
matplotlib as a canvas, and the SVG post-processing (see reports/charts.py for the
output contract both follow).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from cicopa.settings import REPORT_STATIC

# ---------------------------------------------------------------- style constants
# The report's committed fonts (reports/static/fonts); not via reports.fetcher, which
# would import WeasyPrint into every process that only draws a chart.
FONT_DIR = REPORT_STATIC / "fonts"
FONT_FILES = {False: FONT_DIR / "NotoSans-Regular.ttf", True: FONT_DIR / "NotoSans-Bold.ttf"}
# "Report Sans" is the report's @font-face; Noto Sans is the same font, if installed.
FONT_FAMILY = "'Report Sans', 'Noto Sans', sans-serif"
_MPL_FAMILY = "Noto Sans"  # the name matplotlib knows the committed font by

INK = "#1a1a1a"  # report.css --ink
MUTED = "#555555"  # report.css --muted
GRID = "#d9d9d9"
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

# Series styles for line charts: colour, marker, dash, width. Neighbours differ in
# lightness (L* 32, 71, 9, 58, 46) and every series has its own marker and dash.
SERIES_STYLES: tuple[tuple[str, str, Any, float], ...] = (
    (BLUE, "o", "solid", 1.8),
    (ACCENT, "s", (0, (4.0, 1.6)), 1.4),
    (INK, "^", (0, (1.0, 1.4)), 1.4),
    ("#8c8c8c", "D", (0, (5.0, 1.5, 1.0, 1.5)), 1.4),
    ("#0072b2", "v", (0, (2.5, 1.5)), 1.4),
    (BLUE, "P", (0, (6.0, 2.0)), 1.0),
    (ACCENT, "X", (0, (1.0, 1.0)), 1.0),
    (INK, "h", (0, (3.0, 1.0, 1.0, 1.0, 1.0, 1.0)), 1.0),
)

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# A gid with this prefix becomes a class (a stable hook for tests and CSS), not an id.
CLASS_GID = "cls:"


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


# ------------------------------------------------------------------------- scales
def nice_ticks(maximum: float) -> list[float]:
    """0 and 3 to 7 round steps (1, 2, 2.5, 5 x 10^k) up to at least ``maximum``,
    choosing the step whose last tick wastes the least height above the data."""
    if not math.isfinite(maximum) or maximum <= 0:
        return [0.0, 1.0]
    magnitude = 10 ** math.floor(math.log10(maximum))
    candidates = [m * magnitude * 10**k for k in (-2, -1, 0) for m in (1, 2, 2.5, 5)]
    step = min(
        (s for s in candidates if 3 <= math.ceil(maximum / s - 1e-9) <= 7),
        key=lambda s: (math.ceil(maximum / s - 1e-9) * s, -s),
    )
    count = math.ceil(maximum / step - 1e-9)
    # Round away binary noise (0.30000000000000004) so formatted ticks are clean.
    return [float(round(i * step, 12)) for i in range(count + 1)]


def check_width(width_mm: float) -> float:
    if not MIN_WIDTH_MM <= width_mm <= MAX_WIDTH_MM:
        raise ValueError(f"width_mm must be within {MIN_WIDTH_MM}..{MAX_WIDTH_MM}, not {width_mm}")
    return width_mm * PT_PER_MM


def check_finite(values: Iterable[float | None], what: str) -> None:
    for value in values:
        if value is not None and not math.isfinite(float(value)):
            raise ValueError(f"{what} must be finite numbers, not {value!r}")


# ---------------------------------------------------------- matplotlib as a canvas
@lru_cache(maxsize=1)
def _matplotlib_ready() -> None:
    """Register the committed fonts with matplotlib, once (imported lazily: matplotlib
    takes a second to import and most users of ``reports`` never draw a chart)."""
    from matplotlib import font_manager

    for path in FONT_FILES.values():
        font_manager.fontManager.addfont(str(path))


# Read when the SVG is written; set there only, so the caller's matplotlib state is untouched.
_SAVE_RC = {
    "svg.fonttype": "none",  # text stays <text>, drawn by WeasyPrint in Report Sans
    "svg.hashsalt": "cicopa-charts",  # fixed ids for markers and clips
    "path.simplify": False,
}


class Canvas:
    """A matplotlib figure whose data units are points, origin top left, y down."""

    def __init__(self, width_pt: float, height_pt: float) -> None:
        from matplotlib.figure import Figure

        _matplotlib_ready()
        self.width, self.height = width_pt, height_pt
        self.figure = Figure(figsize=(width_pt / 72, height_pt / 72), dpi=72)
        self.figure.patch.set_visible(False)
        self.ax = self.figure.add_axes((0, 0, 1, 1))
        self.ax.set_axis_off()
        self.ax.set_xlim(0, width_pt)
        self.ax.set_ylim(height_pt, 0)

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
        self.ax.text(
            x, y, text, fontsize=size, fontweight="bold" if bold else "normal", color=color,
            family=_MPL_FAMILY, ha=align, va="baseline", clip_on=False,
            parse_math=False,  # "US$ 5" is text, not mathtext
        )  # fmt: skip

    def rect(self, x: float, y: float, w: float, h: float, color: str, gid: str) -> None:
        from matplotlib.patches import Rectangle

        self.ax.add_patch(
            Rectangle((x, y), w, h, facecolor=color, edgecolor="none", lw=0, clip_on=False, gid=gid)
        )

    def line(self, xs: Sequence[float], ys: Sequence[float], color: str, width: float) -> None:
        self.ax.plot(xs, ys, color=color, lw=width, solid_capstyle="butt", clip_on=False)

    def svg(self, *, title: str, desc: str) -> str:
        from matplotlib import rc_context

        buffer = io.StringIO()
        with rc_context(_SAVE_RC):
            self.figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        return finish_svg(
            ET.fromstring(buffer.getvalue()), self.width, self.height, title=title, desc=desc
        )


# --------------------------------------------------------------- SVG post-process
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


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


def finish_svg(
    drawing: ET.Element, width_pt: float, height_pt: float, *, title: str, desc: str
) -> str:
    """The accessible, self-contained ``<svg>`` around a drawing's content.

    Drops matplotlib's metadata and global ``<style>`` (inline SVG shares the HTML
    document's style scope), turns text styles into attributes in the report's font,
    makes ids unique to this chart and uses plain ``href`` (SVG 2, no xlink namespace).
    """
    root = svg_root(width_pt, height_pt, title=title, desc=desc)
    for child in list(drawing):
        if _local(child.tag) in {"metadata", "title", "desc"}:
            continue
        root.append(child)
    for element in root.iter():
        element.tag = _local(element.tag)
        if element.tag == "style":
            element.text = ""
        if XLINK_HREF in element.attrib:
            element.set("href", element.attrib.pop(XLINK_HREF))
        _style_to_attributes(element)
    _drop_empty_defs(root)
    _renumber_ids(root)
    return ET.tostring(root, encoding="unicode")


def _style_to_attributes(element: ET.Element) -> None:
    """``style="fill: #fff"`` -> ``fill="#fff"``. WeasyPrint reads inline SVG's style
    attributes with its HTML CSS parser too, which warns about every SVG property; the
    presentation attributes mean the same and are read by the SVG renderer alone."""
    style = element.attrib.pop("style", "")
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if name == "font-family":
            continue  # the root's FONT_FAMILY applies
        if name and value:
            element.set(name, value.removesuffix("px") if name == "font-size" else value)
    if element.tag == "text" and re.fullmatch(r"rotate\(-?0 [^)]*\)", element.get("transform", "")):
        del element.attrib["transform"]


def _drop_empty_defs(root: ET.Element) -> None:
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == "defs":
                for style in [c for c in child if c.tag == "style"]:
                    child.remove(style)
                if len(child) == 0:
                    parent.remove(child)


def _renumber_ids(root: ET.Element) -> None:
    """Keep only the ids something points to, renamed ``<hash>-<n>``; gids marked as
    classes become ``class`` attributes. The hash is of the content, so it is stable
    run to run and differs between charts inlined in the same page."""
    referenced: set[str] = set()
    for element in root.iter():
        for key, value in element.attrib.items():
            if key == "href" and value.startswith("#"):
                referenced.add(value[1:])
            referenced.update(re.findall(r"url\(#([^)]+)\)", value))
    for element in root.iter():
        old = element.attrib.pop("id", None)
        if old is None:
            continue
        if old.startswith(CLASS_GID):
            element.set("class", old.removeprefix(CLASS_GID))
        elif old in referenced:
            element.set("id", old)  # renamed below, once the content hash is known
    digest = hashlib.sha256(ET.tostring(root, encoding="unicode").encode()).hexdigest()[:10]
    renames = {old: f"c{digest}-{n}" for n, old in enumerate(sorted(referenced), start=1)}
    for element in root.iter():
        for key, value in list(element.attrib.items()):
            if key == "id" and value in renames:
                element.set(key, renames[value])
            elif key == "href" and value[1:] in renames:
                element.set(key, "#" + renames[value[1:]])
            elif "url(#" in value:
                element.set(
                    key, re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{renames[m[1]]})", value)
                )


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
