"""revisions.csv: every by_area.csv figure that a revision of a published year changed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from cicopa import statistics
from cicopa.outputs import csv_bytes

REVISIONS_COLUMNS = ("revision", "level", "area_code", "measure", "previous", "revised", "reason")
# Labels of an area, not figures: a changed name is not a revised statistic.
_NOT_FIGURES = ("level", "area_code", "area_name", "parent_code")


def _published_text(by_area: pl.DataFrame) -> pl.DataFrame:
    """by_area as its CSV cells: a figure changed when its published text changed."""
    if all(dtype == pl.String for dtype in by_area.dtypes):
        return by_area
    return pl.read_csv(csv_bytes(statistics.for_csv(by_area)), infer_schema=False)


def _long(by_area: pl.DataFrame, figures: list[str]) -> pl.DataFrame:
    present = [f for f in figures if f in by_area.columns]
    return by_area.select("level", "area_code", *present).unpivot(
        on=present, index=["level", "area_code"], variable_name="measure", value_name="text"
    )


def revisions(
    previous_by_area: pl.DataFrame, revised_by_area: pl.DataFrame, revision: int, reason: str
) -> pl.DataFrame:
    """Rows of revisions.csv for revision n: one per figure whose published text changed.

    Either table may be the in-memory by_area frame or by_area.csv read back as text
    (`pl.read_csv(path, infer_schema=False)`). An area found in only one of them has
    each of its figures changed from or to empty. Sorted as by_area.csv, figures in
    its column order.
    """
    before, after = _published_text(previous_by_area), _published_text(revised_by_area)
    figures = [c for c in after.columns if c not in _NOT_FIGURES]
    figures += [c for c in before.columns if c not in _NOT_FIGURES and c not in figures]
    changed = (
        _long(before, figures)
        .join(
            _long(after, figures),
            on=["level", "area_code", "measure"],
            how="full",
            coalesce=True,
            suffix="_revised",
        )
        .with_columns(pl.col("text", "text_revised").replace("", None))
        .filter(pl.col("text").ne_missing(pl.col("text_revised")))
    )
    level_order = pl.col("level").replace_strict(
        {lv: i for i, lv in enumerate(statistics.LEVELS)}, default=len(statistics.LEVELS)
    )
    measure_order = pl.col("measure").replace_strict({m: i for i, m in enumerate(figures)})
    return changed.sort(level_order, "area_code", measure_order).select(
        pl.lit(revision, pl.Int64).alias("revision"),
        "level",
        "area_code",
        "measure",
        pl.col("text").alias("previous"),
        pl.col("text_revised").alias("revised"),
        pl.lit(reason).alias("reason"),
    )


def revision_reason(
    previous_inputs: Iterable[Mapping[str, object]], current_inputs: Iterable[Mapping[str, object]]
) -> str:
    """What changed between two builds' inputs (provenance.json "inputs": file, sha256,
    status), as the `reason` of revisions.csv; empty when nothing did.

    e.g. "added submissions/2025/KE-ONE.csv; withdrawn submissions/2025/IT-ONE.xlsx".
    """
    before = {str(i["file"]): i for i in previous_inputs}
    after = {str(i["file"]): i for i in current_inputs}
    parts: dict[str, list[str]] = {"added": [], "changed": [], "removed": [], "withdrawn": []}
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old is None:
            parts["added"].append(name)
        elif new is None:
            parts["removed"].append(name)
        elif old.get("sha256") != new.get("sha256"):
            parts["changed"].append(name)
        elif new.get("status") == "withdrawn" and old.get("status") != "withdrawn":
            parts["withdrawn"].append(name)
    return "; ".join(f"{kind} {', '.join(names)}" for kind, names in parts.items() if names)
