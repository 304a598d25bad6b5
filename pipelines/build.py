"""Run the whole asset graph for one reference year on the project's Dagster instance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines.partitions import reference_years
from pipelines.project import ensure_dagster_home


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
    """Materialise every asset of the year's partition with the in-process executor."""
    ensure_dagster_home()
    from dagster import DagsterInstance, materialize

    from pipelines.definitions import all_assets, all_checks
    from pipelines.resources import CicopaPaths, ReportSettings

    key = str(year)
    if not reference_years.has_partition_key(key):
        raise BuildError(
            f"{year} is not a closed reference year (partitions run from "
            f"{reference_years.get_first_partition_key()} to "
            f"{reference_years.get_last_partition_key()})",
            exit_code=2,
        )
    with DagsterInstance.get() as instance:
        result = materialize(
            [*all_assets, *all_checks],
            partition_key=key,
            instance=instance,
            resources={
                "paths": CicopaPaths(raw_data=str(raw_data), out=str(out)),
                "report_settings": ReportSettings.from_env(),
            },
            tags={"cicopa/lang": lang, "cicopa/trigger": "cli"},
            # Step logs and tracebacks belong in the UI; the terminal gets one line.
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
            raise_on_error=False,
        )
        if not result.success:
            raise BuildError(f"the Dagster run {result.run_id} failed: {_why(result)}")
        outputs = sorted(p for p in (out / key).rglob("*") if p.is_file())
        return BuildResult(run_id=result.run_id, outputs=outputs)


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
