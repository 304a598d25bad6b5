"""The cicopa-stats code location: assets by reference year, and their resources."""

from __future__ import annotations

import warnings

from dagster import BetaWarning, Definitions, load_assets_from_modules

from pipelines.assets import ingest
from pipelines.resources import CicopaPaths

# Data versions on outputs are a beta API that this project relies on knowingly.
warnings.filterwarnings("ignore", category=BetaWarning)

all_assets = load_assets_from_modules([ingest])

defs = Definitions(
    assets=all_assets,
    resources={"paths": CicopaPaths.from_env()},
)
