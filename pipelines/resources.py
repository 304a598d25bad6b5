"""Resources: where raw data are read from and outputs are written to."""

import os
from pathlib import Path

from dagster import ConfigurableResource

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

    def year_out(self, year: int) -> Path:
        return Path(self.out).resolve() / str(year)


class ReportSettings(ConfigurableResource):
    """What the report says about its sources; CICOPA_FX_SOURCE overrides the default."""

    fx_source: str = (
        "Annual average exchange rates from the IMF International Financial Statistics "
        "and national central banks, rounded (reference/fx_rates.csv)."
    )

    @classmethod
    def from_env(cls) -> "ReportSettings":
        default = cls.model_fields["fx_source"].default
        return cls(fx_source=os.environ.get("CICOPA_FX_SOURCE", default))
