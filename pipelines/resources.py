"""Resources: where raw data are read from and outputs are written to."""

import os
from pathlib import Path

import polars as pl
from dagster import (
    ConfigurableIOManager,
    ConfigurableResource,
    InputContext,
    OutputContext,
    ResourceDependency,
)

from pipelines.project import DEFAULT_OUT, DEFAULT_RAW_DATA


class CicopaPaths(ConfigurableResource):
    """The raw-data folder (read-only) and the output folder.

    Configured from the environment: CICOPA_RAW_DATA and CICOPA_OUT, defaulting
    to `raw_data/` and `out/` in the project.
    """

    raw_data: str = str(DEFAULT_RAW_DATA)
    out: str = str(DEFAULT_OUT)

    @classmethod
    def from_env(cls) -> "CicopaPaths":
        return cls(
            raw_data=os.environ.get("CICOPA_RAW_DATA", str(DEFAULT_RAW_DATA)),
            out=os.environ.get("CICOPA_OUT", str(DEFAULT_OUT)),
        )

    @property
    def raw_data_dir(self) -> Path:
        return Path(self.raw_data).resolve()

    @property
    def out_dir(self) -> Path:
        return Path(self.out).resolve()

    def year_out(self, year: int) -> Path:
        return self.out_dir / str(year)


class ReportSettings(ConfigurableResource):
    """What the report says about its sources, and where its files are published.

    CICOPA_FX_SOURCE and CICOPA_DOWNLOAD_URL override the defaults.
    """

    fx_source: str = (
        "Annual average exchange rates from the IMF International Financial Statistics "
        "and national central banks, rounded (reference/fx_rates.csv)."
    )

    # Where `cicopa serve` publishes the outputs; the report asset links to it.
    download_url: str = "http://127.0.0.1:8080"

    @classmethod
    def from_env(cls) -> "ReportSettings":
        fields = cls.model_fields
        return cls(
            fx_source=os.environ.get("CICOPA_FX_SOURCE", fields["fx_source"].default),
            download_url=os.environ.get("CICOPA_DOWNLOAD_URL", fields["download_url"].default),
        )


class PublishedStatistics(ConfigurableIOManager):
    """Loads the by_area.csv published for each upstream year; None for a year never built.

    Trends depend on earlier partitions of `area_statistics`; reading what was
    published (rather than whatever the instance last stored) keeps the report's
    trends identical to the files staff and partners already have.
    """

    paths: ResourceDependency[CicopaPaths]

    def handle_output(self, context: OutputContext, obj: object) -> None:
        raise NotImplementedError("PublishedStatistics only loads inputs")

    def load_input(self, context: InputContext) -> dict[int, pl.DataFrame | None]:
        from cicopa.trends import published_by_area

        years = [int(key) for key in context.asset_partition_keys]
        return {year: published_by_area(self.paths.year_out(year)) for year in years}
