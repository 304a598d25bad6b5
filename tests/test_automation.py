"""The yearly schedule and the submissions sensor, evaluated with Dagster's own test APIs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from dagster import (
    DagsterInstance,
    SkipReason,
    build_schedule_context,
    build_sensor_context,
)

from pipelines.automation import annual_build_schedule, submissions_sensor
from pipelines.resources import CicopaPaths
from tests.builders import row, write_csv, write_statistics_fixture


def _evaluate(raw_data: Path, cursor: str | None, instance: DagsterInstance):
    context = build_sensor_context(
        cursor=cursor,
        instance=instance,
        resources={"paths": CicopaPaths(raw_data=str(raw_data), out=str(raw_data.parent / "o"))},
    )
    return submissions_sensor(context)


def test_sensor_requests_one_run_per_changed_year_and_never_twice(raw_data: Path):
    write_statistics_fixture(raw_data)
    with DagsterInstance.ephemeral() as instance:
        first = _evaluate(raw_data, None, instance)
        assert [r.partition_key for r in first.run_requests] == ["2025"]
        key = first.run_requests[0].run_key
        # Nothing changed: nothing runs.
        again = _evaluate(raw_data, first.cursor, instance)
        assert isinstance(again, SkipReason)
        # A new file in 2025 gives a new run key for 2025 only.
        write_csv(raw_data / "submissions/2025/CO-ONE_late.csv", [row(member_id="CO-ONE")])
        second = _evaluate(raw_data, first.cursor, instance)
        assert [r.partition_key for r in second.run_requests] == ["2025"]
        assert second.run_requests[0].run_key != key
        # A changed content (same name) is a change too.
        path = raw_data / "submissions/2025/CO-ONE_late.csv"
        path.write_bytes(path.read_bytes().replace(b"CO-ONE", b"co-one"))
        third = _evaluate(raw_data, second.cursor, instance)
        assert third.run_requests[0].run_key not in {key, second.run_requests[0].run_key}


def test_sensor_ignores_years_still_running_and_other_folders(raw_data: Path):
    (raw_data / "submissions" / "2999").mkdir(parents=True)
    (raw_data / "submissions" / "drafts").mkdir(parents=True)
    with DagsterInstance.ephemeral() as instance:
        assert isinstance(_evaluate(raw_data, None, instance), SkipReason)


def test_schedule_builds_the_previous_year_after_the_deadline():
    context = build_schedule_context(scheduled_execution_time=datetime(2026, 4, 1, 6, tzinfo=UTC))
    request = annual_build_schedule(context)
    assert request.partition_key == "2025"
    assert annual_build_schedule.cron_schedule == "0 6 1 4 *"


def test_a_sensor_run_validates_the_new_file(raw_data: Path, tmp_path: Path, dagster_home: Path):
    """What the sensor requests (its job, for the year) validates the new file and
    refreshes the response tracker and the feedback letters."""
    from pipelines.automation import ingest_job
    from pipelines.build import launch, run_config

    write_statistics_fixture(raw_data)
    out = tmp_path / "out"
    with DagsterInstance.get() as instance:
        request = _evaluate(raw_data, None, instance).run_requests[0]
        year = int(request.partition_key)
        result = launch(instance, year, run_config(raw_data, out), job=ingest_job.name)
        assert result.success
        assert result.dagster_run.tags["dagster/partition"] == "2025"
    tracker = (out / "collection" / "2025" / "tracker.csv").read_text().splitlines()
    assert any(line.startswith("KE-ONE,") and ",rejected," in line for line in tracker)
    assert (out / "feedback" / "2025" / "KE-ONE.pdf").read_bytes().startswith(b"%PDF")
    # The published year is a build's alone: a sensor run writes none of it.
    assert not (out / "2025").exists()
