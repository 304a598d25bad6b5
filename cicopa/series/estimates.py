"""statistics/estimates.csv and imputations.csv: non-response, estimated and flagged.

by_area.csv stays the sum of what members reported. A registered member without an
accepted submission in Y is imputed from its latest accepted year B among Y-3..Y-1:
each headcount is its B sum times the growth of that headcount, from B to Y, over the
members of its ICA region that reported in both years (else the world's, else 1),
rounded to the nearest integer, halves up, from the exact product.
"""

from __future__ import annotations

import polars as pl

from cicopa.reference import Reference
from cicopa.series.members import MEASURES, Accepted, member_sums, places, rows_of
from cicopa.series.rounding import half_up_integer
from cicopa.settings import IMPUTATION_LOOKBACK_YEARS
from cicopa.statistics import (
    HEADCOUNTS,
    WORLD,
    by_area,
    employment_columns,
    per_level,
    sort_by_level,
)
from cicopa.statistics import registered_members as registered

ESTIMATES_COLUMNS = (
    "level", "area_code", "members_registered", "members_reporting", "members_imputed",
    "members_not_estimated", *MEASURES, "employment_total_imputed", "imputed_share",
)  # fmt: skip
IMPUTATIONS_COLUMNS = (
    "member_id", "country", "region", "base_year", "measure", "base_value", "ratio",
    "ratio_scope", "imputed_value",
)  # fmt: skip
# Kept in memory beside `ratio` so that the CSV rounds the exact quotient, not a float.
RATIO_PARTS = ("_ratio_numerator", "_ratio_denominator")
IMPUTATIONS_SCHEMA: dict[str, pl.DataType] = {
    "member_id": pl.String(),
    "country": pl.String(),
    "region": pl.String(),
    "base_year": pl.Int64(),
    "measure": pl.String(),
    "base_value": pl.Int64(),
    "ratio": pl.Float64(),
    "ratio_scope": pl.String(),
    "imputed_value": pl.Int64(),
    "_ratio_numerator": pl.Int64(),
    "_ratio_denominator": pl.Int64(),
}


def _base_years(year: int) -> range:
    """Y-1, Y-2, Y-3: latest first, so the first year found for a member is its B."""
    return range(year - 1, year - 1 - IMPUTATION_LOOKBACK_YEARS, -1)


def growth_sums(
    sums: dict[int, pl.DataFrame], reference: Reference, base_year: int, year: int
) -> pl.DataFrame:
    """Per region (and WORLD) and headcount: the sums in Y and in B of the members that
    reported in both years. Columns base_year, scope_area, measure, numerator,
    denominator, members."""
    both = (
        sums[base_year]
        .join(sums[year], on="member_id", how="inner", suffix="_now")
        .join(places(reference).select("member_id", "region"), on="member_id", how="left")
    )
    aggregations = [pl.len().cast(pl.Int64).alias("members")]
    for m in HEADCOUNTS:
        aggregations += [pl.col(f"{m}_now").sum().alias(f"{m}:n"), pl.col(m).sum().alias(f"{m}:d")]
    regions = both.group_by(pl.col("region").alias("scope_area")).agg(aggregations)
    world = both.select(aggregations).with_columns(pl.lit(WORLD).alias("scope_area"))
    wide = pl.concat([regions, world], how="diagonal_relaxed")
    return pl.concat(
        [
            wide.select(
                pl.lit(base_year, pl.Int64).alias("base_year"),
                "scope_area",
                pl.lit(m).alias("measure"),
                pl.col(f"{m}:n").cast(pl.Int64).alias("numerator"),
                pl.col(f"{m}:d").cast(pl.Int64).alias("denominator"),
                "members",
            )
            for m in HEADCOUNTS
        ]
    )


def imputations(accepted: Accepted, reference: Reference, year: int) -> pl.DataFrame:
    """imputations.csv rows, with the ratio unrounded and its exact parts (`_ratio_…`)."""
    sums = {y: member_sums(accepted, reference, y) for y in (year, *_base_years(year))}
    silent = registered(reference, year).filter(
        ~pl.col("member_id").is_in(sums[year]["member_id"].implode())
    )
    bases = (
        pl.concat(
            [
                sums[b].with_columns(pl.lit(b, pl.Int64).alias("base_year"))
                for b in _base_years(year)
            ]
        )
        .join(silent.select("member_id", "country", "region"), on="member_id", how="inner")
        .sort("member_id", "base_year", descending=[False, True])
        .unique("member_id", keep="first", maintain_order=True)
    )
    long = bases.unpivot(
        on=list(HEADCOUNTS),
        index=["member_id", "country", "region", "base_year"],
        variable_name="measure",
        value_name="base_value",
    )
    growth = pl.concat([growth_sums(sums, reference, b, year) for b in _base_years(year)]).filter(
        pl.col("denominator") > 0
    )  # a ratio over a 0 base is no ratio: fall back
    regional = growth.rename({"scope_area": "region", "numerator": "_rn", "denominator": "_rd"})
    worldwide = growth.filter(pl.col("scope_area") == WORLD).select(
        "base_year", "measure", pl.col("numerator").alias("_wn"), pl.col("denominator").alias("_wd")
    )
    scope = (
        pl.when(pl.col("_rd").is_not_null())
        .then(pl.lit("region"))
        .when(pl.col("_wd").is_not_null())
        .then(pl.lit("world"))
        .otherwise(pl.lit("none"))
    )
    table = (
        long.join(regional.drop("members"), on=["base_year", "region", "measure"], how="left")
        .join(worldwide, on=["base_year", "measure"], how="left")
        .with_columns(
            scope.alias("ratio_scope"),
            pl.coalesce("_rn", "_wn", pl.lit(1, pl.Int64)).alias("_ratio_numerator"),
            pl.coalesce("_rd", "_wd", pl.lit(1, pl.Int64)).alias("_ratio_denominator"),
        )
        .with_columns(
            (pl.col("_ratio_numerator") / pl.col("_ratio_denominator")).alias("ratio"),
            half_up_integer(
                pl.col("base_value") * pl.col("_ratio_numerator"), pl.col("_ratio_denominator")
            ).alias("imputed_value"),
        )
    )
    order = pl.col("measure").replace_strict({m: i for i, m in enumerate(HEADCOUNTS)})
    return (
        table.sort("member_id", order)
        .select(*IMPUTATIONS_COLUMNS, *RATIO_PARTS)
        .cast(IMPUTATIONS_SCHEMA)  # type: ignore[arg-type]
    )


def imputed_members(imputed: pl.DataFrame, reference: Reference) -> pl.DataFrame:
    """One row per imputed member: its place and its imputed headcounts and employment."""
    members = imputed.group_by("member_id").agg(
        pl.col("imputed_value").filter(pl.col("measure") == m).sum().cast(pl.Int64).alias(m)
        for m in HEADCOUNTS
    )
    return members.join(places(reference), on="member_id", how="left").with_columns(
        employment_columns()
    )


def estimates(
    accepted: Accepted, reference: Reference, year: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(estimates.csv, imputations.csv) of year Y, imputed_share and ratio unrounded."""
    imputed = imputations(accepted, reference, year)
    reported = by_area(rows_of(accepted, year), reference, year).select(
        "level", "area_code", "members_registered", "members_reporting", *MEASURES
    )
    added = per_level(
        imputed_members(imputed, reference),
        [
            pl.len().cast(pl.Int64).alias("members_imputed"),
            *(pl.col(m).sum().alias(f"{m}:imputed") for m in MEASURES),
        ],
    )
    table = (
        reported.join(added, on=["level", "area_code"], how="left")
        .with_columns(pl.col("members_imputed", *(f"{m}:imputed" for m in MEASURES)).fill_null(0))
        .with_columns(
            *((pl.col(m) + pl.col(f"{m}:imputed")).cast(pl.Int64).alias(m) for m in MEASURES),
            pl.col("employment_total:imputed").cast(pl.Int64).alias("employment_total_imputed"),
            pl.col("members_imputed").cast(pl.Int64),
            (pl.col("members_registered") - pl.col("members_reporting") - pl.col("members_imputed"))
            .cast(pl.Int64)
            .alias("members_not_estimated"),
        )
        .with_columns(
            pl.when(pl.col("employment_total") > 0)
            .then(pl.col("employment_total_imputed") / pl.col("employment_total"))
            .alias("imputed_share")
        )
    )
    return sort_by_level(table.select(ESTIMATES_COLUMNS), "area_code"), imputed
