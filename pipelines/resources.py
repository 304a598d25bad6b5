"""Resources: where raw data are read from and outputs are written to, and the process
that renders the run's PDFs."""

import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TypeVar

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from cicopa import settings

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
    """Renders the run's PDFs (HTML to PDF, WeasyPrint) in a second process.

    WeasyPrint lays a document out on one core, and the run has other work meanwhile:
    the annex workbooks, another language. The process starts with the run, so its
    imports (WeasyPrint, its fonts) are paid while the year is read and checked, not
    when the first letter or report is due; and the run's own process never loads
    WeasyPrint unless it renders a language itself. The process is spawned, not forked:
    a fork copies the locks other threads of a run hold (Dagster's, logging's) and hung
    a build. With one core there is no second process and everything renders in place.
    """

    _pool: ProcessPoolExecutor | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        if len(os.sched_getaffinity(0)) < 2:
            return
        from reports.pdf import prepare_renderer

        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=get_context("spawn"), initializer=prepare_renderer
        )
        self._pool.submit(int)  # start it now, not at the first document

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def submit(self, render: Callable[..., T], /, *args: Any) -> Future[T]:
        """``render(*args)`` in the rendering process; in place without one."""
        if self._pool is not None:
            return self._pool.submit(render, *args)
        done: Future[T] = Future()
        try:
            done.set_result(render(*args))
        except Exception as exc:
            done.set_exception(exc)
        return done
