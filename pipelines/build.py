"""Run the whole asset graph for one reference year on the project's Dagster instance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.partitions import reference_years
from pipelines.project import ensure_dagster_home

if TYPE_CHECKING:
    from dagster import DagsterInstance


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
    outputs: list[Path]


def run_build(year: int, raw_data: Path, out: Path, lang: str = "en") -> BuildResult:
    """Materialise every asset of the year's partition with the in-process executor.

    The two years before it are built first (statistics only) when they have a
    submissions folder but no published statistics yet, so the report's trends
    rest on published figures; a year without a folder is reported as missing.
    """
    ensure_dagster_home()
    from dagster import DagsterInstance

    from cicopa.outcomes import year_folder
    from cicopa.settings import LANGUAGES

    key = str(year)
    if not reference_years.has_partition_key(key):
        raise BuildError(
            f"{year} is not a closed reference year (partitions run from "
            f"{reference_years.get_first_partition_key()} to "
            f"{reference_years.get_last_partition_key()})",
            exit_code=2,
        )
    languages = list(LANGUAGES) if lang == "all" else [lang]
    with DagsterInstance.get() as instance:
        for earlier in range(year - 2, year):
            built = (out / str(earlier) / "statistics" / "by_area.csv").is_file()
            if (
                not built
                and year_folder(raw_data, earlier).is_dir()
                and reference_years.has_partition_key(str(earlier))
            ):
                _materialize(instance, earlier, raw_data, out, languages, statistics_only=True)
        run_id = _materialize(instance, year, raw_data, out, languages, statistics_only=False)
    outputs = sorted(p for p in (out / key).rglob("*") if p.is_file())
    return BuildResult(run_id=run_id, outputs=outputs)


def _materialize(
    instance: DagsterInstance,
    year: int,
    raw_data: Path,
    out: Path,
    languages: list[str],
    *,
    statistics_only: bool,
) -> str:
    from dagster import AssetSelection, materialize

    from pipelines.automation import BUILD_SELECTION
    from pipelines.definitions import all_assets, all_checks, resources_for

    result = materialize(
        [*all_assets, *all_checks],
        selection=AssetSelection.groups("ingest", "statistics")
        if statistics_only
        else BUILD_SELECTION,
        partition_key=str(year),
        instance=instance,
        resources=resources_for(raw_data, out),
        tags={"cicopa/lang": ",".join(languages), "cicopa/trigger": "cli"},
        run_config={
            # Step logs and tracebacks belong in the UI; the terminal gets one line.
            "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
            **(
                {}
                if statistics_only
                else {"ops": {"annual_report_pdf": {"config": {"languages": languages}}}}
            ),
        },
        raise_on_error=False,
    )
    if not result.success:
        raise BuildError(f"the Dagster run {result.run_id} failed for {year}: {_why(result)}")
    return result.run_id


def _why(result) -> str:
    """The failed checks by name, else the first line of each failed step's error."""
    failed_checks = [
        e.event_specific_data.check_name
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
    ]
    if failed_checks:
        return "blocking check(s) failed: " + ", ".join(sorted(failed_checks))
    errors = [
        e.event_specific_data.error.message.strip().splitlines()[0]
        for e in result.all_events
        if e.is_step_failure
    ]
    return "; ".join(errors) or "see the run in the Dagster UI"
