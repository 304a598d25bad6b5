"""Failure finders for the blocking asset checks of the series tables.

Each returns the offending rows (empty when all is well), on the in-memory frames or
on the published CSVs read back (integer columns), so a check can name what is wrong.
"""

from __future__ import annotations

import polars as pl

from cicopa.reference import Reference
from cicopa.series.members import MEASURES
from cicopa.statistics import (
    HEADCOUNTS,
    broken_employment_identities,
    employment_columns,
    per_level,
    tie_out_failures,
)

ESTIMATE_TIED = (
    "members_registered", "members_reporting", "members_imputed", "members_not_estimated",
    *MEASURES, "employment_total_imputed",
)  # fmt: skip
TIE_OUTS = (("global", "region"), ("region", "country"), ("sub_region", "country"))


def trends_identity_failures(trends: pl.DataFrame) -> pl.DataFrame:
    """Rows of trends.csv breaking value = continuing + joined + resumed, or
    previous_value = continuing_previous + left + stopped."""
    now = pl.col("continuing_value") + pl.col("joined_value") + pl.col("resumed_value")
    before = pl.col("continuing_previous") + pl.col("left_value") + pl.col("stopped_value")
    keys = ("level", "area_code", "measure", "previous_year", "year")
    return pl.concat(
        [
            trends.filter(pl.col("value") != now).select(
                *keys, pl.lit("value").alias("identity"), pl.col("value").alias("published"),
                now.alias("sum_of_parts"),
            ),
            trends.filter(pl.col("previous_value") != before).select(
                *keys, pl.lit("previous_value").alias("identity"),
                pl.col("previous_value").alias("published"), before.alias("sum_of_parts"),
            ),
        ]
    )  # fmt: skip


def estimates_tie_out_failures(estimates: pl.DataFrame, by_area: pl.DataFrame) -> pl.DataFrame:
    """Parents differing from the sum of their children, or broken employment identities.

    The areas' parents are those of by_area.csv (estimates.csv has the same areas).
    """
    table = estimates.join(
        by_area.select("level", "area_code", "parent_code"), on=["level", "area_code"], how="left"
    )
    failures = [
        tie_out_failures(table, parent, child, ESTIMATE_TIED).with_columns(
            pl.lit(f"{parent} = sum of {child}").alias("check")
        )
        for parent, child in TIE_OUTS
    ]
    broken = table.filter(
        broken_employment_identities()
        | (pl.col("employment_total_imputed") > pl.col("employment_total"))
        | (pl.col("members_not_estimated") < 0)
    ).select(
        "area_code",
        pl.lit("employment_total").alias("measure"),
        pl.col("employment_total").cast(pl.Float64).alias("published"),
        (pl.col("worker_members") + pl.col("employees") + pl.col("producer_members"))
        .cast(pl.Float64)
        .alias("sum_of_parts"),
        pl.lit("identities of a row").alias("check"),
    )
    return pl.concat([*failures, broken])


def estimates_reported_failures(
    estimates: pl.DataFrame,
    imputations: pl.DataFrame,
    by_area: pl.DataFrame,
    reference: Reference,
) -> pl.DataFrame:
    """Areas where estimates minus their imputations differ from by_area.csv.

    Columns level, area_code, measure, estimate, imputed, reported (by_area.csv).
    """
    places = reference.regions.select("country", "region", "sub_region")
    members = (
        imputations.group_by("member_id", "country")
        .agg(
            pl.col("imputed_value").filter(pl.col("measure") == m).sum().alias(m)
            for m in HEADCOUNTS
        )
        .join(places, on="country", how="left")
        .with_columns(employment_columns())
    )
    imputed = per_level(
        members, [pl.len().alias("members_imputed"), *(pl.col(m).sum() for m in MEASURES)]
    )
    compared = estimates.join(
        by_area.select("level", "area_code", "members_registered", "members_reporting", *MEASURES),
        on=["level", "area_code"],
        how="full",
        suffix=":reported",
        coalesce=True,
    ).join(imputed, on=["level", "area_code"], how="left", suffix=":imputed")
    failures = []
    for measure in ("members_registered", "members_reporting", *MEASURES):
        added = pl.col(f"{measure}:imputed") if measure in MEASURES else pl.lit(0)
        estimate, reported = pl.col(measure), pl.col(f"{measure}:reported")
        failures.append(
            compared.with_columns(added.fill_null(0).alias("_added")).filter(
                estimate.is_null()
                | reported.is_null()
                | (estimate - pl.col("_added") != reported)
            ).select(
                "level", "area_code", pl.lit(measure).alias("measure"),
                estimate.cast(pl.Int64).alias("estimate"),
                pl.col("_added").cast(pl.Int64).alias("imputed"),
                reported.cast(pl.Int64).alias("reported"),
            )
        )  # fmt: skip
    # The imputed part and the count of imputed members are those of imputations.csv.
    for column, source in (
        ("employment_total_imputed", "employment_total:imputed"),
        ("members_imputed", "members_imputed:imputed"),
    ):
        imputed_part = pl.col(source).fill_null(0)
        failures.append(
            compared.filter(pl.col(column) != imputed_part).select(
                "level", "area_code", pl.lit(column).alias("measure"),
                pl.col(column).cast(pl.Int64).alias("estimate"),
                imputed_part.cast(pl.Int64).alias("imputed"),
                pl.lit(None, pl.Int64).alias("reported"),
            )
        )  # fmt: skip
    return pl.concat(failures)
