"""The cicopa-stats code location: assets by reference year, and their resources."""

from __future__ import annotations

from dagster import (
    Definitions,
    load_asset_checks_from_modules,
    load_assets_from_modules,
)

from pipelines.assets import ingest, report, statistics
from pipelines.resources import CicopaPaths, ReportSettings

all_assets = load_assets_from_modules([ingest, statistics, report])
all_checks = load_asset_checks_from_modules([statistics])

defs = Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    resources={
        "paths": CicopaPaths.from_env(),
        "report_settings": ReportSettings.from_env(),
    },
)
