"""Resources: where raw data are read from and outputs are written to."""

from pathlib import Path

import polars as pl
from dagster import (
    ConfigurableIOManager,
    ConfigurableResource,
    InputContext,
    OutputContext,
    ResourceDependency,
)

from cicopa import settings


class CicopaPaths(ConfigurableResource):
    """The raw-data folder (read-only) and the output folder.

    Configured from the environment: CICOPA_RAW_DATA and CICOPA_OUT, defaulting
    to `raw_data/` and `out/` in the project.
    """

    raw_data: str = str(settings.DEFAULT_RAW_DATA)
    out: str = str(settings.DEFAULT_OUT)

    @classmethod
    def from_env(cls) -> "CicopaPaths":
        return cls(raw_data=str(settings.raw_data_dir()), out=str(settings.out_dir()))

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

    fx_source: str = settings.FX_SOURCE
    # Where `cicopa serve` publishes the outputs; the report asset links to it.
    download_url: str = settings.PUBLIC_URL

    @classmethod
    def from_env(cls) -> "ReportSettings":
        return cls()


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
