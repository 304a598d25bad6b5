"""Which canvas writes the report's charts: ElementTree (ours) or matplotlib (before)?

The charts compute their whole layout themselves (``reports/charts.py``); a canvas only
writes the resulting text, bars and rules as SVG. Until this benchmark's change that
canvas was a matplotlib figure; it is now a few ElementTree elements
(``reports.chart_svg.Canvas``). This renders the report's four bar chart kinds
(persons employed by region, enterprises by cooperative type, persons employed by the
21 ISIC sections, response rate by region) N times with each canvas, each in a fresh
interpreter, and prints per kind and overall: ms per chart (warm), the first chart's
cost (imports and start-up: what every rendering process pays), the whole run, peak
memory, and the ratio of the two. The world map is timed too, for information.

The matplotlib canvas below is the one the report used (same calls, same SVG
post-processing left out: it only moved styles into attributes); matplotlib is not a
runtime dependency any more: the bench environment has it (`make bench-install`).

Usage: .venv-bench/bin/python benchmarks/charts.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import io
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
MAP = {"US": 210000, "CA": 60000, "MX": 40000, "BR": 180000, "AR": 120000, "UY": 20000,
       "PY": 9000, "CO": 50000, "CR": 8000, "IT": 820000, "FR": 160000, "ES": 300000,
       "DE": 40000, "BE": 15000, "PT": 12000, "PL": 30000, "GB": 25000, "SE": 5000,
       "FI": 6000, "NL": 4000, "IE": 2000, "AT": 3000, "CZ": 20000, "MT": 400,
       "KE": 150000, "SN": 30000, "IN": 200000, "JP": 60000, "KR": 40000}  # fmt: skip
KINDS = ("region", "type", "sector", "response rate")
CANVASES = ("elementtree", "matplotlib")


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


class MatplotlibCanvas:
    """The canvas the charts had before: a matplotlib figure in points, y down."""

    def __init__(self, width_pt: float, height_pt: float) -> None:
        from matplotlib import font_manager
        from matplotlib.figure import Figure

        from reports.chart_svg import FONT_FILES

        if not getattr(MatplotlibCanvas, "fonts", False):
            for path in FONT_FILES.values():
                font_manager.fontManager.addfont(str(path))
            MatplotlibCanvas.fonts = True
        self.width, self.height = width_pt, height_pt
        self.figure = Figure(figsize=(width_pt / 72, height_pt / 72), dpi=72)
        self.figure.patch.set_visible(False)
        self.ax = self.figure.add_axes((0, 0, 1, 1))
        self.ax.set_axis_off()
        self.ax.set_xlim(0, width_pt)
        self.ax.set_ylim(height_pt, 0)

    def text(self, x: float, y: float, text: str, *, size: float = 7.5, bold: bool = False,
             color: str = "#1a1a1a", align: str = "left") -> None:  # fmt: skip
        self.ax.text(x, y, text, fontsize=size, fontweight="bold" if bold else "normal",
                     color=color, family="Noto Sans", ha=align, va="baseline", clip_on=False,
                     parse_math=False)  # fmt: skip

    def rect(self, x: float, y: float, w: float, h: float, color: str, css_class: str) -> None:
        from matplotlib.patches import Rectangle

        self.ax.add_patch(Rectangle((x, y), w, h, facecolor=color, edgecolor="none", lw=0,
                                    clip_on=False, gid=css_class))  # fmt: skip

    def line(self, xs: Sequence[float], ys: Sequence[float], color: str, width: float) -> None:
        self.ax.plot(xs, ys, color=color, lw=width, solid_capstyle="butt", clip_on=False)

    def svg(self, *, title: str, desc: str) -> str:
        from matplotlib import rc_context

        buffer = io.StringIO()
        with rc_context({"svg.fonttype": "none", "svg.hashsalt": "cicopa-charts"}):
            self.figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        return buffer.getvalue()


def charts(canvas: str) -> dict[str, Callable[[], str]]:
    from reports import charts as module

    if canvas == "matplotlib":
        module.Canvas = MatplotlibCanvas  # type: ignore[misc,assignment]
    found: dict[str, Callable[[], str]] = {}
    for kind, labels, values, fmt, marks in _cases():
        found[kind] = lambda l=labels, v=values, f=fmt, m=marks, k=kind: module.bar_chart_svg(  # noqa: E741
            l, v, title=k, format_value=f, highlight=[bool(x) for x in m],
            scale_max=1.0 if k == "response rate" else None,
        )  # fmt: skip
    return found


def measure(canvas: str, rounds: int) -> dict[str, Any]:
    """Run in a fresh interpreter: the first chart pays the imports and start-up."""
    started = time.perf_counter()
    drawn = charts(canvas)
    drawn[KINDS[0]]()
    first_ms = (time.perf_counter() - started) * 1000
    for kind in KINDS[1:]:  # one warm-up round for the others
        drawn[kind]()
    per_kind = {}
    for kind in KINDS:
        t0 = time.perf_counter()
        for _ in range(rounds):
            drawn[kind]()
        per_kind[kind] = (time.perf_counter() - t0) * 1000 / rounds
    result: dict[str, Any] = {
        "first_ms": first_ms,
        "per_kind_ms": per_kind,
        "total_s": time.perf_counter() - started,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if canvas == "elementtree":  # the map, for information: drawn without either canvas
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
    parser.add_argument("--child", choices=CANVASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.rounds)))
        return

    results = {}
    for canvas in CANVASES:
        command = [sys.executable, __file__, "--child", canvas, "--rounds", str(args.rounds)]
        completed = subprocess.run(command, check=True, capture_output=True, text=True)
        results[canvas] = json.loads(completed.stdout.strip().splitlines()[-1])

    ours, before = results["elementtree"], results["matplotlib"]
    print(f"{args.rounds} rounds of {len(KINDS)} charts, each canvas in its own interpreter")
    print(f"{'ms per chart':<26}{'ElementTree':>12}{'matplotlib':>12}{'ratio':>8}")
    for kind in KINDS:
        a, b = ours["per_kind_ms"][kind], before["per_kind_ms"][kind]
        print(f"{kind:<26}{a:>12.2f}{b:>12.2f}{b / a:>7.1f}x")
    mean_a = sum(ours["per_kind_ms"].values()) / len(KINDS)
    mean_b = sum(before["per_kind_ms"].values()) / len(KINDS)
    print(f"{'mean (warm)':<26}{mean_a:>12.2f}{mean_b:>12.2f}{mean_b / mean_a:>7.1f}x")
    print(f"{'first chart (cold)':<26}{ours['first_ms']:>12.0f}{before['first_ms']:>12.0f}"
          f"{before['first_ms'] / ours['first_ms']:>7.1f}x")  # fmt: skip
    print(f"{'whole run, s':<26}{ours['total_s']:>12.2f}{before['total_s']:>12.2f}"
          f"{before['total_s'] / ours['total_s']:>7.1f}x")  # fmt: skip
    print(f"{'peak RSS, MiB':<26}{ours['peak_mib']:>12.0f}{before['peak_mib']:>12.0f}")
    print(f"world map: first {ours['map_first_ms']:.0f} ms, then {ours['map_ms']:.1f} ms")


if __name__ == "__main__":
    main()
