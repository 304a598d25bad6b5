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

import math
from collections.abc import Callable, Mapping, Sequence

from reports.chart_svg import (
    ACCENT,
    BLUE,
    CAP_HEIGHT,
    CLASS_GID,
    GRID,
    INK,
    LABEL_PT,
    LINE_PT,
    MUTED,
    PT_PER_MM,
    SERIES_STYLES,
    TITLE_PT,
    Canvas,
    check_finite,
    check_width,
    describe_pairs,
    draw_title,
    nice_ticks,
    text_width,
    wrap_text,
)

__all__ = ["bar_chart_svg", "trend_chart_svg"]


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
    check_finite(values, "bar values")
    if any(v < 0 for v in values):
        raise ValueError("bar values must be >= 0")
    width = check_width(width_mm)

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
    rows_top = draw_title(None, title_lines, 0.0)
    row_heights = [max(bar_height, len(lines) * LINE_PT) + row_gap for lines in wrapped]
    height = rows_top + sum(row_heights) + 1.0

    canvas = Canvas(width, height)
    draw_title(canvas, title_lines, 0.0)
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
            gid=f"{CLASS_GID}bar bar-{i}{' highlight' if marked else ''}",
        )  # fmt: skip
        canvas.text(bar_x + length + gap_value, baseline, text, bold=marked)
        y += row_heights[i]
    # The zero line: bars start from a common baseline.
    canvas.line([bar_x, bar_x], [rows_top, height - 1.0], INK, 0.6)
    desc = describe_pairs((label, text) for label, text in zip(labels, texts, strict=True))
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
        check_finite(points, f"series {name!r}")
    width = check_width(width_mm)

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
    plot_top = draw_title(None, title_lines, 0.0) + 4.0
    plot_height = plot_height_mm * PT_PER_MM
    plot_bottom = plot_top + plot_height
    plot_left = tick_width + 5.0
    plot_right = width - legend_width - 12.0
    height = plot_bottom + 15.0

    canvas = Canvas(width, height)
    draw_title(canvas, title_lines, 0.0)

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
        canvas.ax.plot(xs, ys, gid=f"{CLASS_GID}series series-{index}", **style)
        sample_y = legend_y + (len(lines) - 1) * LINE_PT / 2
        canvas.ax.plot(
            [legend_x, legend_x + sample / 2, legend_x + sample],
            [sample_y] * 3,
            markevery=[1],
            gid=f"{CLASS_GID}legend-key legend-key-{index}",
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
