"""SDMX stage: statistics/sdmx/CICOPA_COOP_<year>.csv and its structure, for the ILO."""

import polars as pl
from dagster import AssetExecutionContext, MaterializeResult, asset

from cicopa import series
from cicopa.outputs import write_atomic
from cicopa.sdmx import sdmx_files
from cicopa.settings import SDMX_FOLDER, publication_date
from pipelines.assets.series import Estimates
from pipelines.metadata import written_file
from pipelines.partitions import reference_years
from pipelines.resources import CicopaPaths


@asset(group_name="statistics", partitions_def=reference_years, code_version="1")
def sdmx_dataset(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    area_statistics: pl.DataFrame,
    estimate_statistics: Estimates,
) -> MaterializeResult:
    """SDMX-CSV 1.0 of by_area.csv (status A) and estimates.csv (E where a member was
    imputed), with its SDMX-ML 2.1 structure definition beside it."""
    year = int(context.partition_key)
    folder = paths.staging(year, context.run.run_id) / SDMX_FOLDER
    # The publication day from configuration, not the clock: the same inputs, the same bytes.
    estimates = series.for_csv(estimate_statistics.estimates)
    files = sdmx_files(year, area_statistics, estimates, prepared=publication_date(year))
    metadata: dict[str, object] = {}
    for name, data in files.items():
        metadata.update(written_file(folder / name, write_atomic(folder / name, data)))
    return MaterializeResult(metadata=metadata)
