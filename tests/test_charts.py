"""The report's SVG charts and world map: structure, text alternative, determinism,
shading, palette, and that WeasyPrint draws them with their text as text."""

from __future__ import annotations

import hashlib
import io
import itertools
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cicopa.columns import ISIC_SECTIONS
from reports.chart_svg import ACCENT, BLUE, FONT_FAMILY, PT_PER_MM, text_width
from reports.charts import bar_chart_svg
from reports.mapshapes import world
from reports.worldmap import (
    MAX_RADIUS_PT,
    MEMBER_FILL,
    MIN_RADIUS_PT,
    NO_DATA,
    SYMBOL_FILL,
    countries_on_map,
    legend_values,
    shaded_countries,
    symbol_radii,
    world_map_svg,
)

ROOT = Path(__file__).resolve().parents[1]
NS = "{http://www.w3.org/2000/svg}"

REGIONS = ["Africa", "Americas", "Asia-Pacific", "Europe"]
SECTORS = [f"{code} {name}" for code, name in ISIC_SECTIONS.items()]
# The sample's 29 member countries, with figures of the sample's size.
MEMBER_COUNTRIES = {
    "US": 210000, "CA": 60000, "MX": 40000, "BR": 180000, "AR": 120000, "UY": 20000,
    "PY": 9000, "CO": 50000, "CR": 8000, "IT": 820000, "FR": 160000, "ES": 300000,
    "DE": 40000, "BE": 15000, "PT": 12000, "PL": 30000, "GB": 25000, "SE": 5000,
    "FI": 6000, "NL": 4000, "IE": 2000, "AT": 3000, "CZ": 20000, "MT": 400,
    "KE": 150000, "SN": 30000, "IN": 200000, "JP": 60000, "KR": 40000,
}  # fmt: skip


def spaced(value: float) -> str:
    """A French-style formatter: 1 300 000 with narrow no-break spaces."""
    return f"{value:,.0f}".replace(",", "\u202f")


def dotted(value: float) -> str:
    """A Spanish-style formatter: 1.300.000."""
    return f"{value:,.0f}".replace(",", ".")


def percent(value: float) -> str:
    return f"{value * 100:.1f}\u00a0%"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}text")]


def desc(root: ET.Element) -> str:
    return root.find(f"{NS}desc").text or ""


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in e.get("class", "").split()]


def sector_chart() -> str:
    values = [1000.0 * (i + 1) for i in range(len(SECTORS))]
    return bar_chart_svg(SECTORS, values, title="Persons employed by sector", format_value=spaced)


def region_chart(**options) -> str:
    return bar_chart_svg(
        REGIONS,
        [250_000, 1_100_000, 350_000, 1_300_000],
        title="Persons employed by region",
        format_value=spaced,
        **options,
    )


def member_map() -> str:
    return world_map_svg(
        MEMBER_COUNTRIES,
        legend_title="Persons employed",
        format_value=spaced,
        no_data_label="No member organisation",
        country_names={"IT": "Italia", "MT": "Malta"},
        data_label="Country with a member",
        scale_note="Circle area proportional to persons employed.",
        inset_label="Europe",
    )


ALL_KINDS = {
    "bar": lambda: region_chart(highlight=[False, False, False, True]),
    "sector": sector_chart,
    "rate": lambda: bar_chart_svg(
        REGIONS,
        [1.0, 1.0, 1.0, 0.9286],
        title="Response rate",
        format_value=percent,
        scale_max=1.0,
    ),
    "map": member_map,
}


# ------------------------------------------------------------------- every SVG kind
@pytest.mark.parametrize("kind", sorted(ALL_KINDS))
def test_accessible_self_contained_svg_sized_in_mm(kind: str) -> None:
    svg = ALL_KINDS[kind]()
    root = parse(svg)
    assert root.get("role") == "img"
    first, second = list(root)[:2]
    assert first.tag == f"{NS}title" and first.text
    assert second.tag == f"{NS}desc" and second.text
    # Width in mm within the A4 text width; the user unit is the point.
    width_mm = float(root.get("width").removesuffix("mm"))
    height_mm = float(root.get("height").removesuffix("mm"))
    assert 60 <= width_mm <= 170 and 0 < height_mm < 250
    _, _, view_w, view_h = (float(v) for v in root.get("viewBox").split())
    assert view_w == pytest.approx(width_mm * PT_PER_MM, abs=0.01)
    assert view_h == pytest.approx(height_mm * PT_PER_MM, abs=0.01)
    # Text in the report's font, never smaller than 7 pt.
    assert "Report Sans" in root.get("font-family")
    assert root.get("font-family") == FONT_FAMILY
    sizes = [float(e.get("font-size")) for e in root.iter() if e.get("font-size")]
    assert sizes and min(sizes) >= 7
    assert all(t.get("style") is None for t in root.iter(f"{NS}text"))
    # Nothing outside the SVG is fetched: no links, no files, no images, no CSS imports.
    for pattern in ('href="http', "file:", "url(http", "<image", "@import", "<script"):
        assert pattern not in svg
    for element in root.iter():
        href = element.get("href")
        assert href is None or href.startswith("#")


@pytest.mark.parametrize("kind", sorted(ALL_KINDS))
def test_same_arguments_same_svg_text(kind: str) -> None:
    assert ALL_KINDS[kind]() == ALL_KINDS[kind]()


def test_same_svg_in_a_fresh_interpreter() -> None:
    """Run to run, not only call to call: hash salts, ids and dict order are fixed."""
    here = hashlib.sha256(
        "".join(ALL_KINDS[k]() for k in ("bar", "sector", "map")).encode()
    ).hexdigest()
    code = (
        "import hashlib; from tests.test_charts import ALL_KINDS; "
        "print(hashlib.sha256(''.join(ALL_KINDS[k]() for k in ('bar', 'sector', 'map'))"
        ".encode()).hexdigest())"
    )
    there = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    assert there == here


def test_ids_are_unique_to_each_chart_and_references_resolve() -> None:
    """Several charts are inlined in one HTML page: an id must not repeat across them."""
    seen: set[str] = set()
    for kind in sorted(ALL_KINDS):
        root = parse(ALL_KINDS[kind]())
        ids = [e.get("id") for e in root.iter() if e.get("id")]
        assert len(ids) == len(set(ids))
        assert not seen & set(ids)
        seen |= set(ids)
        for element in root.iter():
            targets = re.findall(r"url\(#([^)]+)\)", " ".join(element.attrib.values()))
            if element.get("href"):
                targets.append(element.get("href").removeprefix("#"))
            assert set(targets) <= set(ids)


# ----------------------------------------------------------------------- bar charts
def test_bar_chart_has_title_every_label_and_value() -> None:
    root = parse(sector_chart())
    assert root.find(f"{NS}title").text == "Persons employed by sector"
    drawn = " ".join(texts(root))
    assert "Persons employed by sector" in drawn
    for i, label in enumerate(SECTORS):
        assert label in drawn  # a long label wraps into consecutive lines, in order
        assert f"{label}: {spaced(1000.0 * (i + 1))}" in desc(root)
        assert spaced(1000.0 * (i + 1)) in texts(root)
    assert len(by_class(root, "bar")) == len(SECTORS)


@pytest.mark.parametrize("width_mm", [90, 160, 170])
def test_long_labels_wrap_clear_of_the_bars_and_values_fit(width_mm: float) -> None:
    """No label runs into its bar, no value label off the right edge, rows don't overlap."""
    spanish = [f"{s} y otras actividades de la economía social" for s in SECTORS[:6]]
    values = [553_147.0, 3_566.0, 0.0, 284_019.0, 1_234_567.0, 42.0]
    root = parse(bar_chart_svg(spanish, values, title="t", format_value=dotted,
                               width_mm=width_mm, show_title=False))  # fmt: skip
    width = float(root.get("viewBox").split()[2])
    bar_x = {
        round(float(b.find(f"{NS}path").get("d").split()[1]), 3) for b in by_class(root, "bar")
    }
    assert len(bar_x) == 1
    (start,) = bar_x
    labels = [t for t in root.iter(f"{NS}text") if float(t.get("x")) == 0]
    assert len(labels) > len(spanish)  # they had to wrap
    for label in labels:
        assert text_width(label.text, 7.5) <= start - 3
    for value in (t for t in root.iter(f"{NS}text") if float(t.get("x")) > start):
        assert float(value.get("x")) + text_width(value.text, 7.5) <= width
    baselines = sorted(float(t.get("y")) for t in labels)
    assert all(b - a >= 8.5 for a, b in itertools.pairwise(baselines))


def test_bar_chart_text_alternative_uses_the_callers_format() -> None:
    root = parse(region_chart())
    assert desc(root) == (
        "Africa: 250\u202f000; Americas: 1\u202f100\u202f000; Asia-Pacific: 350\u202f000; "
        "Europe: 1\u202f300\u202f000."
    )
    rates = parse(
        bar_chart_svg(REGIONS, [1, 1, 1, 0.9286], title="Rate", format_value=percent)
    )  # fmt: skip
    assert "Europe: 92.9\u00a0%" in desc(rates)
    assert "92.9\u00a0%" in texts(rates)


def test_bars_are_proportional_and_share_a_baseline() -> None:
    root = parse(region_chart())
    boxes = []
    for bar in by_class(root, "bar"):
        numbers = [float(n) for n in re.findall(r"-?\d+\.?\d*", bar.find(f"{NS}path").get("d"))]
        xs = numbers[0::2]
        boxes.append((min(xs), max(xs) - min(xs)))
    assert len({round(x, 3) for x, _ in boxes}) == 1
    lengths = [w for _, w in boxes]
    assert lengths[1] / lengths[3] == pytest.approx(1_100_000 / 1_300_000, rel=1e-3)


def test_highlight_is_colour_and_weight() -> None:
    root = parse(region_chart(highlight=[False, False, False, True]))
    bars = by_class(root, "bar")
    fills = [b.find(f"{NS}path").get("fill") for b in bars]
    assert fills == [BLUE, BLUE, BLUE, ACCENT]
    assert by_class(root, "highlight") == [bars[3]]
    bold = {t.text for t in root.iter(f"{NS}text") if t.get("font-weight") in {"700", "bold"}}
    assert {"Europe", spaced(1_300_000)} <= bold
    assert "Africa" not in bold


def test_title_can_stay_out_of_the_drawing() -> None:
    root = parse(region_chart(show_title=False))
    assert root.find(f"{NS}title").text == "Persons employed by region"
    assert "Persons employed by region" not in texts(root)


def test_bar_chart_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="labels"):
        bar_chart_svg(["a", "b"], [1.0], title="t", format_value=str)
    with pytest.raises(ValueError, match="width_mm"):
        bar_chart_svg(["a"], [1.0], title="t", format_value=str, width_mm=180)
    with pytest.raises(ValueError, match=">= 0"):
        bar_chart_svg(["a"], [-1.0], title="t", format_value=str)
    with pytest.raises(ValueError, match="finite"):
        bar_chart_svg(["a"], [float("nan")], title="t", format_value=str)


def test_untrusted_text_is_escaped_not_markup() -> None:
    label = '<script>alert(1)</script> & "Co"'
    svg = bar_chart_svg([label], [5.0], title="<b>t</b>", format_value=str)
    root = parse(svg)
    assert "<script>" not in svg and not list(root.iter(f"{NS}script"))
    assert label in " ".join(texts(root))
    assert root.find(f"{NS}title").text == "<b>t</b>"
    dollars = parse(bar_chart_svg(["US$ 5 and $x$"], [5.0], title="t", format_value=str))
    assert "US$ 5 and $x$" in texts(dollars)  # text as given, never math markup


# ------------------------------------------------------------------------- the map
def test_every_member_country_has_a_shape() -> None:
    assert set(MEMBER_COUNTRIES) <= countries_on_map()
    assert len(countries_on_map()) > 200


EUROPEAN = {"IT", "FR", "ES", "DE", "BE", "PT", "PL", "GB", "SE", "FI", "NL", "IE", "AT", "CZ",
            "MT"}  # fmt: skip


def test_map_marks_exactly_the_member_countries() -> None:
    svg = member_map()
    assert shaded_countries(svg) == set(MEMBER_COUNTRIES)
    root = parse(svg)
    fills = {g.get("fill") for g in root.iter(f"{NS}g") if g.get("data-country")}
    assert fills == {MEMBER_FILL}
    # Every other country is drawn in grey, in the one path of each map's no-data layer.
    layers = [g for g in root.iter(f"{NS}g") if g.get("class") == "no-data"]
    assert len(layers) == 2 and all(g.get("fill") == NO_DATA for g in layers)
    russia = next(c for c in world().countries if c.code == "RU")
    rings = [dict(s.attrs)["d"] for s in russia.shapes if s.kind == "path"]
    grey = "".join(p.get("d") for g in layers for p in g.iter(f"{NS}path"))
    assert rings and all(ring in grey for ring in rings)
    assert not any(g.get("data-country") == "RU" for g in root.iter(f"{NS}g"))
    # One circle per member country, never two; none for any other country.
    symbols = symbol_radii(svg)
    assert set(symbols) == set(MEMBER_COUNTRIES)
    assert all(len(circles) == 1 for circles in symbols.values())


def test_europe_is_drawn_in_its_inset_at_a_legible_scale() -> None:
    svg = member_map()
    symbols = symbol_radii(svg)
    assert {code for code, [(part, _)] in symbols.items() if part == "inset"} == EUROPEAN
    root = parse(svg)
    inset = next(g for g in root.iter(f"{NS}g") if g.get("class") == "inset")
    world_part = next(g for g in root.iter(f"{NS}g") if g.get("class") == "world")

    def scale_of(group: ET.Element) -> float:
        countries = next(g for g in group if g.get("class") == "countries")
        return float(re.search(r"scale\(([\d.]+)\)", countries.get("transform")).group(1))

    # Europe's countries at least four times as large as in the world map.
    assert scale_of(inset) >= 4 * scale_of(world_part)
    # The inset is clipped to its frame, and the clip path is defined in this SVG.
    clip = re.fullmatch(r"url\(#(.+)\)", inset.get("clip-path")).group(1)
    assert any(e.get("id") == clip for e in root.iter(f"{NS}clipPath"))
    assert "Europe" in texts(root)


def test_circle_area_is_proportional_to_the_value() -> None:
    radii = {code: circles[0][1] for code, circles in symbol_radii(member_map()).items()}
    assert radii["IT"] == pytest.approx(MAX_RADIUS_PT, abs=0.01)  # the largest: 820,000
    # Spain 300,000 against Italy 820,000: area ratio 300/820, radius ratio its root.
    assert radii["ES"] / radii["IT"] == pytest.approx((300 / 820) ** 0.5, abs=0.002)
    assert radii["US"] / radii["BR"] == pytest.approx((210 / 180) ** 0.5, abs=0.002)
    # Malta (400) would be 0.35 pt across: kept as a visible dot.
    assert radii["MT"] == pytest.approx(MIN_RADIUS_PT, abs=0.01)
    ordered = sorted(MEMBER_COUNTRIES, key=MEMBER_COUNTRIES.__getitem__)
    assert [radii[c] for c in ordered] == sorted(radii[c] for c in ordered)


def test_map_legend_and_text_alternative() -> None:
    root = parse(member_map())
    drawn = texts(root)
    for word in ("Persons employed", "No member organisation", "Country with a member",
                 "Circle area proportional to persons employed."):  # fmt: skip
        assert word in drawn
    # Rounded reference values (1, 2 or 5 x 10^n), not class limits from the data.
    labels = [t.text for t in root.iter(f"{NS}text") if t.get("class") == "reference-label"]
    assert labels == [spaced(500_000), spaced(100_000), spaced(20_000)]
    assert not [t for t in drawn if " – " in t]
    text = desc(root)
    assert text.startswith("Persons employed: Italia: 820\u202f000; ES: 300\u202f000;")
    assert "Malta: 400." in text
    assert all(f"{spaced(v)}" in text for v in MEMBER_COUNTRIES.values())


def test_legend_values() -> None:
    assert legend_values(820_000) == [500_000, 100_000, 20_000]
    assert legend_values(1_000_000) == [1_000_000, 200_000, 50_000]
    assert legend_values(594_675) == [500_000, 100_000, 20_000]
    assert legend_values(7) == [5, 1]
    assert legend_values(3) == [2]
    assert legend_values(0) == []


def test_map_edge_cases() -> None:
    empty = world_map_svg({}, legend_title="T", format_value=spaced, no_data_label="none")
    assert shaded_countries(empty) == set() and symbol_radii(empty) == {}
    one = world_map_svg({"FR": 7}, legend_title="T", format_value=spaced, no_data_label="none")
    assert shaded_countries(one) == {"FR"}
    assert symbol_radii(one) == {"FR": [("inset", MAX_RADIUS_PT)]}
    assert "5" in texts(parse(one))
    unknown = world_map_svg(
        {"FR": 7, "ZZ": 3}, legend_title="T", format_value=spaced, no_data_label="none",
        not_on_map_label="Not on the map", country_names={"ZZ": "Zedland"},
    )  # fmt: skip
    assert shaded_countries(unknown) == {"FR"}
    assert "Not on the map: Zedland" in texts(parse(unknown))
    with pytest.raises(ValueError, match="upper case"):
        world_map_svg({"fr": 1}, legend_title="T", format_value=spaced, no_data_label="n")
    with pytest.raises(ValueError, match=">= 0"):
        world_map_svg({"FR": -1}, legend_title="T", format_value=spaced, no_data_label="n")


# ------------------------------------------------------------------------ palette
def _lightness(colour: str) -> float:
    """CIE L* (what is left of a colour in greyscale)."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    y = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return 116 * y ** (1 / 3) - 16 if y > 0.008856 else 903.3 * y


def test_palette_survives_greyscale() -> None:
    steps = [_lightness(c) for c in (NO_DATA, MEMBER_FILL, SYMBOL_FILL)]
    assert all(a - b >= 9 for a, b in itertools.pairwise(steps))
    assert _lightness(ACCENT) - _lightness(BLUE) >= 30


# -------------------------------------------------------------- drawn by WeasyPrint
def test_weasyprint_draws_the_charts_with_text_as_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from pypdf import PdfReader
    from weasyprint import HTML

    from reports.fetcher import STATIC_DIR, ReportURLFetcher

    figures = "".join(f"<figure>{ALL_KINDS[k]()}</figure>" for k in ("bar", "sector", "map"))
    html = (
        '<html><head><link rel="stylesheet" href="report.css"></head>'
        f"<body><p>Figures</p>{figures}</body></html>"
    )
    pdf = HTML(
        string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=ReportURLFetcher()
    ).write_pdf()
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    for word in ("Persons employed by region", "Asia-Pacific", "No member organisation",
                 "Persons employed by sector", "Manufacturing"):  # fmt: skip
        assert word in text
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in (page["/Resources"].get("/Font") or {}).values()
    }
    # The report's @font-face "Report Sans" (the committed Noto Sans) drew every text.
    assert fonts and all("Report-Sans" in f for f in fonts)
    # No "unknown property" noise: the SVG carries presentation attributes, not styles.
    # Only WeasyPrint's warnings about the document count: the one saying the machine
    # lacks HarfBuzz-Subset (Debian's libharfbuzz-subset0; fontTools then subsets the
    # same glyphs) is about the machine, not the drawing.
    assert not [
        r.getMessage()
        for r in caplog.records
        if r.levelname == "WARNING"
        and r.name.startswith("weasyprint")
        and "HarfBuzz-Subset" not in r.getMessage()
    ]
    (tmp_path / "charts.pdf").write_bytes(pdf)
