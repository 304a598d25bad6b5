"""Publishing a year as one unit: whole sets only, stale staging cleaned, dead runs failed.

The folders are real, the runs are records of a real SQLite Dagster instance, and the
dead process is a real child process that has exited.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cicopa.publish import PublishError, publish

YEAR = 2025


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def staged_set(folder: Path, files: dict[str, bytes]) -> Path:
    """A set with its provenance.json recording every file's sha256."""
    for name, data in files.items():
        write(folder / name, data)
    outputs = [{"path": n, "sha256": hashlib.sha256(d).hexdigest()} for n, d in files.items()]
    write(folder / "provenance.json", json.dumps({"outputs": outputs}).encode())
    return folder


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


OLD = {"statistics/by_area.csv": b"area,enterprises\nWORLD,39\n", "report.pdf": b"%PDF old"}
NEW = {"statistics/by_area.csv": b"area,enterprises\nWORLD,42\n", "report.pdf": b"%PDF new"}


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        (lambda s: (s / "report.pdf").unlink(), "report.pdf missing"),
        (lambda s: write(s / "statistics" / "stray.csv", b"x\n"), "stray.csv not in provenance"),
        (lambda s: write(s / "report.pdf", b"%PDF torn"), "report.pdf differs from provenance"),
        (lambda s: (s / "provenance.json").unlink(), "provenance.json is missing"),
        (
            lambda s: [(s / "report.pdf").unlink(), (s / "report.pdf").symlink_to("/etc/passwd")],
            "report.pdf is not a regular file",
        ),
    ],
)
def test_a_staged_set_that_is_not_whole_is_refused_and_the_old_set_stays(
    tmp_path: Path, spoil, says: str
) -> None:
    published = staged_set(tmp_path / "out" / "2025", OLD)
    before = tree(published)
    staged = staged_set(tmp_path / "out" / ".staging" / "2025-run", NEW)
    spoil(staged)
    with pytest.raises(PublishError, match=re.escape(says)) as refused:
        publish(staged, published, revision=1)
    assert "nothing was published" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert tree(published) == before
    assert not (published / "revisions").exists()


def test_a_required_file_the_record_lacks_is_refused(tmp_path: Path) -> None:
    published = staged_set(tmp_path / "2025", OLD)
    staged = staged_set(tmp_path / "2025-run", {"report.pdf": b"%PDF new"})
    with pytest.raises(PublishError, match=re.escape("statistics/by_area.csv missing")):
        publish(staged, published, revision=None, required=("statistics/by_area.csv",))
    assert tree(published)["report.pdf"] == b"%PDF old"


def test_a_whole_set_replaces_the_old_one_which_is_kept_as_the_revision(tmp_path: Path) -> None:
    published = staged_set(tmp_path / "2025", OLD)
    before = tree(published)
    staged = staged_set(tmp_path / "2025-run", NEW)
    assert publish(staged, published, revision=1, required=tuple(NEW)) == "revision 1"
    now = tree(published)
    assert {k: v for k, v in now.items() if not k.startswith("revisions/")} == {
        **NEW,
        "provenance.json": now["provenance.json"],
    }
    assert {k.removeprefix("revisions/1/"): v for k, v in now.items() if "/1/" in k} == before
    assert not staged.exists()


def _add_run(instance, status: str, tags: dict[str, str] | None = None) -> str:
    from dagster import DagsterRunStatus
    from dagster._core.storage.dagster_run import DagsterRun

    run = DagsterRun(job_name="annual_build", status=DagsterRunStatus(status), tags=tags or {})
    instance.add_run(run)
    return run.run_id


def test_cleanup_keeps_runs_in_progress_and_removes_what_no_run_will_publish(
    dagster_home: Path, tmp_path: Path
) -> None:
    from dagster import DagsterInstance

    from pipelines.runs import clean_staging

    out = tmp_path / "out"
    with DagsterInstance.get() as instance:
        runs = {s: _add_run(instance, s) for s in ("STARTED", "CANCELING", "FAILURE", "SUCCESS")}
        folders = {s: out / ".staging" / f"{YEAR}-{r}" for s, r in runs.items()}
        folders["unknown, recent"] = out / ".staging" / f"{YEAR}-a1b2c3d4-recent"
        folders["unknown, a day old"] = out / ".staging" / f"{YEAR}-a1b2c3d4-old"
        folders["other year"] = out / ".staging" / f"2024-{runs['FAILURE']}"
        for folder in folders.values():
            write(folder / "statistics" / "by_area.csv", b"area\n")
        day_ago = time.time() - 25 * 3600
        old = folders["unknown, a day old"]
        for path in [*old.rglob("*"), old]:
            os.utime(path, (day_ago, day_ago))
        write(out / ".staging" / f"{YEAR}.lock", b"")
        removed = clean_staging(instance, out, YEAR)
    gone = {"FAILURE", "SUCCESS", "unknown, a day old"}
    assert sorted(removed) == sorted(folders[k] for k in gone)
    assert {k for k, f in folders.items() if f.exists()} == set(folders) - gone
    assert (out / ".staging" / f"{YEAR}.lock").exists()


def test_a_run_whose_process_died_is_failed_and_a_live_ones_is_not(dagster_home: Path) -> None:
    from dagster import DagsterEventType, DagsterInstance

    from pipelines.runs import _process_start, mark_dead_runs_failed, process_tags

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    child_started = _process_start(child.pid)
    child.kill()
    child.wait()
    host = socket.gethostname()
    me = process_tags()
    assert me["cicopa/pid"] == str(os.getpid()) and me["cicopa/pid_started"]
    dead = {"cicopa/pid": str(child.pid), "cicopa/host": host}
    if child_started is not None:  # even if the pid is reused meanwhile, it is another process
        dead["cicopa/pid_started"] = child_started
    with DagsterInstance.get() as instance:
        runs = {
            "dead": _add_run(instance, "STARTED", dead),
            "alive": _add_run(instance, "STARTED", me),
            "pid reused": _add_run(instance, "STARTED", {**me, "cicopa/pid_started": "1"}),
            "other host": _add_run(instance, "STARTED", {**dead, "cicopa/host": "elsewhere"}),
            "from the UI": _add_run(instance, "STARTED"),
        }
        failed = mark_dead_runs_failed(instance)
        status = {k: instance.get_run_by_id(r).status.value for k, r in runs.items()}
        failure = instance.all_logs(runs["dead"], of_type=DagsterEventType.RUN_FAILURE)
        # The next start finds nothing more to do.
        assert mark_dead_runs_failed(instance) == []
    assert sorted(failed) == sorted([runs["dead"], runs["pid reused"]])
    assert status == {
        "dead": "FAILURE",
        "alive": "STARTED",
        "pid reused": "FAILURE",
        "other host": "STARTED",
        "from the UI": "STARTED",
    }
    assert failure[-1].message == f"the process running it (pid {child.pid} on {host}) died"
