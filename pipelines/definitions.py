"""The cicopa-stats code location: assets by reference year, and their resources."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dagster import (
    Definitions,
    in_process_executor,
    load_asset_checks_from_modules,
    load_assets_from_modules,
    with_source_code_references,
)

from pipelines.assets import collection, ingest, report, statistics
from pipelines.automation import (
    annual_build_job,
    annual_build_schedule,
    collection_opening_schedule,
    ingest_job,
    open_collection_job,
    submissions_sensor,
)
from pipelines.resources import CicopaPaths, PublishedStatistics, ReportSettings

# Source references link each asset in the UI to the code that computes it.
all_assets = with_source_code_references(
    load_assets_from_modules([ingest, statistics, report, collection])
)
all_checks = load_asset_checks_from_modules([statistics])


def resources_for(raw_data: Path | None = None, out: Path | None = None) -> dict[str, Any]:
    """The resources, from the environment or for explicit folders (`cicopa build`)."""
    paths = (
        CicopaPaths(raw_data=str(raw_data), out=str(out))
        if raw_data is not None and out is not None
        else CicopaPaths.from_env()
    )
    return {
        "paths": paths,
        "report_settings": ReportSettings.from_env(),
        "published_statistics": PublishedStatistics(paths=paths),
    }


defs = Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    jobs=[annual_build_job, ingest_job, open_collection_job],
    schedules=[annual_build_schedule, collection_opening_schedule],
    sensors=[submissions_sensor],
    resources=resources_for(),
    # A year's steps are small and run one after another: paying a Python start-up
    # per step (the multiprocess default) tripled a sensor-triggered run on 2 cores.
    executor=in_process_executor,
)
