"""The cicopa-stats code location: assets by reference year, their checks, jobs and resources."""

from __future__ import annotations

from collections.abc import Callable

from dagster import (
    Definitions,
    JobDefinition,
    in_process_executor,
    load_assets_from_modules,
    with_source_code_references,
)

from pipelines.assets import collection, ingest, report, series, statistics
from pipelines.automation import (
    annual_build_job,
    annual_build_schedule,
    collection_opening_schedule,
    ingest_job,
    open_collection_job,
    submissions_sensor,
)
from pipelines.io import ParquetIOManager
from pipelines.resources import CicopaPaths, DocumentRenderer, ReportSettings

# Source references link each asset in the UI to the code that computes it. Related
# assets are computed in one step (a multi-asset) where separate steps bought nothing
# in the UI but events: each asset keeps its key, group, metadata and partitions, and
# each check is evaluated, by year, in the step that computes its asset.
all_assets = with_source_code_references(
    load_assets_from_modules([ingest, statistics, series, report, collection])
)

PATHS = CicopaPaths()
defs = Definitions(
    assets=all_assets,
    jobs=[annual_build_job, ingest_job, open_collection_job],
    schedules=[annual_build_schedule, collection_opening_schedule],
    sensors=[submissions_sensor],
    resources={
        "paths": PATHS,
        "report_settings": ReportSettings(),
        "renderer": DocumentRenderer(),
        # Intermediate results as Parquet and JSON that an auditor can open.
        "io_manager": ParquetIOManager(),
    },
    # A year's steps are small and run one after another: paying a Python start-up
    # per step (the multiprocess default) tripled a sensor-triggered run on 2 cores.
    executor=in_process_executor,
)


def annual_build() -> JobDefinition:
    return defs.resolve_job_def(annual_build_job.name)


def ingest_and_validate() -> JobDefinition:
    return defs.resolve_job_def(ingest_job.name)


def open_collection() -> JobDefinition:
    return defs.resolve_job_def(open_collection_job.name)


# The jobs by name, as module-level functions so that `execute_job` can rebuild them.
JOBS: dict[str, Callable[[], JobDefinition]] = {
    annual_build_job.name: annual_build,
    ingest_job.name: ingest_and_validate,
    open_collection_job.name: open_collection,
}
