"""SDMX stage: statistics/sdmx/CICOPA_COOP_<year>.csv and its structure, for the ILO.

Written by the series step (pipelines/assets/series.py), once the estimates' checks
have passed: the dataset is by_area.csv and estimates.csv in SDMX form.
"""

import polars as pl
from dagster import AssetExecutionContext, MaterializeResult

from cicopa import series
from cicopa.files import write_atomic
from cicopa.sdmx import sdmx_files
from cicopa.settings import SDMX_FOLDER, publication_date
from pipelines.metadata import written_file
from pipelines.resources import CicopaPaths

DESCRIPTION = (
    "SDMX-CSV 1.0 of by_area.csv (status A) and estimates.csv (E where a member was "
    "imputed), with its SDMX-ML 2.1 structure definition beside it."
)


def sdmx_dataset(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    area_statistics: pl.DataFrame,
    estimates: pl.DataFrame,
) -> MaterializeResult:
    """The asset `sdmx_dataset` of the year: its files written, their paths and hashes."""
    year = int(context.partition_key)
    folder = paths.staging(year, context.run.run_id) / SDMX_FOLDER
    # The publication day from configuration, not the clock: the same inputs, the same bytes.
    files = sdmx_files(
        year, area_statistics, series.for_csv(estimates), prepared=publication_date(year)
    )
    metadata: dict[str, object] = {}
    for name, data in files.items():
        metadata.update(written_file(folder / name, write_atomic(folder / name, data)))
    return MaterializeResult(asset_key="sdmx_dataset", metadata=metadata)
