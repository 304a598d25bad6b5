"""Aggregate accepted rows into global, regional, sub-regional and country statistics.

Plain polars functions (SPEC section 3): the same inputs give the same frames,
sorted, so the CSVs written from them are byte-identical run to run.
"""

from __future__ import annotations

import polars as pl

from cicopa.columns import REGIONS, SUB_REGIONS
from cicopa.reference import Reference

LEVELS = ("global", "region", "sub_region", "country")
WORLD = "WORLD"
HEADCOUNTS = ("enterprises", "worker_members", "employees", "producer_members")
EMPLOYMENT = ("employment_in_cooperatives", "employment_total")
# Summed only over rows that report them; empty for an area where none does.
OPTIONAL_SUMS = ("women", "turnover_usd", "new_enterprises", "transfers")

BY_AREA_COLUMNS = (
    "level", "area_code", "area_name", "parent_code",
    "members_registered", "members_reporting", "response_rate", "countries_reporting",
    *HEADCOUNTS, *EMPLOYMENT,
    "women", "women_share", "turnover_usd", "new_enterprises", "transfers",
)  # fmt: skip
BREAKDOWN_MEASURES = (*HEADCOUNTS, *EMPLOYMENT)


def employment_columns() -> list[pl.Expr]:
    """Employment in cooperatives (worker-members + employees) and persons employed
    (that plus producer-members), from a row's headcounts (ILO, 20th ICLS, 2018)."""
    return [
        (pl.col("worker_members") + pl.col("employees")).alias("employment_in_cooperatives"),
        (pl.col("worker_members") + pl.col("employees") + pl.col("producer_members")).alias(
            "employment_total"
        ),
    ]


def broken_employment_identities() -> pl.Expr:
    """True for a row whose employment columns are not the sums of its headcounts."""
    return (
        pl.col("employment_in_cooperatives") != pl.col("worker_members") + pl.col("employees")
    ) | (
        pl.col("employment_total")
        != pl.col("employment_in_cooperatives") + pl.col("producer_members")
    )


def area_keys() -> list[tuple[str, pl.Expr]]:
    """Each level with the expression giving a row's area code at that level."""
    return [
        ("global", pl.lit(WORLD)),
        ("region", pl.col("region")),
        ("sub_region", pl.col("sub_region")),
        ("country", pl.col("country")),
    ]


def located_rows(accepted: pl.DataFrame, reference: Reference, year: int) -> pl.DataFrame:
    """Accepted rows with their country, region, sub-region and turnover in USD."""
    rates = reference.rates_for(year).select("currency", "per_usd")
    return (
        accepted.with_columns(
            # A submission names its currency once; it holds for all of its rows.
            pl.col("currency").fill_null(pl.col("currency").drop_nulls().first().over("file"))
        )
        .join(reference.members.select("member_id", "country"), on="member_id", how="left")
        .join(reference.regions.select("country", "region", "sub_region"), on="country", how="left")
        .join(rates, on="currency", how="left")
        .with_columns(
            *employment_columns(),
            (pl.col("turnover") / pl.col("per_usd")).alias("turnover_usd"),
        )
    )


def registered_members(reference: Reference, year: int) -> pl.DataFrame:
    """Members active in the year with where they are."""
    return reference.members_active_in(year).join(
        reference.regions.select("country", "region", "sub_region"), on="country", how="left"
    )


def per_level(frame: pl.DataFrame, aggregations: list[pl.Expr]) -> pl.DataFrame:
    parts = []
    for level, key in area_keys():
        part = (
            frame.with_columns(key.alias("area_code"))
            .filter(pl.col("area_code").is_not_null())
            .group_by("area_code")
            .agg(aggregations)
            .with_columns(pl.lit(level).alias("level"))
        )
        parts.append(part)
    return pl.concat(parts, how="diagonal_relaxed")


def _area_names(reference: Reference) -> pl.DataFrame:
    """area_code -> (area_name, parent_code) for every possible area."""
    countries = reference.regions.select(
        pl.col("country").alias("area_code"),
        pl.col("country_name").alias("area_name"),
        pl.coalesce("sub_region", "region").alias("parent_code"),
    )
    regions = pl.DataFrame(
        {"area_code": list(REGIONS), "area_name": list(REGIONS.values()), "parent_code": WORLD}
    )
    sub_regions = pl.DataFrame(
        {
            "area_code": list(SUB_REGIONS),
            "area_name": list(SUB_REGIONS.values()),
            "parent_code": ["AMERICAS"] * len(SUB_REGIONS),
        }
    )
    world = pl.DataFrame(
        {"area_code": [WORLD], "area_name": ["World"], "parent_code": [None]},
        schema={"area_code": pl.String, "area_name": pl.String, "parent_code": pl.String},
    )
    return pl.concat([world, regions, sub_regions, countries])


def sort_by_level(frame: pl.DataFrame, *keys: str) -> pl.DataFrame:
    order = pl.col("level").replace_strict({lv: i for i, lv in enumerate(LEVELS)})
    return frame.sort(order, *keys)


def by_area(accepted: pl.DataFrame, reference: Reference, year: int) -> pl.DataFrame:
    """statistics/by_area.csv: one row per area with a registered member."""
    rows = located_rows(accepted, reference, year)
    registered = per_level(
        registered_members(reference, year), [pl.len().cast(pl.Int64).alias("members_registered")]
    )
    reported = per_level(
        rows,
        [
            pl.col("member_id").n_unique().cast(pl.Int64).alias("members_reporting"),
            pl.col("country").n_unique().cast(pl.Int64).alias("countries_reporting"),
            *(pl.col(c).sum().alias(c) for c in (*HEADCOUNTS, *EMPLOYMENT)),
            *(
                pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c)
                for c in OPTIONAL_SUMS
            ),
            # women_share is over the rows that report women, not over all rows.
            pl.col("employment_total")
            .filter(pl.col("women").is_not_null())
            .sum()
            .alias("_employment_with_women"),
        ],
    )
    table = (
        registered.join(reported, on=["level", "area_code"], how="left")
        .join(_area_names(reference), on="area_code", how="left")
        .with_columns(
            pl.col("members_reporting", "countries_reporting", *HEADCOUNTS, *EMPLOYMENT)
            .fill_null(0)
            .cast(pl.Int64),
        )
        .with_columns(
            (pl.col("members_reporting") / pl.col("members_registered"))
            .round(4)
            .alias("response_rate"),
            pl.when(pl.col("women").is_not_null() & (pl.col("_employment_with_women") > 0))
            .then((pl.col("women") / pl.col("_employment_with_women")).round(4))
            .alias("women_share"),
            pl.col("turnover_usd").round(2),
            *(pl.col(c).cast(pl.Int64) for c in ("women", "new_enterprises", "transfers")),
        )
    )
    return sort_by_level(table.select(BY_AREA_COLUMNS), "area_code")


def breakdown(accepted: pl.DataFrame, reference: Reference, year: int, by: str) -> pl.DataFrame:
    """statistics/by_sector.csv (by='sector') or by_type.csv (by='cooperative_type')."""
    rows = located_rows(accepted, reference, year)
    parts = []
    for level, key in area_keys():
        parts.append(
            rows.with_columns(key.alias("area_code"))
            .filter(pl.col("area_code").is_not_null())
            .group_by("area_code", by)
            .agg(pl.col(c).sum().cast(pl.Int64) for c in BREAKDOWN_MEASURES)
            .with_columns(pl.lit(level).alias("level"))
        )
    table = pl.concat(parts).select("level", "area_code", by, *BREAKDOWN_MEASURES)
    return sort_by_level(table, "area_code", by)


def for_csv(frame: pl.DataFrame) -> pl.DataFrame:
    """Fixed decimals for the rounded columns, so no float ever prints as 1e-05."""
    decimals = {"response_rate": 4, "women_share": 4, "turnover_usd": 2}
    return frame.with_columns(
        pl.col(c).round(d).cast(pl.Decimal(38, d))
        for c, d in decimals.items()
        if c in frame.columns
    )


# --- tie-outs: the published tables must add up ---

TIED_MEASURES = (
    "members_registered", "members_reporting", "countries_reporting",
    *HEADCOUNTS, *EMPLOYMENT, "women", "turnover_usd", "new_enterprises", "transfers",
)  # fmt: skip
# turnover_usd is rounded per area to cents; a parent may differ from the sum of its
# rounded children by half a cent per child.
ROUNDING_TOLERANCE = {"turnover_usd": 0.005}


def tie_out_failures(
    table: pl.DataFrame,
    parent_level: str,
    child_level: str,
    measures: tuple[str, ...] = TIED_MEASURES,
) -> pl.DataFrame:
    """Rows where a parent area differs from the sum of its children at a lower level.

    Countries roll up to regions through `parent_code` (directly, or via their
    sub-region), to sub-regions directly, and regions roll up to WORLD.
    """
    children = table.filter(pl.col("level") == child_level)
    if child_level == "country":
        sub_region_parent = table.filter(pl.col("level") == "sub_region").select(
            pl.col("area_code").alias("parent_code"), pl.col("parent_code").alias("_region")
        )
        children = children.join(sub_region_parent, on="parent_code", how="left").with_columns(
            pl.coalesce("_region", "parent_code").alias("_rollup")
            if parent_level == "region"
            else pl.col("parent_code").alias("_rollup")
        )
    else:
        children = children.with_columns(pl.col("parent_code").alias("_rollup"))
    sums = children.group_by("_rollup").agg(
        *(pl.col(m).sum().alias(m) for m in measures),
        pl.len().alias("_children"),
    )
    parents = table.filter(pl.col("level") == parent_level).join(
        sums, left_on="area_code", right_on="_rollup", how="left", suffix="_sum"
    )
    failures = []
    for measure in measures:
        published, summed = pl.col(measure).fill_null(0), pl.col(f"{measure}_sum").fill_null(0)
        # Half a cent per rounded child, plus the float error of adding large amounts
        # (at US$ 1e10 one ulp is about 2e-6: an absolute epsilon alone is too tight).
        tolerance = (
            ROUNDING_TOLERANCE.get(measure, 0) * pl.col("_children").fill_null(1)
            + 1e-12 * published.abs()
            + 1e-9
        )
        failures.append(
            parents.filter((published - summed).abs() > tolerance).select(
                "area_code",
                pl.lit(measure).alias("measure"),
                pl.col(measure).cast(pl.Float64).alias("published"),
                pl.col(f"{measure}_sum").cast(pl.Float64).alias("sum_of_parts"),
            )
        )
    return pl.concat(failures)


def identity_failures(table: pl.DataFrame) -> pl.DataFrame:
    """Rows breaking the employment identities or the bounds of a rate."""
    broken = table.filter(
        broken_employment_identities()
        | (pl.col("members_reporting") > pl.col("members_registered"))
        | ~pl.col("response_rate").is_between(0, 1)
        | (pl.col("women").fill_null(0) > pl.col("employment_total"))
        | (pl.col("transfers").fill_null(0) > pl.col("new_enterprises").fill_null(0))
    )
    return broken.select("level", "area_code", *HEADCOUNTS, *EMPLOYMENT, "women", "response_rate")


def breakdown_failures(breakdown: pl.DataFrame, by_area: pl.DataFrame) -> pl.DataFrame:
    """Areas whose sectors (or cooperative types) do not add up to their by_area.csv row.

    The report prints by_area's figures as the total of a breakdown table: this is the
    proof that the rows above that total sum to it.
    """
    sums = breakdown.group_by("level", "area_code").agg(
        pl.col(m).sum().alias(f"{m}_sum") for m in BREAKDOWN_MEASURES
    )
    joined = by_area.select("level", "area_code", *BREAKDOWN_MEASURES).join(
        sums, on=["level", "area_code"], how="left"
    )
    failures = [
        joined.filter(pl.col(m) != pl.col(f"{m}_sum").fill_null(0)).select(
            "level",
            "area_code",
            pl.lit(m).alias("measure"),
            pl.col(m).alias("published"),
            pl.col(f"{m}_sum").fill_null(0).alias("sum_of_parts"),
        )
        for m in BREAKDOWN_MEASURES
    ]
    return pl.concat(failures)
