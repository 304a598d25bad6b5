"""The series around a year's sums: trends, estimates and their SDMX form, with checks."""

from dataclasses import dataclass

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetKey,
    AssetOut,
    Nothing,
    Output,
    multi_asset,
)

from cicopa import series
from cicopa.reference import Reference
from cicopa.settings import IMPUTATION_LOOKBACK_YEARS
from pipelines.assets import sdmx
from pipelines.assets.ingest import accepted_figures_of
from pipelines.assets.statistics import named, publish_table
from pipelines.checks import blocking_check, evaluated, failures_result
from pipelines.metadata import preview
from pipelines.partitions import reference_years
from pipelines.resources import CicopaPaths

GROUP = "statistics"
# Y-3..Y: the trends use Y-2..Y, the estimates all four.
ACCEPTED_BY_YEAR = {"accepted": accepted_figures_of(IMPUTATION_LOOKBACK_YEARS, and_this_year=True)}
_FROM_THE_YEARS = {AssetKey("reference_data"), AssetKey("accepted_figures")}


@dataclass(frozen=True)
class Estimates:
    estimates: pl.DataFrame  # statistics/estimates.csv, unrounded
    imputations: pl.DataFrame  # statistics/imputations.csv, with the ratios' parts


# Blocking: a series that does not add up is never published.
TREND_CHECK = blocking_check(
    "trend_parts_add_up",
    "trend_statistics",
    "value = continuing + joined + resumed; previous = continuing + left + stopped.",
)
ESTIMATE_CHECKS = (
    blocking_check(
        "estimates_tie_out",
        "estimate_statistics",
        "WORLD = its regions, each region = its countries, in estimates.csv as in by_area.",
        "area_statistics",
    ),
    blocking_check(
        "estimates_reported_part_is_by_area",
        "estimate_statistics",
        "Estimates minus the imputed part equal what members reported (by_area.csv).",
        "area_statistics",
        "reference_data",
    ),
)


@multi_asset(
    outs={
        "trend_statistics": AssetOut(
            group_name=GROUP,
            code_version="1",
            description="statistics/trends.csv: reported and like-for-like change, with who "
            "joined or left.",
        ),
        "estimate_statistics": AssetOut(
            group_name=GROUP,
            code_version="1",
            description="statistics/estimates.csv and imputations.csv: non-response "
            "estimated, and flagged.",
        ),
        # Not written when the estimates' checks fail: the step then fails without it.
        "sdmx_dataset": AssetOut(
            group_name=GROUP,
            code_version="1",
            description=sdmx.DESCRIPTION,
            dagster_type=Nothing,
            is_required=False,
        ),
    },
    ins={**ACCEPTED_BY_YEAR, "area_statistics": AssetIn("area_statistics")},
    internal_asset_deps={
        "trend_statistics": _FROM_THE_YEARS,
        "estimate_statistics": _FROM_THE_YEARS,
        "sdmx_dataset": {AssetKey("area_statistics"), AssetKey("estimate_statistics")},
    },
    check_specs=[TREND_CHECK, *ESTIMATE_CHECKS],
    partitions_def=reference_years,
)
def series_statistics(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    reference_data: Reference,
    accepted: dict[int, pl.DataFrame],
    area_statistics: pl.DataFrame,
):
    """Trends and estimates from the accepted figures of Y-3..Y, their checks, and the SDMX
    dataset of by_area and the estimates, in one step: trends and estimates read the same
    four years, which separate steps each loaded again, and the checks and the dataset
    read what this step computes."""
    year = int(context.partition_key)
    trends = series.trends(accepted, reference_data, year)
    yield named(
        publish_table(context, paths, "trends.csv", trends, series.for_csv), "trend_statistics"
    )
    table, imputed = series.estimates(accepted, reference_data, year)
    written = publish_table(context, paths, "estimates.csv", table, series.for_csv)
    imputations = publish_table(context, paths, "imputations.csv", imputed, series.for_csv)
    yield Output(
        Estimates(table, imputed),
        output_name="estimate_statistics",
        metadata={
            **written.metadata,
            **{k: v for k, v in imputations.metadata.items() if "imputations" in k},
            "members imputed": imputed["member_id"].n_unique(),
            "imputations": preview(series.for_csv(imputed)),
        },
    )
    # Evaluated once both are stored; a failed one fails the step (see year_statistics),
    # and the estimates' own stop the SDMX dataset, which is made of them.
    results = {
        TREND_CHECK.name: failures_result(
            series.trends_identity_failures(trends), {"rows checked": trends.height}
        ),
        ESTIMATE_CHECKS[0].name: failures_result(
            series.estimates_tie_out_failures(table, area_statistics),
            {"rows checked": table.height},
        ),
        ESTIMATE_CHECKS[1].name: failures_result(
            series.estimates_reported_failures(table, imputed, area_statistics, reference_data),
            {"rows checked": table.height},
        ),
    }
    for spec in (TREND_CHECK, *ESTIMATE_CHECKS):
        yield evaluated(spec, results[spec.name])
    if all(results[spec.name].passed for spec in ESTIMATE_CHECKS):
        yield sdmx.sdmx_dataset(context, paths, area_statistics, table)
