"""Vector charts for the annual report: pure functions that return SVG text.

The report embeds the SVG inline in its HTML and WeasyPrint draws it, so the text of a
chart stays text in the PDF (searchable, copyable, in the report's own font). Every word
a reader sees comes from the caller (the report is translated into en/fr/es), and so do
the number formats (``format_value``): nothing here is English or locale-specific.

Engine: none. The layout (label wrapping, column widths, row heights) is computed here
in points from the committed font's advance widths (fontTools reads Noto Sans), so the
charts adapt to the longer French and Spanish labels, and ``chart_svg.Canvas`` writes
the few elements that result (text, bars, a rule) with ElementTree. matplotlib used to
write them: it was measured against altair + vl-convert and won (4.5x faster per
chart), but the report used it only as an SVG writer, and importing it cost every
rendering process about a second and 25 MiB.

Output contract, shared with ``reports/worldmap.py``:
- ``<svg role="img">`` whose first children are ``<title>`` (the title) and ``<desc>``
  (every figure, formatted by ``format_value``): the text alternative.
- ``width``/``height`` in mm (at most 170 mm, the text width of the A4 page with
  18 mm margins); the user unit is the point, so a 7.5 font size is 7.5 pt.
- Text uses ``font-family="'Report Sans', 'Noto Sans', sans-serif"``: "Report Sans" is
  the ``@font-face`` family of ``reports/static/report.css``; labels are 7.5 pt,
  titles 9 pt bold (as ``.chart-title``).
- Colours: the report's dark blue (#1f4e79, ``--accent`` in report.css) for bars, an
  orange accent (#e69f00, Okabe-Ito, colour-blind safe) for highlighted bars, which
  also differ in lightness (greyscale printing) and in weight (bold label and value).
- Deterministic: the same arguments give the same text (no date, no random id). A
  bar chart has no id at all; the map's are unique to it, so several drawings can be
  inlined in one HTML document. No external reference (no ``http:``, no ``file:``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reports.chart_svg import (
    ACCENT,
    BLUE,
    CAP_HEIGHT,
    INK,
    LABEL_PT,
    LINE_PT,
    TITLE_PT,
    Canvas,
    check_finite,
    check_width,
    describe_pairs,
    draw_title,
    text_width,
    wrap_text,
)

__all__ = ["bar_chart_svg"]


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
            css_class=f"bar bar-{i}{' highlight' if marked else ''}",
        )  # fmt: skip
        canvas.text(bar_x + length + gap_value, baseline, text, bold=marked)
        y += row_heights[i]
    # The zero line: bars start from a common baseline.
    canvas.line([bar_x, bar_x], [rows_top, height - 1.0], INK, 0.6)
    desc = describe_pairs((label, text) for label, text in zip(labels, texts, strict=True))
    return canvas.svg(title=title, desc=desc)
