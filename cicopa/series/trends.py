"""statistics/trends.csv: change that is growth, and change that is membership.

For each pair of consecutive reference years among Y-2..Y, every global, regional and
sub-regional area's change is split into what the continuing members did (the
like-for-like change) and what members joining, resuming, leaving or stopping did.
"""

from __future__ import annotations

import polars as pl

from cicopa.reference import Reference
from cicopa.series.members import Accepted, active_in, has_reporters, member_sums, places
from cicopa.settings import TREND_YEARS
from cicopa.statistics import per_level

TREND_MEASURES = ("enterprises", "employment_total")
TREND_LEVELS = ("global", "region", "sub_region")
PARTS = (
    "previous_value", "value", "continuing_members", "continuing_previous",
    "continuing_value", "joined_value", "resumed_value", "left_value", "stopped_value",
)  # fmt: skip
TRENDS_COLUMNS = (
    "level", "area_code", "measure", "previous_year", "year", *PARTS,
    "change", "change_like_for_like",
)  # fmt: skip
TRENDS_SCHEMA: dict[str, pl.DataType] = {
    "level": pl.String(),
    "area_code": pl.String(),
    "measure": pl.String(),
    "previous_year": pl.Int64(),
    "year": pl.Int64(),
    **{c: pl.Int64() for c in PARTS},
    "change": pl.Float64(),
    "change_like_for_like": pl.Float64(),
}


def trend_pairs(accepted: Accepted, year: int) -> list[tuple[int, int]]:
    """(previous_year, year) among Y-2..Y where both years have an accepted submission."""
    first = year - TREND_YEARS + 1
    return [
        (earlier, earlier + 1)
        for earlier in range(first, year)
        if has_reporters(accepted, earlier) and has_reporters(accepted, earlier + 1)
    ]


def trends(accepted: Accepted, reference: Reference, year: int) -> pl.DataFrame:
    """trends.csv with unrounded changes (series.for_csv rounds them when written)."""
    pairs = trend_pairs(accepted, year)
    parts = [_pair(accepted, reference, before, after) for before, after in pairs]
    if not parts:
        return pl.DataFrame(schema=TRENDS_SCHEMA)
    table = pl.concat(parts).with_columns(
        _change("value", "previous_value").alias("change"),
        _change("continuing_value", "continuing_previous").alias("change_like_for_like"),
    )
    measure_order = pl.col("measure").replace_strict({m: i for i, m in enumerate(TREND_MEASURES)})
    return (
        table.select(TRENDS_COLUMNS)
        .cast(TRENDS_SCHEMA)
        .sort(
            pl.col("level").replace_strict({lv: i for i, lv in enumerate(TREND_LEVELS)}),
            "area_code",
            measure_order,
            "year",
        )
    )


def _change(value: str, previous: str) -> pl.Expr:
    return pl.when(pl.col(previous) > 0).then(pl.col(value) / pl.col(previous) - 1)


def members_in_pair(
    accepted: Accepted, reference: Reference, before: int, after: int
) -> pl.DataFrame:
    """Every member active in either year, with its sums and what it did between them.

    Columns: member_id, country, region, sub_region, active_before, active_after,
    reports_before, reports_after, `<measure>_before`, `<measure>_after` (0 when the
    member does not report), and `part`: continuing, joined, resumed, left or stopped
    (null for a member active in both years that reported in neither).
    """
    sums = {
        when: member_sums(accepted, reference, y).select(
            "member_id", *(pl.col(m).alias(f"{m}_{when}") for m in TREND_MEASURES)
        )
        for when, y in (("before", before), ("after", after))
    }
    members = (
        places(reference)
        .with_columns(
            active_in(before).alias("active_before"), active_in(after).alias("active_after")
        )
        .join(sums["before"], on="member_id", how="left")
        .join(sums["after"], on="member_id", how="left")
        .with_columns(
            pl.col(f"{TREND_MEASURES[0]}_before").is_not_null().alias("reports_before"),
            pl.col(f"{TREND_MEASURES[0]}_after").is_not_null().alias("reports_after"),
        )
        # A member reports only in a year it is active, so this keeps every reporter.
        .filter(pl.col("active_before") | pl.col("active_after"))
        .with_columns(pl.col(f"{m}_{w}").fill_null(0) for m in TREND_MEASURES for w in sums)
    )
    rb, ra = pl.col("reports_before"), pl.col("reports_after")
    ab, aa = pl.col("active_before"), pl.col("active_after")
    part = (
        pl.when(rb & ra)
        .then(pl.lit("continuing"))
        .when(ra & ~ab)
        .then(pl.lit("joined"))
        .when(ra)
        .then(pl.lit("resumed"))
        .when(rb & ~aa)
        .then(pl.lit("left"))
        .when(rb)
        .then(pl.lit("stopped"))
    )
    return members.with_columns(part.alias("part")).sort("member_id")


def _pair(accepted: Accepted, reference: Reference, before: int, after: int) -> pl.DataFrame:
    members = members_in_pair(accepted, reference, before, after)
    part = pl.col("part")
    tables = []
    for measure in TREND_MEASURES:
        b, a = pl.col(f"{measure}_before"), pl.col(f"{measure}_after")
        aggregations = [
            b.sum().alias("previous_value"),
            a.sum().alias("value"),
            (part == "continuing").sum().alias("continuing_members"),
            b.filter(part == "continuing").sum().alias("continuing_previous"),
            a.filter(part == "continuing").sum().alias("continuing_value"),
            a.filter(part == "joined").sum().alias("joined_value"),
            a.filter(part == "resumed").sum().alias("resumed_value"),
            b.filter(part == "left").sum().alias("left_value"),
            b.filter(part == "stopped").sum().alias("stopped_value"),
        ]
        tables.append(
            per_level(members, aggregations)
            .filter(pl.col("level").is_in(TREND_LEVELS))
            .with_columns(
                pl.lit(measure).alias("measure"),
                pl.lit(before, pl.Int64).alias("previous_year"),
                pl.lit(after, pl.Int64).alias("year"),
                *(pl.col(c).cast(pl.Int64) for c in PARTS),
            )
        )
    return pl.concat(tables, how="diagonal_relaxed")
