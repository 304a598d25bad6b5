"""Which engine draws the report's charts: matplotlib or altair + vl-convert?

Renders the report's five chart kinds (persons employed by region, enterprises by
cooperative type, persons employed by the 21 ISIC sections, response rate by region,
the three-year trend of the world and the four regions) N times with each engine, each
engine in a fresh interpreter, and prints per kind and overall: ms per chart (warm), the
first chart's cost (import + start-up), the whole run, peak memory, and the ratio of
the two engines. The world map is timed too for information (it uses neither engine).

- matplotlib: the report's own functions in ``reports/charts.py``.
- altair: the same charts written with altair 6 and converted by
  ``vl_convert.vegalite_to_svg``: same wrapped labels, value labels at the bar ends,
  highlight colour, markers and gaps, the committed Noto Sans registered for text
  measurement, English ARIA labels switched off.

altair and vl-convert are not runtime dependencies: install them with
`.tools/bin/uv sync --group bench` first.

Usage: .venv/bin/python benchmarks/charts.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cicopa.columns import ISIC_SECTIONS  # noqa: E402  (after the path is set)

# The 2025 sample's figures (out/2025/statistics), enough to size the charts alike.
REGIONS = ["Africa", "Americas", "Asia-Pacific", "Europe"]
TYPES = ["Worker cooperatives", "Social cooperatives", "Producers' cooperatives",
         "Multi-stakeholder cooperatives", "Other cooperatives"]  # fmt: skip
SECTOR_VALUES = [77468, 3566, 553147, 76461, 76688, 284019, 228412, 278467, 235092, 155703, 2405,
                 43603, 148402, 184445, 0, 132055, 90623, 218522, 176540, 34382, 0]  # fmt: skip
YEARS = [2023, 2024, 2025]
TREND = {
    "World": [2_900_000.0, 2_950_000.0, 3_000_000.0],
    "Africa": [240_000.0, None, 250_000.0],
    "Americas": [1_050_000.0, 1_080_000.0, 1_100_000.0],
    "Asia-Pacific": [330_000.0, 340_000.0, 350_000.0],
    "Europe": [1_280_000.0, 1_290_000.0, 1_300_000.0],
}
MAP = {"US": 210000, "CA": 60000, "MX": 40000, "BR": 180000, "AR": 120000, "UY": 20000,
       "PY": 9000, "CO": 50000, "CR": 8000, "IT": 820000, "FR": 160000, "ES": 300000,
       "DE": 40000, "BE": 15000, "PT": 12000, "PL": 30000, "GB": 25000, "SE": 5000,
       "FI": 6000, "NL": 4000, "IE": 2000, "AT": 3000, "CZ": 20000, "MT": 400,
       "KE": 150000, "SN": 30000, "IN": 200000, "JP": 60000, "KR": 40000}  # fmt: skip
KINDS = ("region", "type", "sector", "response rate", "trend")


def persons(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")  # what the French formatter gives


def percent(value: float) -> str:
    return f"{value * 100:.1f}\u00a0%"


def _cases() -> list[tuple[str, list[str], list[float], Callable[[float], str], list[bool]]]:
    sectors = [f"{code} {name}" for code, name in ISIC_SECTIONS.items()]
    return [
        ("region", REGIONS, [250000, 1100000, 350000, 1300000], persons, [0, 0, 0, 1]),
        ("type", TYPES, [43162, 8869, 9406, 4836, 1727], persons, [0] * 5),
        ("sector", sectors, SECTOR_VALUES, persons, [0] * 21),
        ("response rate", REGIONS, [1.0, 1.0, 1.0, 0.9286], percent, [0] * 4),
    ]  # type: ignore[list-item]


# ------------------------------------------------------------------------ engines
def matplotlib_engine() -> dict[str, Callable[[], str]]:
    from reports.charts import bar_chart_svg, trend_chart_svg

    charts: dict[str, Callable[[], str]] = {}
    for kind, labels, values, fmt, marks in _cases():
        charts[kind] = lambda l=labels, v=values, f=fmt, m=marks, k=kind: bar_chart_svg(  # noqa: E741
            l, v, title=k, format_value=f, highlight=[bool(x) for x in m],
            scale_max=1.0 if k == "response rate" else None,
        )  # fmt: skip
    charts["trend"] = lambda: trend_chart_svg(YEARS, TREND, title="trend", format_value=persons)
    return charts


def altair_engine() -> dict[str, Callable[[], str]]:
    import altair as alt
    import vl_convert as vlc

    from reports.chart_svg import LABEL_PT, PT_PER_MM, wrap_text

    vlc.register_font_directory(str(ROOT / "reports" / "static" / "fonts"))
    px = 4 / 3  # Vega sizes are CSS px
    width = 160 * PT_PER_MM * px
    config = {"font": "Noto Sans", "aria": False, "view": {"stroke": None},
              "axis": {"labelFontSize": LABEL_PT * px, "labelColor": "#1a1a1a"},
              "title": {"anchor": "start", "fontSize": 9 * px, "color": "#1f4e79"}}  # fmt: skip

    def bar(labels: Sequence[str], values: Sequence[float], fmt: Callable[[float], str],
            marks: Sequence[bool], title: str) -> str:  # fmt: skip
        rows = [
            {"label": "\n".join(wrap_text(label, 0.42 * width / px, LABEL_PT)), "value": value,
             "text": fmt(value), "mark": bool(mark), "order": i}
            for i, (label, value, mark) in enumerate(zip(labels, values, marks, strict=True))
        ]  # fmt: skip
        base = alt.Chart(alt.Data(values=rows)).encode(
            y=alt.Y("label:N", sort=alt.SortField("order"), title=None,
                    axis=alt.Axis(labelExpr="split(datum.label, '\\n')", ticks=False,
                                  labelLimit=0, domainColor="#1a1a1a")),
            x=alt.X("value:Q", axis=None),
        )  # fmt: skip
        bars = base.mark_bar(size=12).encode(
            color=alt.condition("datum.mark", alt.value("#e69f00"), alt.value("#1f4e79"))
        )
        # Vega-Lite has no font-weight channel: the highlighted values are their own layer.
        texts = [
            base.mark_text(align="left", dx=4, fontSize=LABEL_PT * px, fontWeight=weight)
            .encode(text="text:N")
            .transform_filter(test)
            for weight, test in (("normal", "!datum.mark"), ("bold", "datum.mark"))
        ]
        chart = alt.layer(bars, *texts).properties(
            width=0.5 * width, height={"step": 18}, title=title
        )
        return vlc.vegalite_to_svg(chart.configure(**config).to_dict())

    def trend() -> str:
        rows = [
            {"year": year, "series": name, "value": value}
            for name, points in TREND.items()
            for year, value in zip(YEARS, points, strict=True)
        ]
        ticks = [0, 500_000, 1_000_000, 1_500_000, 2_000_000, 2_500_000, 3_000_000]
        labels = "{" + ",".join(f'"{t}": "{persons(t)}"' for t in ticks) + "}"
        chart = (
            alt.Chart(alt.Data(values=rows))
            .mark_line(point=True, invalid="break-paths-filter-domains")  # None: a gap
            .encode(
                x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
                y=alt.Y("value:Q", title=None,
                        axis=alt.Axis(values=ticks, labelExpr=f"{labels}[toString(datum.value)]")),
                color=alt.Color("series:N", sort=list(TREND), title=None,
                                scale=alt.Scale(range=["#1f4e79", "#e69f00", "#1a1a1a",
                                                       "#8c8c8c", "#0072b2"])),
                shape=alt.Shape("series:N", sort=list(TREND), title=None),
                strokeDash=alt.StrokeDash("series:N", sort=list(TREND), title=None),
            )
            .properties(width=0.6 * width, height=45 * PT_PER_MM * px, title="trend")
        )  # fmt: skip
        return vlc.vegalite_to_svg(chart.configure(**config).to_dict())

    charts: dict[str, Callable[[], str]] = {}
    for kind, labels, values, fmt, marks in _cases():
        charts[kind] = lambda l=labels, v=values, f=fmt, m=marks, k=kind: bar(l, v, f, m, k)  # noqa: E741
    charts["trend"] = trend
    return charts


ENGINES = {"matplotlib": matplotlib_engine, "altair": altair_engine}


# ---------------------------------------------------------------------- measuring
def measure(engine: str, rounds: int, out: Path | None) -> dict[str, Any]:
    """Run in a fresh interpreter: the first chart pays the imports and start-up."""
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    charts = ENGINES[engine]()
    first = {kind: charts[kind]() for kind in KINDS[:1]}
    first_ms = (time.perf_counter() - started) * 1000
    for kind in KINDS[1:]:  # one warm-up round for the others
        first[kind] = charts[kind]()
    per_kind = {}
    for kind in KINDS:
        t0 = time.perf_counter()
        for _ in range(rounds):
            svg = charts[kind]()
        per_kind[kind] = (time.perf_counter() - t0) * 1000 / rounds
        if out is not None:
            (out / f"{engine}-{kind.replace(' ', '_')}.svg").write_text(svg, encoding="utf-8")
    result: dict[str, Any] = {
        "first_ms": first_ms,
        "per_kind_ms": per_kind,
        "total_s": time.perf_counter() - started,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if engine == "matplotlib":  # the map, for information: neither engine draws it
        from reports.worldmap import world_map_svg

        t0 = time.perf_counter()
        world_map_svg(MAP, legend_title="map", format_value=persons, no_data_label="-")
        result["map_first_ms"] = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        for _ in range(rounds):
            world_map_svg(MAP, legend_title="map", format_value=persons, no_data_label="-")
        result["map_ms"] = (time.perf_counter() - t0) * 1000 / rounds
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--save", type=Path, help="write each engine's SVGs to this folder")
    parser.add_argument("--child", choices=sorted(ENGINES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.rounds, args.save)))
        return

    results = {}
    for engine in ENGINES:
        command = [sys.executable, __file__, "--child", engine, "--rounds", str(args.rounds)]
        if args.save:
            command += ["--save", str(args.save)]
        completed = subprocess.run(command, check=True, capture_output=True, text=True)
        results[engine] = json.loads(completed.stdout.strip().splitlines()[-1])

    mpl, alt = results["matplotlib"], results["altair"]
    print(f"{args.rounds} rounds of {len(KINDS)} charts, each engine in its own interpreter")
    print(f"{'ms per chart':<26}{'matplotlib':>12}{'altair+vl':>12}{'ratio':>8}")
    for kind in KINDS:
        a, b = mpl["per_kind_ms"][kind], alt["per_kind_ms"][kind]
        print(f"{kind:<26}{a:>12.1f}{b:>12.1f}{b / a:>7.1f}x")
    mean_a = sum(mpl["per_kind_ms"].values()) / len(KINDS)
    mean_b = sum(alt["per_kind_ms"].values()) / len(KINDS)
    print(f"{'mean (warm)':<26}{mean_a:>12.1f}{mean_b:>12.1f}{mean_b / mean_a:>7.1f}x")
    print(f"{'first chart (cold)':<26}{mpl['first_ms']:>12.0f}{alt['first_ms']:>12.0f}"
          f"{alt['first_ms'] / mpl['first_ms']:>7.1f}x")  # fmt: skip
    print(f"{'whole run, s':<26}{mpl['total_s']:>12.2f}{alt['total_s']:>12.2f}"
          f"{alt['total_s'] / mpl['total_s']:>7.1f}x")  # fmt: skip
    print(f"{'peak RSS, MiB':<26}{mpl['peak_mib']:>12.0f}{alt['peak_mib']:>12.0f}")
    print(f"world map (no engine): first {mpl['map_first_ms']:.0f} ms, then {mpl['map_ms']:.1f} ms")


if __name__ == "__main__":
    main()
