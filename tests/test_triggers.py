"""One job for every trigger: the CLI, the schedule and the UI give the same bytes.

One SQLite instance, one raw-data folder, three out folders. The year is built by
`cicopa build`, by the RunRequest of `annual_build_schedule` executed with the job,
and by a GraphQL `launchRun` sent to the real `dagster-webserver`. The two last
get their folders from the environment only (empty run config), as they would in
production. 2024 has a file, so each 2025 run reads earlier-year figures through the
graph: those partitions, built once by the CLI run, serve the other two. The CLI run
renders the three PDFs; the other two find the same rendering key (the same HTML,
attachments and renderer) and reuse those renderings, which the test checks too: their
PDFs' equality is then that of the HTML, and the renderer's own determinism is tested
in tests/test_report_render.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from cicopa.settings import PROJECT_ROOT
from pipelines.cli import main
from pipelines.ui import WORKSPACE
from tests.builders import (
    FULL_BUILD_2025,
    make_reference,
    row,
    write_csv,
    write_statistics_fixture,
)
from tests.pg_server import free_port

# Generous: a loaded 2-core machine boots the webserver and builds far slower than idle.
WEBSERVER_BOOT_TIMEOUT = 300
RUN_TIMEOUT = 900
# A UI launch only starts at once with the default coordinator; the project's instance
# queues it for the daemon (`cicopa ui` runs one), which would also start the
# submissions sensor's own runs in the middle of this test.
INSTANCE_YAML = """\
run_coordinator:
  module: dagster._core.run_coordinator
  class: DefaultRunCoordinator
telemetry:
  enabled: false
"""
LAUNCH_RUN = """
mutation Launch($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on InvalidSubsetError { message }
    ... on PipelineNotFoundError { message }
  }
}
"""
LOCATIONS = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def year_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def wait_for_location(port: int, process: subprocess.Popen, log: Path) -> None:
    """Until the webserver answers and has loaded the code location (polling only)."""
    deadline = time.monotonic() + WEBSERVER_BOOT_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the webserver exited ({process.returncode}): {log.read_text()[-2000:]}")
        try:
            entries = graphql(port, LOCATIONS)["data"]["workspaceOrError"]["locationEntries"]
            if {"name": "cicopa_stats", "loadStatus": "LOADED"} in entries:
                return
        except (OSError, KeyError, TypeError, ValueError):
            pass  # not listening yet, or the location still loading
        time.sleep(1)
    pytest.fail(f"the webserver did not load cicopa_stats within {WEBSERVER_BOOT_TIMEOUT} s")


def wait_for_run(instance, run_id: str) -> None:
    from dagster import DagsterRunStatus

    done = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        run = instance.get_run_by_id(run_id)
        if run is not None and run.status in done:
            assert run.status == DagsterRunStatus.SUCCESS, f"UI run {run_id}: {run.status}"
            return
        time.sleep(2)
    pytest.fail(f"the UI run {run_id} did not finish within {RUN_TIMEOUT} s")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("triggers")
    home = root / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_YAML)
    raw = write_statistics_fixture(make_reference(root / "raw_data"))
    write_csv(
        raw / "submissions" / "2024" / "IT-ONE.csv",
        [row(reference_year=2024, enterprises=9, worker_members=90, employees=20)],
    )
    outs = {t: root / f"out_{t}" for t in ("cli", "schedule", "ui")}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(home))
        patch.setenv("CICOPA_RAW_DATA", str(raw))
        yield SimpleNamespace(root=root, home=home, raw=raw, outs=outs, patch=patch)


@pytest.fixture(scope="module")
def three_builds(world: SimpleNamespace) -> dict:
    from dagster import DagsterInstance, build_schedule_context, execute_job, reconstructable

    import pipelines.definitions
    from pipelines.automation import annual_build_schedule

    timings: dict[str, float] = {}
    # The webserver boots while the CLI builds: its own environment names the UI's folder.
    port, log = free_port(), world.root / "webserver.log"
    env = {**os.environ, "CICOPA_OUT": str(world.outs["ui"])}
    webserver = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-webserver"), "-w", str(WORKSPACE),
         "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        started = time.monotonic()
        code = main(
            ["build", "--year", "2025", "--raw-data", str(world.raw),
             "--out", str(world.outs["cli"]), "--quiet"]
        )  # fmt: skip
        assert code == 0
        timings["cli"] = time.monotonic() - started

        # The schedule's tick after the 2026 deadline, executed as the daemon would.
        world.patch.setenv("CICOPA_OUT", str(world.outs["schedule"]))
        started = time.monotonic()
        with DagsterInstance.get() as instance:
            context = build_schedule_context(
                instance=instance,
                scheduled_execution_time=datetime(2026, 4, 1, 6, 0, tzinfo=UTC),
                repository_def=pipelines.definitions.defs.get_repository_def(),
            )
            (request,) = annual_build_schedule.evaluate_tick(context).run_requests
            assert request.partition_key == "2025"
            result = execute_job(
                reconstructable(pipelines.definitions.annual_build),
                instance=instance,
                tags=request.tags,
                run_config=request.run_config or {},
            )
            assert result.success
        timings["schedule"] = time.monotonic() - started

        # The UI: launchRun as the Launchpad sends it, with no run config at all.
        started = time.monotonic()
        wait_for_location(port, webserver, log)
        params = {
            "selector": {
                "repositoryLocationName": "cicopa_stats",
                "repositoryName": "__repository__",
                "jobName": "annual_build",
            },
            "runConfigData": {},
            "executionMetadata": {"tags": [{"key": "dagster/partition", "value": "2025"}]},
        }
        launched = graphql(port, LAUNCH_RUN, {"params": params})["data"]["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        ui_run = launched["run"]["runId"]
        with DagsterInstance.get() as instance:
            wait_for_run(instance, ui_run)
        timings["ui"] = time.monotonic() - started
    finally:
        webserver.terminate()
        try:
            webserver.wait(timeout=60)
        except subprocess.TimeoutExpired:
            webserver.kill()
            webserver.wait()
    runs = {
        t: json.loads((out / "2025" / "provenance.json").read_text())["orchestrator"]["run_id"]
        for t, out in world.outs.items()
    }
    assert runs["ui"] == ui_run and runs["schedule"] == result.run_id
    line = "runs " + ", ".join(f"{t} {r}" for t, r in runs.items())
    line += "; seconds " + ", ".join(f"{t} {s:.0f}" for t, s in timings.items())
    (world.root / "runs.txt").write_text(line + "\n")
    print(line)
    return {"runs": runs, "timings": timings, "note": line}


def test_cli_schedule_and_ui_runs_give_byte_identical_outputs(
    world: SimpleNamespace, three_builds: dict
) -> None:
    note = three_builds["note"]
    files = {t: year_files(out / "2025") for t, out in world.outs.items()}
    expected = FULL_BUILD_2025
    for trigger, found in files.items():
        assert set(found) == expected, f"{trigger}; {note}"
    records = {t: json.loads(f.pop("provenance.json")) for t, f in files.items()}
    assert files["schedule"] == files["cli"], note
    assert files["ui"] == files["cli"], note

    # provenance.json differs only by the record of the run: its id and its time.
    for trigger, record in records.items():
        assert record["orchestrator"]["run_id"] == three_builds["runs"][trigger]
        assert record["inputs"] == records["cli"]["inputs"], trigger
        assert record["outputs"] == records["cli"]["outputs"], trigger
        rest = {k: v for k, v in record.items() if k not in ("orchestrator", "built_at")}
        assert rest == {
            k: v for k, v in records["cli"].items() if k not in ("orchestrator", "built_at")
        }
    assert len(set(three_builds["runs"].values())) == 3


def test_the_schedule_and_the_ui_reuse_the_cli_s_renderings(
    world: SimpleNamespace, three_builds: dict
) -> None:
    from dagster import AssetKey, AssetRecordsFilter, DagsterInstance

    with DagsterInstance.get() as instance:
        records = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey("annual_report_pdf")), limit=10
        ).records
    by_run = {r.event_log_entry.run_id: r.asset_materialization.metadata for r in records}
    for trigger, run_id in three_builds["runs"].items():
        expected = "rendered" if trigger == "cli" else "reused: same HTML, attachments and renderer"
        for lang in ("en", "fr", "es"):
            rendering = by_run[run_id][f"annual_report_2025_{lang}.pdf rendering"].value
            assert rendering == expected, (trigger, lang)


def test_every_trigger_runs_the_annual_build_job(
    world: SimpleNamespace, three_builds: dict
) -> None:
    from dagster import DagsterInstance, RunsFilter

    runs = three_builds["runs"]
    with DagsterInstance.get() as instance:
        for trigger, run_id in runs.items():
            run = instance.get_run_by_id(run_id)
            assert run is not None and run.job_name == "annual_build", trigger
            assert run.tags["dagster/partition"] == "2025", trigger
        assert instance.get_run_by_id(runs["cli"]).tags["cicopa/trigger"] == "cli"
        scheduled = instance.get_run_by_id(runs["schedule"]).tags
        assert scheduled["cicopa/trigger"] == "schedule"
        assert scheduled["dagster/schedule_name"] == "annual_build_schedule"
        # 2024 was built once, by the CLI's run of the same job; the others reused it.
        earlier = instance.get_runs(RunsFilter(tags={"dagster/partition": "2024"}))
        assert [r.job_name for r in earlier] == ["annual_build"], three_builds["note"]
        # Nothing ran under an ad-hoc job.
        names = {r.job_name for r in instance.get_runs()}
        assert names == {"annual_build"}, names
