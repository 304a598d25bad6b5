"""The cicopa-stats code location: assets by reference year, and their resources."""

from __future__ import annotations

import warnings

from dagster import (
    BetaWarning,
    Definitions,
    load_asset_checks_from_modules,
    load_assets_from_modules,
)

from pipelines.assets import ingest, statistics
from pipelines.resources import CicopaPaths

# Data versions on outputs are a beta API that this project relies on knowingly.
warnings.filterwarnings("ignore", category=BetaWarning)

all_assets = load_assets_from_modules([ingest, statistics])
all_checks = load_asset_checks_from_modules([statistics])

defs = Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    resources={"paths": CicopaPaths.from_env()},
)
