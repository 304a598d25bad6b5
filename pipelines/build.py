"""Run the `annual_build` job for one reference year on the project's Dagster instance.

The command line launches the very job that the schedule and the UI launch
(`execute_job` on the job definition), so its runs show under the job's name with
the same steps; only the folders and the languages are given as run config.
"""

from __future__ import annotations

import fcntl
import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cicopa.settings import IMPUTATION_LOOKBACK_YEARS, LANGUAGES
from pipelines.assets.ingest import INGEST_ASSETS
from pipelines.partitions import reference_years
from pipelines.project import ensure_dagster_home
from pipelines.runs import clean_staging, mark_dead_runs_failed, process_tags

if TYPE_CHECKING:
    from dagster import DagsterInstance

# What an earlier year must have in the instance for a later year to build on it: the
# assets of its ingest step, up to its accepted figures.
EARLIER_YEAR_ASSETS = tuple(INGEST_ASSETS)
JOB = "annual_build"


class BuildError(Exception):
    """The build could not run or failed; the message is one line for the operator.

    `exit_code` 2 means the build was refused before anything ran, 1 that the run failed.
    """

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class BuildResult:
    run_id: str
    folder: Path
    outputs: list[Path]
    earlier_years: list[int] = field(default_factory=list)
    outcome: str = ""


def run_config(raw_data: Path, out: Path, languages: list[str] | None = None) -> dict[str, Any]:
    """The run config of a command-line build: its folders and, for a full build, languages."""
    config: dict[str, Any] = {
        "resources": {"paths": {"config": {"raw_data": str(raw_data), "out": str(out)}}},
        # Step logs and tracebacks belong in the UI; the terminal gets the progress lines.
        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
    }
    if languages is not None:
        # The step that renders the PDFs and the annexes (pipelines/assets/report.py).
        config["ops"] = {"annual_report": {"config": {"languages": languages}}}
    return config


@contextmanager
def build_lock(out: Path, year: int) -> Iterator[None]:
    """One build of a year into one out folder at a time; a second is refused at once."""
    folder = out / ".staging"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{year}.build.lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise BuildError(
                f"another build of {year} into {out} is running ({holder}); "
                "run again when it has finished",
                exit_code=2,
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _latest_data_version(instance: DagsterInstance, asset: str, year: int) -> str | None:
    from dagster import AssetKey, AssetRecordsFilter

    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=[str(year)]), limit=1
    ).records
    if not records:
        return None
    materialization = records[0].event_log_entry.asset_materialization
    return materialization.tags.get("dagster/data_version") if materialization else None


def earlier_year_is_current(instance: DagsterInstance, year: int, raw_data: Path) -> bool:
    """True when the instance holds the year's accepted figures for these very files.

    The stored partitions' data versions are compared with the files' hashes, computed
    as the ingest assets compute them: the year's submissions, the readers that read
    them (a reader that now reads a file differently changes its figures), the registry,
    and the withdrawals (a file withdrawn from an earlier year changes its accepted
    figures).
    """
    from cicopa.files import sha256_file
    from cicopa.outcomes import fingerprint, inventory
    from cicopa.reference import reference_paths
    from pipelines.assets.ingest import parsed_version, withdrawals_version
    from pipelines.io import VALUE_FILE, storage_folder

    stored = storage_folder(raw_data, ["accepted_figures"], str(year)) / VALUE_FILE
    if not stored.is_file() or _latest_data_version(instance, "accepted_figures", year) is None:
        return False
    files = fingerprint(inventory(raw_data, year))
    registry = "-".join(sha256_file(p)[:16] for p in reference_paths(raw_data))
    return (
        _latest_data_version(instance, "submission_files", year) == files
        and _latest_data_version(instance, "parsed_submissions", year) == parsed_version(files)
        and _latest_data_version(instance, "reference_data", year) == registry
        and _latest_data_version(instance, "withdrawals", year)
        == withdrawals_version(raw_data, year)[1]
    )


def launch(
    instance: DagsterInstance,
    year: int,
    config: dict[str, Any],
    *,
    assets: tuple[str, ...] | None = None,
    job: str = JOB,
) -> Any:
    """Execute a job of the code location for one partition, in this process."""
    from dagster import AssetKey, execute_job, reconstructable

    from pipelines.definitions import JOBS

    return execute_job(
        reconstructable(JOBS[job]),
        instance=instance,
        run_config=config,
        tags={"dagster/partition": str(year), "cicopa/trigger": "cli", **process_tags()},
        asset_selection=[AssetKey(a) for a in assets] if assets else None,
        raise_on_error=False,
    )


def check_partition(year: int) -> None:
    if not reference_years.has_partition_key(str(year)):
        raise BuildError(
            f"{year} is not a closed reference year (partitions run from "
            f"{reference_years.get_first_partition_key()} to "
            f"{reference_years.get_last_partition_key()})",
            exit_code=2,
        )


def bring_earlier_years_up_to_date(
    instance: DagsterInstance, year: int, raw_data: Path, out: Path
) -> list[int]:
    """Build, by the same job, each earlier year (Y-3..Y-1) the instance lacks for these files.

    Only their ingest assets run: a later year reads their accepted figures.
    """
    from cicopa.outcomes import year_folder

    built = []
    for earlier in range(year - IMPUTATION_LOOKBACK_YEARS, year):
        if (
            year_folder(raw_data, earlier).is_dir()
            and reference_years.has_partition_key(str(earlier))
            and not earlier_year_is_current(instance, earlier, raw_data)
        ):
            result = launch(
                instance, earlier, run_config(raw_data, out), assets=EARLIER_YEAR_ASSETS
            )
            if not result.success:
                raise BuildError(f"{earlier} (needed by {year}): {failure_reason(result)}")
            built.append(earlier)
    return built


def run_year_job(
    job: str, year: int, raw_data: Path, out: Path, config: dict[str, Any]
) -> tuple[Any, list[int]]:
    """Run `job` for `year` after the earlier years it reads; raises BuildError on failure."""
    ensure_dagster_home()
    from dagster import DagsterInstance

    check_partition(year)
    with DagsterInstance.get() as instance, build_lock(out, year):
        # One connection kept for the run, as the webserver keeps one, not one opened
        # (and authenticated) per event: PostgreSQL; SQLite storages pool already.
        instance.optimize_for_webserver(statement_timeout=0, pool_recycle=3600, max_overflow=4)
        mark_dead_runs_failed(instance)
        # Before anything runs: a failed or killed run's folder goes even if this run fails.
        clean_staging(instance, out, year)
        built_first = bring_earlier_years_up_to_date(instance, year, raw_data, out)
        result = launch(instance, year, config, job=job)
    if not result.success:
        raise BuildError(f"{year}: {failure_reason(result)} (Dagster run {result.run_id})")
    return result, built_first


def run_build(
    year: int, raw_data: Path, out: Path, languages: list[str] | tuple[str, ...] = LANGUAGES
) -> BuildResult:
    """Build reference year `year` (the `annual_build` job), earlier years first if needed."""
    from dagster import AssetKey

    result, built_first = run_year_job(
        JOB, year, raw_data, out, run_config(raw_data, out, list(languages))
    )
    outcome = ""
    for event in result.all_events:
        if event.is_step_materialization and event.asset_key == AssetKey("published_outputs"):
            outcome = str(event.event_specific_data.materialization.metadata["outcome"].value)
    folder = out / str(year)
    outputs = sorted(p for p in folder.rglob("*") if p.is_file() and "revisions" not in p.parts)
    return BuildResult(result.run_id, folder, outputs, built_first, outcome)


def run_collection(job: str, year: int, raw_data: Path, out: Path, deadline: str = "") -> str:
    """Run a collection job (`open_collection`, `ingest_and_validate`); returns the run id."""
    config = run_config(raw_data, out)
    step = "survey_forms" if job == "open_collection" else "member_feedback"
    config["ops"] = {step: {"config": {"deadline": deadline}}}
    result, _ = run_year_job(job, year, raw_data, out, config)
    return result.run_id


def _innermost(error: Any) -> Any:
    """The error at the root of a chain of causes. An error raised in the rendering
    process carries that process's traceback as its cause: the error itself is the one."""
    while (cause := getattr(error, "cause", None)) is not None:
        if cause.cls_name == "_RemoteTraceback":
            break
        error = cause
    return error


def failure_reason(result: Any) -> str:
    """Why a run failed, in words: the failed checks, else each failed step's own cause."""
    failed_checks = [
        e.event_specific_data.check_name
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
    ]
    if failed_checks:
        return "blocking check(s) failed: " + ", ".join(sorted(failed_checks))
    reasons = []
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        data = event.event_specific_data
        failure = getattr(data, "user_failure_data", None)
        if failure is not None and failure.description:
            text = failure.description
        else:
            error = _innermost(data.error)
            text = error.message.strip().splitlines()[0] if error else "unknown error"
            # "cicopa.files.OutputWriteError: [Errno 28] disk full writing x.pdf" and
            # "cicopa.publish.PublishError: the new outputs ..." say it without the class.
            if text.startswith(("OSError", "cicopa.")):
                text = re.sub(r"^\[Errno \d+\] ", "", text.split(": ", 1)[-1])
        reasons.append(f"{event.step_key}: {text}")
    return "; ".join(reasons) or "see the run in the Dagster UI"
