"""Statistics stage: by area, sector and cooperative type, with blocking tie-out checks."""

from collections.abc import Callable
from typing import Any

import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetOut,
    MetadataValue,
    Output,
    TableColumnDep,
    TableColumnLineage,
    asset,
    multi_asset,
)

from cicopa import series, statistics
from cicopa.outputs import write_csv
from cicopa.reference import Reference
from cicopa.settings import TREND_YEARS
from cicopa.trends import Trends, membership_changes, trend_table
from pipelines.assets.ingest import accepted_figures_of
from pipelines.checks import blocking_check, evaluated, failures_result
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


def _tie_out(table: pl.DataFrame, parent: str, child: str) -> AssetCheckResult:
    failures = statistics.tie_out_failures(table, parent, child)
    parents = table.filter(pl.col("level") == parent).height
    return failures_result(failures, {"areas checked": parents})


def _ties_out_to_areas(breakdown: pl.DataFrame, by_area: pl.DataFrame) -> AssetCheckResult:
    failures = statistics.breakdown_failures(breakdown, by_area)
    return failures_result(failures, {"areas checked": by_area.height})


def _identities(by_area: pl.DataFrame) -> AssetCheckResult:
    failures = statistics.identity_failures(by_area)
    regions = by_area.filter(pl.col("level").is_in(["global", "region"]))
    rates = dict(regions.select("area_code", "response_rate").iter_rows())
    return failures_result(failures, {}, {"response rate by region": MetadataValue.json(rates)})


# What each check of the year's tables is, and how it is computed from them. Blocking:
# a report must never publish figures that do not add up.
TABLE_CHECKS: dict[str, tuple[AssetCheckSpec, Callable[[dict[str, pl.DataFrame]], Any]]] = {
    spec.name: (spec, evaluate)
    for spec, evaluate in (
        (
            blocking_check(
                "world_equals_sum_of_regions",
                "area_statistics",
                "WORLD equals the sum of its regions, for every published measure.",
            ),
            lambda t: _tie_out(t["area_statistics"], "global", "region"),
        ),
        (
            blocking_check(
                "regions_equal_sum_of_countries",
                "area_statistics",
                "Each region equals the sum of its countries.",
            ),
            lambda t: _tie_out(t["area_statistics"], "region", "country"),
        ),
        (
            blocking_check(
                "sub_regions_equal_sum_of_countries",
                "area_statistics",
                "Each sub-region equals the sum of its countries.",
            ),
            lambda t: _tie_out(t["area_statistics"], "sub_region", "country"),
        ),
        (
            blocking_check(
                "employment_identities_hold",
                "area_statistics",
                "employment_in_cooperatives = worker_members + employees; "
                "total adds producer_members.",
            ),
            lambda t: _identities(t["area_statistics"]),
        ),
        # The report prints by_area's figures as the total of its sector and type tables.
        (
            blocking_check(
                "sectors_tie_out_to_areas",
                "sector_statistics",
                "Each area's sectors add up to its by_area.csv row, for every published measure.",
                "area_statistics",
            ),
            lambda t: _ties_out_to_areas(t["sector_statistics"], t["area_statistics"]),
        ),
        (
            blocking_check(
                "types_tie_out_to_areas",
                "type_statistics",
                "Each area's cooperative types add up to its by_area.csv row.",
                "area_statistics",
            ),
            lambda t: _ties_out_to_areas(t["type_statistics"], t["area_statistics"]),
        ),
    )
}


@multi_asset(
    outs={
        "area_statistics": AssetOut(
            group_name=GROUP,
            code_version="1",
            description="statistics/by_area.csv: global, regional, sub-regional and country "
            "figures.",
        ),
        "sector_statistics": AssetOut(
            group_name=GROUP,
            code_version="1",
            description="statistics/by_sector.csv: ISIC sections at every level.",
        ),
        "type_statistics": AssetOut(
            group_name=GROUP,
            code_version="1",
            description="statistics/by_type.csv: cooperative types at every level.",
        ),
        "coverage_statistics": AssetOut(
            group_name=GROUP,
            code_version="1",
            description="statistics/coverage.csv: how much of the picture each optional "
            "item covers.",
        ),
    },
    check_specs=[spec for spec, _ in TABLE_CHECKS.values()],
    partitions_def=reference_years,
)
def year_statistics(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    reference_data: Reference,
    accepted_figures: pl.DataFrame,
):
    """The year's tables from its accepted figures, and their tie-outs, in one step.

    They read the same two inputs and are published together: separate steps bought
    nothing in the UI (each table is still its own asset, with its checks) and cost a
    run a load of both inputs per table and a step per check.
    """
    year = int(context.partition_key)
    tables = {
        "area_statistics": statistics.by_area(accepted_figures, reference_data, year),
        "sector_statistics": statistics.breakdown(accepted_figures, reference_data, year, "sector"),
        "type_statistics": statistics.breakdown(
            accepted_figures, reference_data, year, "cooperative_type"
        ),
    }
    by_area = tables["area_statistics"]
    area = publish_table(context, paths, "by_area.csv", by_area)
    world = by_area.filter(pl.col("level") == "global").row(0, named=True)
    area.metadata.update(
        {
            "members reporting": world["members_reporting"],
            "countries reporting": world["countries_reporting"],
            "enterprises": world["enterprises"],
            "persons employed": world["employment_total"],
            "response rate by region": preview(
                by_area.filter(pl.col("level").is_in(["global", "region"])).select(
                    "area_code", "members_registered", "members_reporting", "response_rate"
                )
            ),
        }
    )
    yield named(area, "area_statistics")
    for name, file in (("sector_statistics", "by_sector.csv"), ("type_statistics", "by_type.csv")):
        yield named(publish_table(context, paths, file, tables[name]), name)
    coverage = series.coverage(accepted_figures, reference_data, year)
    yield named(
        publish_table(context, paths, "coverage.csv", coverage, series.for_csv),
        "coverage_statistics",
    )
    # Evaluated once the tables are stored: a failed one fails this step, after which
    # nothing downstream of these tables runs.
    for spec, evaluate in TABLE_CHECKS.values():
        yield evaluated(spec, evaluate(tables))


def named(result: Output, output_name: str) -> Output:
    """`result` as the output `output_name` of a multi-asset step."""
    return Output(result.value, output_name=output_name, metadata=result.metadata)


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
