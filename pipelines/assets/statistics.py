"""Statistics stage: by area, sector and cooperative type, with blocking tie-out checks."""

import polars as pl
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetExecutionContext,
    MetadataValue,
    Output,
    asset,
    asset_check,
)

from cicopa import statistics
from cicopa.outcomes import YearValidation
from cicopa.outputs import write_csv
from cicopa.reference import Reference
from pipelines.metadata import column_schema, preview, written_file
from pipelines.partitions import reference_years
from pipelines.resources import CicopaPaths

GROUP = "statistics"


def _publish(
    context: AssetExecutionContext, paths: CicopaPaths, name: str, table: pl.DataFrame
) -> Output[pl.DataFrame]:
    path = paths.year_out(int(context.partition_key)) / "statistics" / name
    digest = write_csv(path, statistics.for_csv(table))
    return Output(
        table,
        metadata={
            **written_file(path, digest),
            "dagster/row_count": table.height,
            "dagster/column_schema": column_schema(table),
            "preview": preview(table),
        },
    )


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1")
def area_statistics(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    reference_data: Reference,
    validated_submissions: YearValidation,
) -> Output[pl.DataFrame]:
    """statistics/by_area.csv: global, regional, sub-regional and country figures."""
    year = int(context.partition_key)
    table = statistics.by_area(validated_submissions.accepted_rows, reference_data, year)
    result = _publish(context, paths, "by_area.csv", table)
    world = table.filter(pl.col("level") == "global").row(0, named=True)
    result.metadata.update(
        {
            "members reporting": world["members_reporting"],
            "countries reporting": world["countries_reporting"],
            "enterprises": world["enterprises"],
            "persons employed": world["employment_total"],
            "response rate by region": preview(
                table.filter(pl.col("level").is_in(["global", "region"])).select(
                    "area_code", "members_registered", "members_reporting", "response_rate"
                )
            ),
        }
    )
    return result


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1")
def sector_statistics(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    reference_data: Reference,
    validated_submissions: YearValidation,
) -> Output[pl.DataFrame]:
    """statistics/by_sector.csv: ISIC sections at every level."""
    table = statistics.breakdown(
        validated_submissions.accepted_rows, reference_data, int(context.partition_key), "sector"
    )
    return _publish(context, paths, "by_sector.csv", table)


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1")
def type_statistics(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    reference_data: Reference,
    validated_submissions: YearValidation,
) -> Output[pl.DataFrame]:
    """statistics/by_type.csv: cooperative types at every level."""
    table = statistics.breakdown(
        validated_submissions.accepted_rows,
        reference_data,
        int(context.partition_key),
        "cooperative_type",
    )
    return _publish(context, paths, "by_type.csv", table)


def _tie_out(table: pl.DataFrame, parent: str, child: str) -> AssetCheckResult:
    failures = statistics.tie_out_failures(table, parent, child)
    return AssetCheckResult(
        passed=failures.is_empty(),
        metadata={
            "areas checked": table.filter(pl.col("level") == parent).height,
            "failing rows": failures.height,
            "failures": preview(failures) if failures.height else MetadataValue.text("none"),
        },
    )


# Blocking: a report must never publish figures that do not add up.
@asset_check(asset=area_statistics, blocking=True, partitions_def=reference_years)
def world_equals_sum_of_regions(
    context: AssetCheckExecutionContext, area_statistics: pl.DataFrame
) -> AssetCheckResult:
    """WORLD equals the sum of its regions, for every published measure."""
    return _tie_out(area_statistics, "global", "region")


@asset_check(asset=area_statistics, blocking=True, partitions_def=reference_years)
def regions_equal_sum_of_countries(
    context: AssetCheckExecutionContext, area_statistics: pl.DataFrame
) -> AssetCheckResult:
    """Each region equals the sum of its countries."""
    return _tie_out(area_statistics, "region", "country")


@asset_check(asset=area_statistics, blocking=True, partitions_def=reference_years)
def sub_regions_equal_sum_of_countries(
    context: AssetCheckExecutionContext, area_statistics: pl.DataFrame
) -> AssetCheckResult:
    """Each sub-region equals the sum of its countries."""
    return _tie_out(area_statistics, "sub_region", "country")


@asset_check(asset=area_statistics, blocking=True, partitions_def=reference_years)
def employment_identities_hold(
    context: AssetCheckExecutionContext, area_statistics: pl.DataFrame
) -> AssetCheckResult:
    """employment_in_cooperatives = worker_members + employees; total adds producer_members."""
    failures = statistics.identity_failures(area_statistics)
    regions = area_statistics.filter(pl.col("level").is_in(["global", "region"]))
    return AssetCheckResult(
        passed=failures.is_empty(),
        metadata={
            "failing rows": failures.height,
            "failures": preview(failures) if failures.height else MetadataValue.text("none"),
            "response rate by region": MetadataValue.json(
                dict(regions.select("area_code", "response_rate").iter_rows())
            ),
        },
    )
