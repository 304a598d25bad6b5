"""Statistics stage: by area, sector and cooperative type, with blocking tie-out checks."""

from collections.abc import Callable

import polars as pl
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    MetadataValue,
    Output,
    TableColumnDep,
    TableColumnLineage,
    asset,
)

from cicopa import statistics
from cicopa.outputs import write_csv
from cicopa.reference import Reference
from cicopa.settings import TREND_YEARS
from cicopa.trends import Trends, membership_changes, trend_table
from pipelines.assets.ingest import accepted_figures_of
from pipelines.checks import blocking_check, failures_result
from pipelines.metadata import column_schema, preview, say, written_file
from pipelines.partitions import reference_years
from pipelines.resources import CicopaPaths

GROUP = "statistics"


# Which submission (or registry) columns each published column is computed from: the
# column lineage an auditor follows back from a figure to what members sent.
_SUBMITTED = AssetKey("accepted_figures")
_REGISTRY = AssetKey("reference_data")
COLUMN_SOURCES: dict[str, list[tuple[AssetKey, str]]] = {
    "members_registered": [(_REGISTRY, "member_id"), (_REGISTRY, "joined"), (_REGISTRY, "left")],
    "members_reporting": [(_SUBMITTED, "member_id")],
    "response_rate": [(_SUBMITTED, "member_id"), (_REGISTRY, "member_id")],
    "countries_reporting": [(_SUBMITTED, "member_id"), (_REGISTRY, "country")],
    "enterprises": [(_SUBMITTED, "enterprises")],
    "worker_members": [(_SUBMITTED, "worker_members")],
    "employees": [(_SUBMITTED, "employees")],
    "producer_members": [(_SUBMITTED, "producer_members")],
    "employment_in_cooperatives": [(_SUBMITTED, "worker_members"), (_SUBMITTED, "employees")],
    "employment_total": [
        (_SUBMITTED, "worker_members"),
        (_SUBMITTED, "employees"),
        (_SUBMITTED, "producer_members"),
    ],
    "women": [(_SUBMITTED, "women")],
    "women_share": [
        (_SUBMITTED, "women"),
        (_SUBMITTED, "worker_members"),
        (_SUBMITTED, "employees"),
        (_SUBMITTED, "producer_members"),
    ],
    "turnover_usd": [(_SUBMITTED, "turnover"), (_SUBMITTED, "currency"), (_REGISTRY, "per_usd")],
    "new_enterprises": [(_SUBMITTED, "new_enterprises")],
    "transfers": [(_SUBMITTED, "transfers")],
    "sector": [(_SUBMITTED, "sector")],
    "cooperative_type": [(_SUBMITTED, "cooperative_type")],
    "area_code": [(_REGISTRY, "country"), (_REGISTRY, "region"), (_REGISTRY, "sub_region")],
}


def column_lineage(table: pl.DataFrame) -> TableColumnLineage:
    return TableColumnLineage(
        deps_by_column={
            column: [TableColumnDep(asset_key=key, column_name=name) for key, name in sources]
            for column, sources in COLUMN_SOURCES.items()
            if column in table.columns
        }
    )


def publish_table(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    name: str,
    table: pl.DataFrame,
    rounded: Callable[[pl.DataFrame], pl.DataFrame] = statistics.for_csv,
) -> Output[pl.DataFrame]:
    """Write statistics/<name> (rounded once, as published) and describe it for the UI."""
    path = paths.staging(int(context.partition_key), context.run.run_id) / "statistics" / name
    digest = write_csv(path, rounded(table))
    say(context, f"{context.partition_key}: statistics/{name} written ({table.height} rows)")
    return Output(
        table,
        metadata={
            **written_file(path, digest),
            "dagster/row_count": table.height,
            "dagster/column_schema": column_schema(table),
            "dagster/column_lineage": column_lineage(table),
            "preview": preview(table),
        },
    )


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1")
def area_statistics(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    reference_data: Reference,
    accepted_figures: pl.DataFrame,
) -> Output[pl.DataFrame]:
    """statistics/by_area.csv: global, regional, sub-regional and country figures."""
    year = int(context.partition_key)
    table = statistics.by_area(accepted_figures, reference_data, year)
    result = publish_table(context, paths, "by_area.csv", table)
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
    accepted_figures: pl.DataFrame,
) -> Output[pl.DataFrame]:
    """statistics/by_sector.csv: ISIC sections at every level."""
    table = statistics.breakdown(
        accepted_figures, reference_data, int(context.partition_key), "sector"
    )
    return publish_table(context, paths, "by_sector.csv", table)


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1")
def type_statistics(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    reference_data: Reference,
    accepted_figures: pl.DataFrame,
) -> Output[pl.DataFrame]:
    """statistics/by_type.csv: cooperative types at every level."""
    table = statistics.breakdown(
        accepted_figures,
        reference_data,
        int(context.partition_key),
        "cooperative_type",
    )
    return publish_table(context, paths, "by_type.csv", table)


def _tie_out(table: pl.DataFrame, parent: str, child: str) -> AssetCheckResult:
    failures = statistics.tie_out_failures(table, parent, child)
    parents = table.filter(pl.col("level") == parent).height
    return failures_result(failures, {"areas checked": parents})


# Blocking: a report must never publish figures that do not add up.
@blocking_check(area_statistics)
def world_equals_sum_of_regions(
    context: AssetCheckExecutionContext, area_statistics: pl.DataFrame
) -> AssetCheckResult:
    """WORLD equals the sum of its regions, for every published measure."""
    return _tie_out(area_statistics, "global", "region")


@blocking_check(area_statistics)
def regions_equal_sum_of_countries(
    context: AssetCheckExecutionContext, area_statistics: pl.DataFrame
) -> AssetCheckResult:
    """Each region equals the sum of its countries."""
    return _tie_out(area_statistics, "region", "country")


@blocking_check(area_statistics)
def sub_regions_equal_sum_of_countries(
    context: AssetCheckExecutionContext, area_statistics: pl.DataFrame
) -> AssetCheckResult:
    """Each sub-region equals the sum of its countries."""
    return _tie_out(area_statistics, "sub_region", "country")


def _ties_out_to_areas(of: AssetsDefinition, name: str, description: str) -> AssetChecksDefinition:
    """The check that each area's rows of a breakdown table add up to its by_area.csv row.

    Blocking: the report prints by_area's figures as the total of its sector and type tables.
    """

    @blocking_check(of, "area_statistics", name=name, description=description)
    def check(
        context: AssetCheckExecutionContext,
        breakdown: pl.DataFrame,
        area_statistics: pl.DataFrame,
    ) -> AssetCheckResult:
        failures = statistics.breakdown_failures(breakdown, area_statistics)
        return failures_result(failures, {"areas checked": area_statistics.height})

    return check


sectors_tie_out_to_areas = _ties_out_to_areas(
    sector_statistics,
    "sectors_tie_out_to_areas",
    "Each area's sectors add up to its by_area.csv row, for every published measure.",
)
types_tie_out_to_areas = _ties_out_to_areas(
    type_statistics,
    "types_tie_out_to_areas",
    "Each area's cooperative types add up to its by_area.csv row.",
)


@blocking_check(area_statistics)
def employment_identities_hold(
    context: AssetCheckExecutionContext, area_statistics: pl.DataFrame
) -> AssetCheckResult:
    """employment_in_cooperatives = worker_members + employees; total adds producer_members."""
    failures = statistics.identity_failures(area_statistics)
    regions = area_statistics.filter(pl.col("level").is_in(["global", "region"]))
    return failures_result(
        failures,
        {},
        {
            "response rate by region": MetadataValue.json(
                dict(regions.select("area_code", "response_rate").iter_rows())
            )
        },
    )


@asset(
    group_name=GROUP,
    partitions_def=reference_years,
    code_version="2",
    # Y-2..Y-1: the lineage shows that a year's report rests on the two before it.
    ins={"earlier": accepted_figures_of(TREND_YEARS - 1)},
)
def area_trends(
    context: AssetExecutionContext,
    reference_data: Reference,
    area_statistics: pl.DataFrame,
    earlier: dict[int, pl.DataFrame],
) -> Output[Trends]:
    """Global and regional totals for Y-2..Y, the years without figures, membership changes."""
    year = int(context.partition_key)
    before = {
        y: statistics.by_area(earlier[y], reference_data, y) if y in earlier else None
        for y in range(year - TREND_YEARS + 1, year)
    }
    table, missing = trend_table(year, area_statistics, before)
    changes = membership_changes(reference_data, year)
    return Output(
        Trends(table=table, missing_years=missing, membership_changes=changes),
        metadata={
            "years with statistics": MetadataValue.json(sorted(table["year"].unique().to_list())),
            "years missing": MetadataValue.json(list(missing)),
            "membership changes": preview(changes),
            "world": preview(table.filter(pl.col("level") == "global")),
        },
    )
