"""Trends over the reference years Y-2..Y, from the statistics published for each year."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from cicopa.reference import Reference
from cicopa.settings import TREND_YEARS

TREND_COLUMNS = (
    "members_reporting", "members_registered", "countries_reporting", "enterprises",
    "employment_total",
)  # fmt: skip


@dataclass(frozen=True)
class Trends:
    table: pl.DataFrame  # year, level, area_code and the TREND_COLUMNS
    missing_years: tuple[int, ...]  # earlier years in the window never built
    membership_changes: pl.DataFrame  # member_id, name, country_name, change, year


def trend_table(
    year: int, current: pl.DataFrame, earlier: dict[int, pl.DataFrame | None]
) -> tuple[pl.DataFrame, tuple[int, ...]]:
    """Global and regional totals per year, with the years that have no statistics.

    A missing year is returned as such and never filled with zeros, so the report
    can say it rather than show a fall to nothing.
    """
    tables = {year: current, **earlier}
    missing = tuple(sorted(y for y, t in tables.items() if t is None))
    parts = [
        table.filter(pl.col("level").is_in(["global", "region"]))
        .select("level", "area_code", *(pl.col(c).cast(pl.Int64) for c in TREND_COLUMNS))
        .with_columns(pl.lit(y, pl.Int64).alias("year"))
        for y, table in sorted(tables.items())
        if table is not None
    ]
    trends = pl.concat(parts).select("year", "level", "area_code", *TREND_COLUMNS)
    return trends.sort("area_code", "year"), missing


def membership_changes(reference: Reference, year: int) -> pl.DataFrame:
    """Members that joined or left within the trend window: footnotes to the trends."""
    first = year - TREND_YEARS + 2  # a change in Y-1 or Y alters the comparison
    members = reference.members.join(
        reference.regions.select("country", "country_name"), on="country", how="left"
    )
    joined = members.filter(pl.col("joined").is_between(first, year)).select(
        "member_id", "name", "country_name", pl.lit("joined").alias("change"),
        pl.col("joined").alias("year"),
    )  # fmt: skip
    left = members.filter(pl.col("left").is_between(first, year)).select(
        "member_id", "name", "country_name", pl.lit("left").alias("change"),
        pl.col("left").alias("year"),
    )  # fmt: skip
    return pl.concat([joined, left]).sort("year", "change", "member_id")
