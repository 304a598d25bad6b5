"""The scale path for real: instance storage in a PostgreSQL server, from dagster.postgres.yaml.

A throw-away server (tests/pg_server.py) holds the run history and event log of real
`cicopa build` processes; the runs and their materialisations are then found through
the instance API, and in the server's own tables. Two builds of the same year started
together leave a consistent out folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from cicopa.settings import PROJECT_ROOT, STATISTICS_FILES
from tests.builders import make_reference, row, write_csv, write_statistics_fixture
from tests.pg_server import find_bin_dir, postgres_server

CICOPA = Path(sys.executable).parent / "cicopa"
# A build of the small fixture takes ~20 s here; a loaded 2-core machine may take 10x.
BUILD_TIMEOUT = 600
# Assets along the graph, from the first file read to the published year.
BUILT_ASSETS = (
    "submission_files",
    "validated_submissions",
    "accepted_figures",
    "area_statistics",
    "annual_report_pdf",
    "provenance",
    "published_outputs",
)
RUN_ID = re.compile(r"Dagster run ([0-9a-f-]{36})")


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl): apt-get install postgresql")
    root = tmp_path_factory.mktemp("postgres")
    home = root / "home"
    home.mkdir()
    # The project's own file, as the README tells staff to install it.
    shutil.copy(PROJECT_ROOT / "dagster.postgres.yaml", home / "dagster.yaml")
    raw = write_statistics_fixture(make_reference(root / "raw_data"))
    write_csv(
        raw / "submissions" / "2024" / "IT-ONE.csv",
        [row(reference_year=2024, enterprises=9, worker_members=90, employees=20)],
    )
    with postgres_server(bin_dir) as server, pytest.MonkeyPatch.context() as patch:
        env = {"DAGSTER_HOME": str(home), **server.env()}
        for key, value in env.items():
            patch.setenv(key, value)
        # Run ids seen, for the closing note: kept in a file as well as printed.
        seen = root / "run_ids.txt"
        yield SimpleNamespace(
            server=server, home=home, raw=raw, out=root / "out", env=env, seen=seen
        )
        print(
            f"PostgreSQL runs seen (also in {seen}):\n{seen.read_text() if seen.exists() else ''}"
        )


def cicopa_build(pg: SimpleNamespace) -> subprocess.Popen[str]:
    """A real `cicopa build` process on the PostgreSQL instance (English only: faster)."""
    return subprocess.Popen(
        [CICOPA, "build", "--year", "2025", "--raw-data", str(pg.raw), "--out", str(pg.out),
         "--lang", "en", "--quiet"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **pg.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        _, err = process.communicate(timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"cicopa build did not finish within {BUILD_TIMEOUT} s")
    return process.returncode, err


def note(pg: SimpleNamespace, what: str, run_ids: list[str]) -> str:
    line = f"{what}: {', '.join(run_ids)}"
    with pg.seen.open("a") as handle:
        handle.write(line + "\n")
    print(line)
    return line


def rows_in_server(pg: SimpleNamespace, sql: str) -> list[tuple]:
    import psycopg2

    s = pg.server
    with (
        psycopg2.connect(
            host=s.host, port=s.port, user=s.user, password=s.password, dbname=s.database
        ) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.fixture(scope="module")
def first_build(pg: SimpleNamespace) -> dict:
    code, err = finish(cicopa_build(pg))
    assert code == 0, err
    found = RUN_ID.search(err)
    assert found, err
    return {"run_id": found.group(1), "stderr": err}


def test_a_build_is_recorded_in_postgresql_and_found_through_the_instance(
    pg: SimpleNamespace, first_build: dict
) -> None:
    from dagster import AssetKey, AssetRecordsFilter, DagsterInstance, DagsterRunStatus, RunsFilter

    run_id = first_build["run_id"]
    with DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.status == DagsterRunStatus.SUCCESS
        assert run.job_name == "annual_build"
        assert run.tags["dagster/partition"] == "2025" and run.tags["cicopa/trigger"] == "cli"
        # 2024 has a submissions folder: the same job built its ingest first, in its own run.
        earlier = instance.get_runs(
            RunsFilter(job_name="annual_build", tags={"dagster/partition": "2024"})
        )
        assert [r.status for r in earlier] == [DagsterRunStatus.SUCCESS]
        message = note(pg, "first build (2024 ingest, 2025)", [earlier[0].run_id, run_id])

        for asset in BUILT_ASSETS:
            records = instance.fetch_materializations(
                AssetRecordsFilter(asset_key=AssetKey(asset), asset_partitions=["2025"]), limit=5
            ).records
            assert [r.run_id for r in records] == [run_id], f"{asset}; {message}"
        accepted_2024 = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey("accepted_figures"), asset_partitions=["2024"]),
            limit=5,
        ).records
        assert [r.run_id for r in accepted_2024] == [earlier[0].run_id], message
    # The same history, read from the server's own tables: nothing went to SQLite.
    in_server = {r[0] for r in rows_in_server(pg, "select run_id from runs")}
    assert {run_id, earlier[0].run_id} <= in_server, message
    assert not list(pg.home.rglob("*.db")), "SQLite files in the PostgreSQL instance's home"
    published = json.loads((pg.out / "2025" / "provenance.json").read_text())
    assert published["orchestrator"]["run_id"] == run_id


def consistent(year: Path) -> None:
    """The published set is whole: provenance.json describes it, the PDF carries its CSVs."""
    from pypdf import PdfReader

    record = json.loads((year / "provenance.json").read_text())
    listed = {o["path"]: o["sha256"] for o in record["outputs"]}
    on_disk = {
        p.relative_to(year).as_posix()
        for p in year.rglob("*")
        if p.is_file()
        and p.name != "provenance.json"
        and "revisions" not in p.relative_to(year).parts
    }
    assert on_disk - {"revisions.csv"} == set(listed) - {"revisions.csv"}
    for path, digest in listed.items():
        assert hashlib.sha256((year / path).read_bytes()).hexdigest() == digest, path
    attachments = {
        name: data[0]
        for name, data in PdfReader(year / "annual_report_2025_en.pdf").attachments.items()
    }
    for name in STATISTICS_FILES:
        assert attachments[name] == (year / "statistics" / name).read_bytes(), name
    assert json.loads(attachments["provenance.json"])["inputs"] == record["inputs"]


def test_two_builds_of_a_year_started_together_leave_a_consistent_out_folder(
    pg: SimpleNamespace, first_build: dict
) -> None:
    from dagster import DagsterInstance, DagsterRunStatus

    # A corrected file, so that the builds have a revision to publish, not "unchanged".
    write_csv(
        pg.raw / "submissions" / "2025" / "US-ONE.csv",
        [row(member_id="US-ONE", sector="F", enterprises=7, worker_members=40, employees=4,
             women=10, turnover=2000000, currency="USD")],
    )  # fmt: skip
    both = [cicopa_build(pg), cicopa_build(pg)]
    results = [finish(p) for p in both]
    finished = [err for code, err in results if code == 0]
    refused = [err for code, err in results if code == 2]
    assert len(finished) >= 1 and len(finished) + len(refused) == 2, results
    for err in refused:
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert re.fullmatch(
            r"cicopa build: another build of 2025 into .*/out is running \(pid \d+ on .+\); "
            r"run again when it has finished",
            lines[0],
        ), lines[0]
    run_ids = [RUN_ID.search(err).group(1) for err in finished]
    message = note(pg, f"two builds together ({len(refused)} refused)", run_ids)
    with DagsterInstance.get() as instance:
        for run_id in run_ids:
            run = instance.get_run_by_id(run_id)
            assert run is not None and run.status == DagsterRunStatus.SUCCESS, message
            assert run.job_name == "annual_build", message

    year = pg.out / "2025"
    consistent(year)
    record = json.loads((year / "provenance.json").read_text())
    assert record["orchestrator"]["run_id"] in run_ids, message
    # Enterprises by hand: US-ONE 4 -> 7 moves the world total 39 -> 42; one revision only,
    # whichever of the two builds published it.
    assert record["edition"] == 2
    revisions = (year / "revisions.csv").read_text().splitlines()
    assert "1,global,WORLD,enterprises,39,42,changed submissions/2025/US-ONE.csv" in revisions
    assert {line.split(",")[0] for line in revisions[1:]} == {"1"}
    assert not list((pg.out / ".staging").glob("2025-*")), "a run's staging folder was left"
