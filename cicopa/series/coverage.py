"""statistics/coverage.csv: how much of the picture each optional item covers."""

from __future__ import annotations

import polars as pl

from cicopa.reference import Reference
from cicopa.statistics import located_rows, per_level, registered_members, sort_by_level

# The optional items of a submission row, in the order of the table.
ITEMS = ("women", "turnover", "new_enterprises", "transfers")
COVERAGE_COLUMNS = (
    "level", "area_code", "item", "members_reporting", "members_reporting_item",
    "employment_total", "employment_total_item", "coverage",
)  # fmt: skip
_COUNTS = ("members_reporting", "members_reporting_item", "employment_total",
           "employment_total_item")  # fmt: skip


def coverage(accepted: pl.DataFrame, reference: Reference, year: int) -> pl.DataFrame:
    """One row per area of by_area.csv per item; `coverage` unrounded (for_csv rounds it).

    A row gives an item when its cell is not empty (0 counts); a member gives it when
    at least one of its accepted rows does.
    """
    rows = located_rows(accepted, reference, year)
    areas = per_level(registered_members(reference, year), [pl.len().alias("_registered")])
    tables = []
    for item in ITEMS:
        gives = pl.col(item).is_not_null()
        reported = per_level(
            rows,
            [
                pl.col("member_id").n_unique().alias("members_reporting"),
                pl.col("member_id").filter(gives).n_unique().alias("members_reporting_item"),
                pl.col("employment_total").sum().alias("employment_total"),
                pl.col("employment_total").filter(gives).sum().alias("employment_total_item"),
            ],
        )
        tables.append(
            areas.join(reported, on=["level", "area_code"], how="left").with_columns(
                pl.lit(item).alias("item"), pl.col(_COUNTS).fill_null(0).cast(pl.Int64)
            )
        )
    item_order = pl.col("item").replace_strict({item: i for i, item in enumerate(ITEMS)})
    table = pl.concat(tables).with_columns(
        pl.when(pl.col("employment_total") > 0)
        .then(pl.col("employment_total_item") / pl.col("employment_total"))
        .alias("coverage")
    )
    ordered = sort_by_level(table.with_columns(item_order.alias("_order")), "area_code", "_order")
    return ordered.select(COVERAGE_COLUMNS)
