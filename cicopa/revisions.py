"""Editions and revisions of a year's outputs (SPEC section 3, "Revisions").

Building year Y again from different inputs (a file added, changed, removed or
withdrawn) is a revision: the figures of by_area.csv that changed are listed in
`revisions.csv` with the reason, and the previous outputs are kept whole under
`revisions/<n>/`. A rebuild from the same inputs is not a revision.
"""

from __future__ import annotations

import io
from typing import Any

import polars as pl

REVISIONS_SCHEMA: dict[str, pl.DataType] = {
    "revision": pl.Int64(),
    "level": pl.String(),
    "area_code": pl.String(),
    "measure": pl.String(),
    "previous": pl.String(),
    "revised": pl.String(),
    "reason": pl.String(),
}
# by_area.csv columns that name an area rather than measure it.
AREA_COLUMNS = ("level", "area_code", "area_name", "parent_code")


def input_changes(previous: list[dict[str, Any]], current: list[dict[str, Any]]) -> list[str]:
    """What differs between two builds' inputs (provenance `inputs`), in words, sorted."""
    before = {i["file"]: i for i in previous}
    now = {i["file"]: i for i in current}
    changes = [f"added {p}" for p in sorted(now.keys() - before.keys())]
    changes += [f"removed {p}" for p in sorted(before.keys() - now.keys())]
    for path in sorted(now.keys() & before.keys()):
        old, new = before[path], now[path]
        if old.get("sha256") != new.get("sha256"):
            changes.append(f"changed {path}")
        elif new.get("status") == "withdrawn" and old.get("status") != "withdrawn":
            changes.append(f"withdrawn {path}")
        elif old.get("status") != new.get("status"):
            changes.append(f"status of {path} now {new.get('status')}")
    return changes


def _as_text(by_area_csv: bytes) -> pl.DataFrame:
    return pl.read_csv(io.BytesIO(by_area_csv), infer_schema=False)


def revised_figures(
    previous_csv: bytes, revised_csv: bytes, revision: int, reason: str
) -> pl.DataFrame:
    """One row per figure of by_area.csv that differs, as published (text compared)."""
    keys = ["level", "area_code"]

    def long(csv: bytes, name: str) -> pl.DataFrame:
        frame = _as_text(csv).with_row_index("_area")
        measures = [c for c in frame.columns if c not in (*AREA_COLUMNS, "_area")]
        order = {m: i for i, m in enumerate(measures)}
        return frame.unpivot(
            index=["_area", *keys], on=measures, variable_name="measure", value_name=name
        ).with_columns(pl.col("measure").replace_strict(order, default=len(order)).alias("_m"))

    before, after = long(previous_csv, "previous"), long(revised_csv, "revised")
    joined = after.join(
        before.drop("_area", "_m"), on=[*keys, "measure"], how="full", coalesce=True
    )
    changed = joined.filter(pl.col("previous").ne_missing(pl.col("revised")))
    return (
        changed.sort(pl.col("_area").fill_null(1 << 30), "area_code", pl.col("_m").fill_null(0))
        .select(
            pl.lit(revision, pl.Int64).alias("revision"),
            *keys,
            "measure",
            "previous",
            "revised",
            pl.lit(reason).alias("reason"),
        )
        .cast(REVISIONS_SCHEMA)
    )
