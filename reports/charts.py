"""Vector charts for the annual report: pure functions that return SVG text.

The report embeds the SVG inline in its HTML and WeasyPrint draws it, so the text of a
chart stays text in the PDF (searchable, copyable, in the report's own font). Every word
a reader sees comes from the caller (the report is translated into en/fr/es), and so do
the number formats (``format_value``): nothing here is English or locale-specific.

Engine: matplotlib, chosen by measuring. ``benchmarks/charts.py`` renders the five
chart kinds 30 times with each engine, each in a fresh interpreter (2 CPUs shared with
other jobs, load 2-3, so absolute times are inflated; the ratio held at 4.3-4.5x over
three runs)::

    ms per chart (warm)          matplotlib 3.11.2   altair 6.3.0 + vl-convert 1.9.0
    persons by region (4 bars)          19.5                  79.1
    enterprises by type (5)             37.2                 196.0
    persons by sector (21)              77.2                 308.0
    response rate (4)                   25.5                 116.9
    trend (3 years x 5 series)          29.0                 142.5
    mean                                37.7                 168.5   (4.5x)
    first chart, cold process         2203 ms               1769 ms (imports, V8 start)
    whole run (150 charts)             8.0 s                28.0 s   (3.5x)
    peak RSS                           88 MiB               188 MiB

A report build draws 6 figures x 3 languages, so the per-chart cost dominates the cold
start. Of altair's time about 60 % is vl-convert itself (Vega's text measurement makes
the long sector labels dear) and 40 % altair building and validating the spec. The
altair output was no better either: out of the box it writes English ARIA labels
("Y-axis for a discrete scale with ..."), does not grow a row for a two-line label
(the lines overlap the next row), splits the series legend by channel, and needs a
Vega-Lite 6 ``invalid`` mode for a missing year not to be drawn as zero. So altair and
vl-convert can leave the dependencies; matplotlib stays.

matplotlib is used as a drawing surface: the layout (label wrapping, column widths, row
heights, ticks) is computed here in points from the committed font's advance widths
(fontTools reads Noto Sans), so the charts adapt to the longer French and Spanish
labels, and matplotlib writes the SVG (``svg.fonttype = none``: text stays text).

Output contract, shared with ``reports/worldmap.py``:
- ``<svg role="img">`` whose first children are ``<title>`` (the title) and ``<desc>``
  (every figure, formatted by ``format_value``): the text alternative.
- ``width``/``height`` in mm (at most 170 mm, the text width of the A4 page with
  18 mm margins); the user unit is the point, so a 7.5 font size is 7.5 pt.
- Text uses ``font-family="'Report Sans', 'Noto Sans', sans-serif"``: "Report Sans" is
  the ``@font-face`` family of ``reports/static/report.css``; labels are 7.5 pt,
  titles 9 pt bold (as ``.chart-title``).
- Colours: the report's dark blue (#1f4e79, ``--accent`` in report.css) for bars and
  the first series, an orange accent (#e69f00, Okabe-Ito, colour-blind safe) for
  highlighted bars; every distinction also differs in lightness (greyscale printing)
  and in a second channel (bold labels, marker shape, dash pattern).
- Deterministic: the same arguments give the same text (no date, fixed hash salt, ids
  derived from the content), and ids are unique per chart, so several charts can be
  inlined in one HTML document. No external reference (no ``http:``, no ``file:``).
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["bar_chart_svg", "trend_chart_svg"]

# ---------------------------------------------------------------- style constants
# The report's committed fonts (reports/static/fonts); not via reports.fetcher, which
# would import WeasyPrint into every process that only draws a chart.
FONT_DIR = Path(__file__).resolve().parent / "static" / "fonts"
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
_CLASS_GID = "cls:"


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


def _check_width(width_mm: float) -> float:
    if not MIN_WIDTH_MM <= width_mm <= MAX_WIDTH_MM:
        raise ValueError(f"width_mm must be within {MIN_WIDTH_MM}..{MAX_WIDTH_MM}, not {width_mm}")
    return width_mm * PT_PER_MM


def _check_finite(values: Iterable[float | None], what: str) -> None:
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


class _Canvas:
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
        if old.startswith(_CLASS_GID):
            element.set("class", old.removeprefix(_CLASS_GID))
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


def _title_lines(canvas: _Canvas | None, lines: Sequence[str], top: float) -> float:
    """Draw (or only measure, without a canvas) the title; returns the y below it."""
    y = top
    for line in lines:
        y += TITLE_LINE_PT
        if canvas is not None:
            canvas.text(0, y - 2.5, line, size=TITLE_PT, bold=True, color=BLUE)
    return y + (5.0 if lines else 0.0)


def _describe(pairs: Iterable[tuple[str, str]]) -> str:
    return "; ".join(f"{label}: {value}" for label, value in pairs) + "."


# ----------------------------------------------------------------------- the charts
def bar_chart_svg(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    format_value: Callable[[float], str],
    width_mm: float = 160,
    highlight: Sequence[bool] | None = None,
    show_title: bool = True,
    scale_max: float | None = None,
) -> str:
    """Horizontal bars, one per label, in the order given, the value printed at the end.

    ``highlight`` marks bars drawn in the accent colour with bold label and value (so
    the mark does not rest on hue alone). ``show_title=False`` leaves the title out of
    the drawing (it stays in ``<title>``) when the page already captions the figure.
    ``scale_max`` fixes the length of a full bar, e.g. 1.0 for rates; by default the
    longest bar fills the width. Values must be finite and >= 0.
    """
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels but {len(values)} values")
    highlight = list(highlight) if highlight is not None else [False] * len(values)
    if len(highlight) != len(values):
        raise ValueError(f"{len(highlight)} highlight flags for {len(values)} values")
    _check_finite(values, "bar values")
    if any(v < 0 for v in values):
        raise ValueError("bar values must be >= 0")
    width = _check_width(width_mm)

    texts = [format_value(v) for v in values]
    value_width = max(
        (text_width(t, LABEL_PT, bold=h) for t, h in zip(texts, highlight, strict=True)),
        default=0.0,
    )
    gap_label, gap_value = 6.0, 3.0
    # Labels get up to 42 % of the width, less if the values need it; bars keep >= 30 %.
    label_max = min(0.42 * width, width - value_width - gap_label - gap_value - 0.30 * width)
    wrapped = [
        wrap_text(label, label_max, LABEL_PT, bold=h)
        for label, h in zip(labels, highlight, strict=True)
    ]
    label_width = max(
        (text_width(line, LABEL_PT, bold=h) for lines, h in zip(wrapped, highlight, strict=True)
         for line in lines),
        default=0.0,
    )  # fmt: skip
    bar_x = label_width + gap_label
    bar_span = width - bar_x - gap_value - value_width - 1.0
    top_max = scale_max if scale_max is not None else max(values, default=0.0)
    scale = bar_span / top_max if top_max > 0 else 0.0

    bar_height, row_gap = 9.0, 4.0
    title_lines = wrap_text(title, width, TITLE_PT, bold=True) if show_title else []
    rows_top = _title_lines(None, title_lines, 0.0)
    row_heights = [max(bar_height, len(lines) * LINE_PT) + row_gap for lines in wrapped]
    height = rows_top + sum(row_heights) + 1.0

    canvas = _Canvas(width, height)
    _title_lines(canvas, title_lines, 0.0)
    y = rows_top
    for i, (lines, value, text, marked) in enumerate(
        zip(wrapped, values, texts, highlight, strict=True)
    ):
        centre = y + row_heights[i] / 2
        baseline = centre + CAP_HEIGHT * LABEL_PT / 2
        first = baseline - (len(lines) - 1) * LINE_PT / 2
        for j, line in enumerate(lines):
            canvas.text(0, first + j * LINE_PT, line, bold=marked)
        length = value * scale
        canvas.rect(
            bar_x, centre - bar_height / 2, length, bar_height, ACCENT if marked else BLUE,
            gid=f"{_CLASS_GID}bar bar-{i}{' highlight' if marked else ''}",
        )  # fmt: skip
        canvas.text(bar_x + length + gap_value, baseline, text, bold=marked)
        y += row_heights[i]
    # The zero line: bars start from a common baseline.
    canvas.line([bar_x, bar_x], [rows_top, height - 1.0], INK, 0.6)
    desc = _describe((label, text) for label, text in zip(labels, texts, strict=True))
    return canvas.svg(title=title, desc=desc)


def trend_chart_svg(
    years: Sequence[int],
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    format_value: Callable[[float], str],
    width_mm: float = 160,
    show_title: bool = True,
    plot_height_mm: float = 45,
    missing_label: str = "–",
) -> str:
    """Lines with markers over the years, one per series (legend names = the keys).

    ``None`` is a missing year: the line breaks there and has no marker (a gap, never a
    zero). Series are told apart by colour lightness, marker shape and dash pattern; the
    legend on the right lists them in the order given. ``missing_label`` stands for a
    missing figure in the text alternative (an en dash unless the caller has a word).
    """
    if not years:
        raise ValueError("a trend needs at least one year")
    for name, points in series.items():
        if len(points) != len(years):
            raise ValueError(f"series {name!r} has {len(points)} values for {len(years)} years")
        _check_finite(points, f"series {name!r}")
    width = _check_width(width_mm)

    present = [v for points in series.values() for v in points if v is not None]
    low = min(present, default=0.0)
    ticks = nice_ticks(max(present, default=0.0))
    if low < 0:  # an index below its base year, or a negative figure: ticks below 0
        # The same step as above zero, so the labels keep their spacing (no -0.2 beside 5).
        step = ticks[1] - ticks[0] if len(ticks) > 1 else nice_ticks(-low)[-1]
        below = math.ceil(-low / step - 1e-9)
        ticks = [-step * k for k in range(below, 0, -1)] + ticks
    tick_texts = [format_value(t) for t in ticks]
    tick_width = max(text_width(t, LABEL_PT) for t in tick_texts)

    # Legend: a line sample with its marker, then the name (wrapped to 30 % of the width).
    sample, sample_gap = 18.0, 4.0
    legend_names = [wrap_text(name, 0.30 * width, LABEL_PT, max_lines=2) for name in series]
    legend_width = (
        sample
        + sample_gap
        + max((text_width(line, LABEL_PT) for lines in legend_names for line in lines), default=0.0)
    )

    title_lines = wrap_text(title, width, TITLE_PT, bold=True) if show_title else []
    plot_top = _title_lines(None, title_lines, 0.0) + 4.0
    plot_height = plot_height_mm * PT_PER_MM
    plot_bottom = plot_top + plot_height
    plot_left = tick_width + 5.0
    plot_right = width - legend_width - 12.0
    height = plot_bottom + 15.0

    canvas = _Canvas(width, height)
    _title_lines(canvas, title_lines, 0.0)

    def y_of(value: float) -> float:
        return plot_bottom - (value - ticks[0]) / (ticks[-1] - ticks[0]) * plot_height

    # Years at their distance in time; inset so the end markers clear the frame.
    inset = 14.0
    first_year, last_year = min(years), max(years)
    span = (last_year - first_year) or 1

    def x_of(year: int) -> float:
        if first_year == last_year:
            return (plot_left + plot_right) / 2
        return plot_left + inset + (year - first_year) / span * (plot_right - plot_left - 2 * inset)

    for tick, text in zip(ticks, tick_texts, strict=True):
        y = y_of(tick)
        canvas.line(
            [plot_left, plot_right], [y, y], INK if tick == 0 else GRID, 0.6 if tick == 0 else 0.5
        )
        canvas.text(
            plot_left - 4.0, y + CAP_HEIGHT * LABEL_PT / 2, text, align="right", color=MUTED
        )
    for year in years:
        canvas.text(x_of(year), plot_bottom + 11.0, str(year), align="center", color=MUTED)

    legend_y = plot_top + 4.0
    legend_x = width - legend_width
    for index, (points, lines) in enumerate(zip(series.values(), legend_names, strict=True)):
        color, marker, dash, line_width = SERIES_STYLES[index % len(SERIES_STYLES)]
        xs = [x_of(year) for year in years]
        ys = [math.nan if v is None else y_of(v) for v in points]
        style = {"color": color, "marker": marker, "markersize": 4.5, "markeredgecolor": "white",
                 "markeredgewidth": 0.5, "lw": line_width, "linestyle": dash, "clip_on": False,
                 "dash_capstyle": "butt"}  # fmt: skip
        # matplotlib breaks a line at NaN and draws no marker there: the gap.
        canvas.ax.plot(xs, ys, gid=f"{_CLASS_GID}series series-{index}", **style)
        sample_y = legend_y + (len(lines) - 1) * LINE_PT / 2
        canvas.ax.plot(
            [legend_x, legend_x + sample / 2, legend_x + sample],
            [sample_y] * 3,
            markevery=[1],
            gid=f"{_CLASS_GID}legend-key legend-key-{index}",
            **style,
        )
        for j, line in enumerate(lines):
            canvas.text(
                legend_x + sample + sample_gap, legend_y + j * LINE_PT + CAP_HEIGHT * LABEL_PT / 2,
                line,
            )  # fmt: skip
        legend_y += len(lines) * LINE_PT + 4.0

    desc = " ".join(
        f"{name}: "
        + "; ".join(
            f"{year} {missing_label if v is None else format_value(v)}"
            for year, v in zip(years, points, strict=True)
        )
        + "."
        for name, points in series.items()
    )
    return canvas.svg(title=title, desc=desc)
