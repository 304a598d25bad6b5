"""Resources: where raw data are read from and outputs are written to, and the process
that renders the run's PDFs."""

from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from dagster import ConfigurableResource, InitResourceContext

from cicopa import settings
from pipelines.rendering import render_elsewhere, start_rendering_process

# A build writes into <out>/.staging/<year>-<run id>/ and swaps it in when it succeeded.
STAGING = ".staging"


class CicopaPaths(ConfigurableResource):
    """The raw-data folder (read-only) and the output folder.

    Empty means "from the environment when the run starts": CICOPA_RAW_DATA and
    CICOPA_OUT, else `raw_data/` and `out/` in the project. `cicopa build` sets both
    in the run config, so the UI shows which folders a run used.
    """

    raw_data: str = ""
    out: str = ""

    @property
    def raw_data_dir(self) -> Path:
        return Path(self.raw_data or settings.raw_data_dir()).resolve()

    @property
    def out_dir(self) -> Path:
        return Path(self.out or settings.out_dir()).resolve()

    def year_out(self, year: int) -> Path:
        """Where a year's published outputs are (replaced whole by a build)."""
        return self.out_dir / str(year)

    def staging(self, year: int, run_id: str) -> Path:
        """Where a run writes the year's new outputs until they are published together."""
        return self.out_dir / STAGING / f"{year}-{run_id}"

    def collection_out(self, year: int) -> Path:
        """Live collection outputs for staff (the tracker), refreshed by every new file."""
        return self.out_dir / "collection" / str(year)


class ReportSettings(ConfigurableResource):
    """What the report says about its sources, and where its files are published.

    CICOPA_FX_SOURCE and CICOPA_DOWNLOAD_URL override the defaults.
    """

    fx_source: str = settings.FX_SOURCE
    # Where `cicopa serve` publishes the outputs; the report asset links to it.
    download_url: str = settings.PUBLIC_URL


T = TypeVar("T")


class DocumentRenderer(ConfigurableResource):
    """Renders the run's PDFs (HTML to PDF, WeasyPrint) in the rendering process of
    ``pipelines.rendering``, started, if it is not yet, when the run starts."""

    def setup_for_execution(self, context: InitResourceContext) -> None:
        start_rendering_process()

    def submit(self, render: Callable[..., T], /, *args: Any) -> Future[T]:
        """``render(*args)`` in the rendering process; in place without one."""
        return render_elsewhere(render, *args)
