"""The series around a year's sums: trends, coverage, estimates, with blocking checks."""

from dataclasses import dataclass

import polars as pl
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetExecutionContext,
    Output,
    asset,
)

from cicopa import series
from cicopa.reference import Reference
from cicopa.settings import IMPUTATION_LOOKBACK_YEARS
from pipelines.assets.ingest import accepted_figures_of
from pipelines.assets.statistics import publish_table
from pipelines.checks import blocking_check, failures_result
from pipelines.metadata import preview
from pipelines.partitions import reference_years
from pipelines.resources import CicopaPaths

GROUP = "statistics"
# Y-3..Y: the trends use Y-2..Y, the estimates all four.
ACCEPTED_BY_YEAR = {"accepted": accepted_figures_of(IMPUTATION_LOOKBACK_YEARS, and_this_year=True)}


@dataclass(frozen=True)
class Estimates:
    estimates: pl.DataFrame  # statistics/estimates.csv, unrounded
    imputations: pl.DataFrame  # statistics/imputations.csv, with the ratios' parts


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1", ins=ACCEPTED_BY_YEAR)
def trend_statistics(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    reference_data: Reference,
    accepted: dict[int, pl.DataFrame],
) -> Output[pl.DataFrame]:
    """statistics/trends.csv: reported and like-for-like change, with who joined or left."""
    year = int(context.partition_key)
    table = series.trends(accepted, reference_data, year)
    return publish_table(context, paths, "trends.csv", table, series.for_csv)


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1")
def coverage_statistics(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    reference_data: Reference,
    accepted_figures: pl.DataFrame,
) -> Output[pl.DataFrame]:
    """statistics/coverage.csv: how much of the picture each optional item covers."""
    year = int(context.partition_key)
    table = series.coverage(accepted_figures, reference_data, year)
    return publish_table(context, paths, "coverage.csv", table, series.for_csv)


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1", ins=ACCEPTED_BY_YEAR)
def estimate_statistics(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    reference_data: Reference,
    accepted: dict[int, pl.DataFrame],
) -> Output[Estimates]:
    """statistics/estimates.csv and imputations.csv: non-response estimated, and flagged."""
    year = int(context.partition_key)
    table, imputed = series.estimates(accepted, reference_data, year)
    written = publish_table(context, paths, "estimates.csv", table, series.for_csv)
    imputations = publish_table(context, paths, "imputations.csv", imputed, series.for_csv)
    return Output(
        Estimates(table, imputed),
        metadata={
            **written.metadata,
            **{k: v for k, v in imputations.metadata.items() if "imputations" in k},
            "members imputed": imputed["member_id"].n_unique(),
            "imputations": preview(series.for_csv(imputed)),
        },
    )


# Blocking: a series that does not add up is never published.
@blocking_check(trend_statistics)
def trend_parts_add_up(
    context: AssetCheckExecutionContext, trend_statistics: pl.DataFrame
) -> AssetCheckResult:
    """value = continuing + joined + resumed; previous = continuing + left + stopped."""
    failures = series.trends_identity_failures(trend_statistics)
    return failures_result(failures, {"rows checked": trend_statistics.height})


@blocking_check(estimate_statistics, "area_statistics")
def estimates_tie_out(
    context: AssetCheckExecutionContext,
    estimate_statistics: Estimates,
    area_statistics: pl.DataFrame,
) -> AssetCheckResult:
    """WORLD = its regions, each region = its countries, in estimates.csv as in by_area."""
    table = estimate_statistics.estimates
    failures = series.estimates_tie_out_failures(table, area_statistics)
    return failures_result(failures, {"rows checked": table.height})


@blocking_check(estimate_statistics, "area_statistics", "reference_data")
def estimates_reported_part_is_by_area(
    context: AssetCheckExecutionContext,
    estimate_statistics: Estimates,
    area_statistics: pl.DataFrame,
    reference_data: Reference,
) -> AssetCheckResult:
    """Estimates minus the imputed part equal what members reported (by_area.csv)."""
    failures = series.estimates_reported_failures(
        estimate_statistics.estimates,
        estimate_statistics.imputations,
        area_statistics,
        reference_data,
    )
    return failures_result(failures, {"rows checked": estimate_statistics.estimates.height})
