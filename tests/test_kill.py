"""A rebuild killed at any moment leaves a year's old set or its new set, never a mix.

SPEC section 3: the PDFs' attachments, provenance.json and the CSVs always agree. The
rebuilds run as real `cicopa build` processes on a real Dagster instance and are
SIGKILLed (their whole process group) at moments found by watching the file system:
right after the swap, right after the run's staging folder appears, and half-way
through a rebuild as long as the one measured before. A kill that lands after the
build has finished (a loaded machine) must leave the new set.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from cicopa.settings import STATISTICS_FILES
from tests.builders import make_reference, row, write_csv, write_statistics_fixture

YEAR = 2025
# US-ONE's enterprises: 4 in the fixture, then two corrections, each a revision.
CORRECTIONS = (7, 9)
# Nothing a build does may take this long, even on a loaded machine.
BUILD_TIMEOUT = 600


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every entry under `folder` (links and dot files included) with its bytes."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        rel = path.relative_to(folder).as_posix()
        found[rel] = b"->" + os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
    return found


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_one_whole_set(year: Path) -> dict:
    """The folder's files are exactly those provenance.json records, and all agree."""
    files = snapshot(year)
    record = json.loads(files["provenance.json"])
    own = {
        rel: data
        for rel, data in files.items()
        if rel != "provenance.json" and not rel.startswith("revisions/")
    }
    assert {o["path"]: o["sha256"] for o in record["outputs"]} == {
        rel: sha(data) for rel, data in own.items()
    }
    pdfs = [rel for rel in own if rel.endswith(".pdf")]
    assert pdfs, "a set without a report"
    for rel in pdfs:
        attached = {name: data[0] for name, data in PdfReader(year / rel).attachments.items()}
        for name in STATISTICS_FILES:
            assert attached[name] == own[f"statistics/{name}"], f"{rel}: {name}"
        figures = json.loads(attached["provenance.json"])
        assert figures["inputs"] == record["inputs"], rel
    # Each earlier edition is kept whole, as recorded by its own provenance.json.
    for folder in sorted((year / "revisions").glob("*")):
        assert_one_whole_set(folder)
    return record


def us_one(world: SimpleNamespace, enterprises: int) -> bytes:
    """The bytes of US-ONE.csv reporting `enterprises` (written once to a scratch file)."""
    scratch = world.root / "scratch" / f"US-ONE-{enterprises}.csv"
    if not scratch.is_file():
        write_csv(
            scratch,
            [row(member_id="US-ONE", sector="F", enterprises=enterprises, worker_members=40,
                 employees=4, women=10, turnover=2000000, currency="USD")],
        )  # fmt: skip
    return scratch.read_bytes()


def built_from(world: SimpleNamespace, record: dict) -> int | None:
    """Which version of US-ONE.csv a set was built from (by the hash it recorded)."""
    recorded = {i["file"]: i["sha256"] for i in record["inputs"]}["submissions/2025/US-ONE.csv"]
    for enterprises in (4, *CORRECTIONS):
        if recorded == sha(us_one(world, enterprises)):
            return enterprises
    return None


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("kill")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(root / "home"))
        from pipelines.project import ensure_dagster_home

        ensure_dagster_home()
        raw = write_statistics_fixture(make_reference(root / "raw_data"))
        world = SimpleNamespace(root=root, raw=raw, out=root / "out", year=root / "out" / "2025")
        assert (raw / "submissions/2025/US-ONE.csv").read_bytes() == us_one(world, 4)
        yield world


def start(world: SimpleNamespace, lang: str) -> subprocess.Popen:
    args = ["build", "--year", str(YEAR), "--raw-data", str(world.raw), "--out", str(world.out)]
    log = open(world.root / "build.log", "ab")  # noqa: SIM115 - the child writes to it
    try:
        # A session of its own: the kill takes the whole group, as an OOM kill or a
        # machine stop would, and no helper process outlives it.
        return subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", *args, "--lang", lang, "--quiet"],
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    finally:
        log.close()


def build_here(world: SimpleNamespace) -> int:
    """`cicopa build` of the year in English, in this process."""
    from pipelines.cli import main

    args = ["build", "--year", str(YEAR), "--raw-data", str(world.raw), "--out", str(world.out)]
    return main([*args, "--lang", "en", "--quiet"])


def kill_when(build: subprocess.Popen, moment: Callable[[], bool]) -> bool:
    """SIGKILL the build as soon as `moment()` holds; False if it finished first."""
    deadline = time.monotonic() + BUILD_TIMEOUT
    while build.poll() is None:
        if moment():
            os.killpg(build.pid, signal.SIGKILL)
            build.wait()
            return True
        assert time.monotonic() < deadline, "the build hangs"
        time.sleep(0.002)
    return False


def new_staging(world: SimpleNamespace) -> Callable[[], bool]:
    before = set((world.out / ".staging").glob(f"{YEAR}-*"))
    return lambda: bool(set((world.out / ".staging").glob(f"{YEAR}-*")) - before)


def swapped(world: SimpleNamespace) -> Callable[[], bool]:
    """True once `<out>/2025` is another folder: the staged one took its place."""
    inode = world.year.stat().st_ino
    return lambda: world.year.stat().st_ino != inode


def test_a_killed_rebuild_leaves_the_old_set_or_the_new_set(world: SimpleNamespace) -> None:
    from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter

    # English only, here and below: a set's consistency does not depend on how many
    # languages it holds, and each language would add a rendering to every build. The
    # first build and the last are not killed: they run in this process.
    began = time.monotonic()
    assert build_here(world) == 0
    first_took = time.monotonic() - began
    record = assert_one_whole_set(world.year)
    assert built_from(world, record) == 4
    assert [p.name for p in world.year.glob("*.pdf")] == ["annual_report_2025_en.pdf"]

    killed: dict[str, int] = {}  # which kill -> pid of the killed build
    outcomes: list[str] = []

    def status_of(pid: int) -> DagsterRunStatus:
        with DagsterInstance.get() as instance:
            (run,) = instance.get_runs(RunsFilter(tags={"cicopa/pid": str(pid)}))
            return run.status

    def rebuild_and_kill(kill: str, enterprises: int, moment: Callable[[], bool]) -> float:
        (world.raw / "submissions/2025/US-ONE.csv").write_bytes(us_one(world, enterprises))
        old = snapshot(world.year)
        old_enterprises = built_from(world, json.loads(old["provenance.json"]))
        earlier = list(killed.values())
        build = start(world, "en")
        began = time.monotonic()
        hit = kill_when(build, moment)
        took = time.monotonic() - began
        if earlier and status_of(earlier[-1]) != DagsterRunStatus.SUCCESS:
            # Every kill moment comes after the start: the last killed run is failed.
            assert status_of(earlier[-1]) == DagsterRunStatus.FAILURE
        if hit:
            killed[kill] = build.pid
        else:
            assert build.returncode == 0, (world.root / "build.log").read_text()
        now = snapshot(world.year)
        record = assert_one_whole_set(world.year)
        if now == old:
            outcomes.append(f"{kill}: old set ({took:.1f} s)")
            assert built_from(world, record) == old_enterprises
        else:
            outcomes.append(f"{kill}: new set ({took:.1f} s)")
            assert built_from(world, record) == enterprises
            # The previous set is kept whole as the latest revision, byte for byte.
            latest = max((world.year / "revisions").iterdir(), key=lambda p: int(p.name))
            assert snapshot(latest) == {
                rel: data for rel, data in old.items() if not rel.startswith("revisions")
            } | ({"revisions.csv": old["revisions.csv"]} if "revisions.csv" in old else {})
        return took

    # 1. Right after the swap: the new set is in place, the old one not yet removed.
    rebuild_took = rebuild_and_kill("after the swap", CORRECTIONS[0], swapped(world))
    assert "new set" in outcomes[-1]
    # 2. Right after the rebuild's staging folder appears: surely mid-run.
    rebuild_and_kill("staging appeared", CORRECTIONS[1], new_staging(world))
    assert "old set" in outcomes[-1] and "staging appeared" in killed
    # 3. Half-way through a rebuild as long as the one of kill 1 (its swap came last).
    halfway = time.monotonic() + rebuild_took / 2
    rebuild_and_kill("half-way", CORRECTIONS[1], lambda: time.monotonic() > halfway)

    # A normal rebuild succeeds, marks the killed runs failed and cleans their staging.
    assert build_here(world) == 0
    record = assert_one_whole_set(world.year)
    assert built_from(world, record) == CORRECTIONS[1]
    assert not list((world.out / ".staging").glob(f"{YEAR}-*"))
    with DagsterInstance.get() as instance:
        for kill, pid in killed.items():
            (run,) = instance.get_runs(RunsFilter(tags={"cicopa/pid": str(pid)}))
            run = instance.get_run_by_id(run.run_id)
            # Only a kill after the run's last event may leave it a success.
            assert run.status == DagsterRunStatus.FAILURE or (
                kill == "half-way" and run.status == DagsterRunStatus.SUCCESS
            ), (kill, run.status)
            if run.status == DagsterRunStatus.FAILURE:
                failure = instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_FAILURE)
                assert f"(pid {pid} on " in failure[-1].message and "died" in failure[-1].message
        statuses = {r.run_id: r.status for r in instance.get_runs()}
    assert DagsterRunStatus.STARTED not in statuses.values(), statuses
    print(f"first build {first_took:.1f} s; kills: {'; '.join(outcomes)}", file=sys.stderr)
