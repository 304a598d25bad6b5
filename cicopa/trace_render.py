"""How `cicopa trace` shows a trace: the fixed-width table and the CSV (cicopa.trace
computes it)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import polars as pl

from cicopa.outputs import csv_bytes
from cicopa.trace import RATIOS, Trace, format_value

CSV_COLUMNS = (
    "year", "area_code", "measure", "member_id", "member_name", "country", "file", "sha256",
    "contribution",
)  # fmt: skip


def _clean(text: object, width: int | None = None) -> str:
    """Untrusted text for a terminal: no control or bidi characters, optionally shortened."""
    if text is None:
        return "—"
    cleaned = "".join("�" if unicodedata.category(c).startswith("C") else c for c in str(text))
    if width is not None and len(cleaned) > width:
        cleaned = cleaned[: width - 1] + "…"
    return cleaned


def _table(headers: Sequence[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)
        ]
        return "  " + "  ".join(parts).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def render_table(result: Trace) -> str:
    """The fixed-width report printed by `cicopa trace`."""
    measure = result.measure
    out = [
        f"Trace of {measure} for {_clean(result.area_name)} ({result.area_code}, "
        f"{result.level}), reference year {result.year}",
        f"published figure: {result.published_path}",
    ]
    if result.kind == "ratio":
        num, den = RATIOS[measure]
        out.append(f"{measure} is a ratio, not a sum: {num} / {den}, per entry below")
    out.append("")
    noun = "Registered members" if measure == "response_rate" else "Accepted submissions"
    out.append(f"{noun} contributing ({len(result.contributions)})")
    value_headers = ["numerator", "denominator"] if result.kind == "ratio" else ["contribution"]
    headers = ["member_id", "member", "country", *value_headers, "file", "sha256"]
    rows = []
    for c in result.contributions:
        if result.kind == "ratio":
            values = [format_value(None, c.numerator), format_value(None, c.denominator)]
        else:
            values = ["not reported" if c.value is None else format_value(measure, c.value)]
        rows.append(
            [
                _clean(c.member_id),
                _clean(c.member_name, 40),
                _clean(c.country),
                *values,
                _clean(c.file),
                _clean(c.sha256),
            ]
        )
    if result.kind == "ratio":
        totals = [format_value(None, result.numerator), format_value(None, result.denominator)]
    else:
        totals = [format_value(measure, result.recomputed)]
    rows.append(["", "total", "", *totals, "", ""])
    if result.contributions:
        table = _table(headers, rows, right=set(range(3, 3 + len(value_headers))))
        # A rule above the total row, as on paper.
        out += [*table[:-1], table[1], table[-1]]
    else:
        out.append("  (none)")
    out += [f"  {_clean(note)}" for note in result.notes]

    out += ["", f"Not counted in this figure ({len(result.not_counted)})"]
    if result.not_counted:
        out += _table(
            ["file", "member_id", "status", "why"],
            [
                [_clean(n.file), _clean(n.member_id), n.status, _clean(n.reason)]
                for n in result.not_counted
            ],
            right=set(),
        )
    else:
        out.append("  (none)")
    if result.unattributed:
        where = "listed above" if result.level == "global" else "see the WORLD trace"
        out.append(
            f"  {result.unattributed} file(s) of {result.year} cannot be attributed to any "
            f"member, hence to no area ({where})"
        )
    return "\n".join([*out, "", *result.check_lines()]) + "\n"


def render_csv(result: Trace) -> str:
    """One row per contributing entry; ratios add numerator and denominator columns."""
    columns = list(CSV_COLUMNS)
    if result.kind == "ratio":
        columns += ["numerator", "denominator"]
    records = []
    for c in result.contributions:
        record = {
            "year": result.year,
            "area_code": result.area_code,
            "measure": result.measure,
            "member_id": c.member_id,
            "member_name": c.member_name,
            "country": c.country,
            "file": c.file,
            "sha256": c.sha256,
            # Enough decimals that the column sums to the published cents.
            "contribution": None
            if c.value is None
            else str(c.value)
            if isinstance(c.value, int)
            else f"{c.value:.6f}".rstrip("0").rstrip("."),
        }
        if result.kind == "ratio":
            record |= {"numerator": c.numerator, "denominator": c.denominator}
        records.append(record)
    schema = {name: pl.String for name in columns} | {"year": pl.Int64}
    if result.kind == "ratio":
        schema |= {"numerator": pl.Int64, "denominator": pl.Int64}
    frame = pl.DataFrame(records, schema=schema) if records else pl.DataFrame(schema=schema)
    return csv_bytes(frame.select(columns)).decode()
