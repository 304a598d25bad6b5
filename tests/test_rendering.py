"""The rendering process: it renders beside the runs of a process and ends with it.

Dagster's code server runs a run launched from the UI in a multiprocessing child. Such
a child, at its end, joins its own children before most exit hooks run; a rendering
process still running then kept the run's process, and with it the code server, alive
for ever. These tests drive the resource in such a child, and kill the process a
rendering process serves.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

LETTER = "<html><body><p>Sample federation 1 of Italy: two errors.</p></body></html>"
# Ample for a process start, WeasyPrint's import and a one-page letter on a loaded machine.
WAIT = 120


def _rendering_pids() -> list[int]:
    from pipelines.rendering import start_rendering_process

    pool = start_rendering_process()
    return [p.pid for p in pool._processes.values()] if pool is not None else []


def _gone(pid: int, seconds: float) -> bool:
    """Whether process `pid` has ended, waiting up to `seconds` for it."""
    deadline = time.monotonic() + seconds
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not Path(f"/proc/{pid}").exists()


def _a_run_in_a_multiprocessing_child(found: Path) -> None:
    """What a run launched by the code server does with the resource, then returns."""
    from dagster import build_init_resource_context

    from pipelines.resources import DocumentRenderer
    from reports.pdf import letter_pdf

    renderer, context = DocumentRenderer(), build_init_resource_context()
    renderer.setup_for_execution(context)
    pdf = renderer.submit(letter_pdf, LETTER, 2025).result(timeout=WAIT)
    pids = _rendering_pids()
    renderer.teardown_after_execution(context)  # what Dagster calls at the run's end
    found.write_text(f"{pdf[:5].decode()} {' '.join(map(str, pids))}")


def test_a_run_in_a_multiprocessing_child_ends_and_leaves_no_rendering_process(
    tmp_path: Path,
) -> None:
    found = tmp_path / "found.txt"
    child = multiprocessing.get_context("spawn").Process(
        target=_a_run_in_a_multiprocessing_child, args=(found,)
    )
    child.start()
    child.join(WAIT)
    if child.exitcode is None:
        child.kill()
        child.join()
    assert child.exitcode == 0, "the run's process did not end after its run"
    kind, *pids = found.read_text().split()
    assert kind == "%PDF-"
    assert len(pids) == (1 if len(os.sched_getaffinity(0)) >= 2 else 0)
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists(), "the rendering process outlived its run"


def test_a_rendering_after_the_process_stopped_or_died_starts_another() -> None:
    """Stopped (its process's end), or killed (out of memory, say): the next rendering
    gets a new rendering process, and the same bytes."""
    from pipelines.rendering import render_elsewhere, stop_rendering_process
    from reports.pdf import letter_pdf

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: everything renders in place")
    first = render_elsewhere(letter_pdf, LETTER, 2025).result(timeout=WAIT)
    (before,) = _rendering_pids()
    stop_rendering_process()
    second = render_elsewhere(letter_pdf, LETTER, 2025).result(timeout=WAIT)
    (after_stop,) = _rendering_pids()
    os.kill(after_stop, signal.SIGKILL)
    _gone(after_stop, WAIT)  # the pool learns of it sooner once it has ended
    deadline = time.monotonic() + WAIT
    third = None
    while third is None and time.monotonic() < deadline:
        try:  # the pool may learn of the death only when asked again
            third = render_elsewhere(letter_pdf, LETTER, 2025).result(timeout=WAIT)
        except BrokenProcessPool:
            continue
    (after_kill,) = _rendering_pids()
    assert first == second == third and first.startswith(b"%PDF-")
    assert len({before, after_stop, after_kill}) == 3


def _start_one_and_wait(found: Path) -> None:
    from pipelines.rendering import render_elsewhere
    from reports.pdf import letter_pdf

    render_elsewhere(letter_pdf, LETTER, 2025).result(timeout=WAIT)
    found.write_text(" ".join(map(str, _rendering_pids())))
    time.sleep(WAIT)


def test_the_rendering_process_ends_when_the_process_it_serves_is_killed(
    tmp_path: Path,
) -> None:
    found = tmp_path / "found.txt"
    child = multiprocessing.get_context("spawn").Process(target=_start_one_and_wait, args=(found,))
    child.start()
    deadline = time.monotonic() + WAIT
    while not (found.exists() and found.read_text()) and time.monotonic() < deadline:
        if not child.is_alive():
            break
        time.sleep(0.1)
    pids = [int(p) for p in found.read_text().split()] if found.exists() else []
    child.kill()  # as an out-of-memory kill would: no exit hook runs
    child.join()
    if len(os.sched_getaffinity(0)) < 2:
        assert pids == []
        return
    assert len(pids) == 1
    assert _gone(pids[0], 10), "the rendering process outlived a kill"


def test_a_failure_in_the_rendering_process_is_told_as_itself(tmp_path: Path) -> None:
    """The build's one-line reason names what failed (here: the renderings folder is a
    file), not the traceback the rendering process sends along with it."""
    from dagster._utils.error import serializable_error_info_from_exc_info

    from pipelines.build import _innermost
    from pipelines.rendering import render_elsewhere
    from reports.pdf import report_pdf

    blocked = tmp_path / "renderings"
    blocked.write_text("a file where the folder should be")
    job = render_elsewhere(report_pdf, LETTER, 2025, "en", (), blocked / "2025")
    with pytest.raises(OSError) as caught:
        job.result(timeout=WAIT)
    error = serializable_error_info_from_exc_info((caught.type, caught.value, caught.tb))
    root = _innermost(error)
    assert root.cls_name in {"NotADirectoryError", "FileExistsError", "OutputWriteError"}
    assert "renderings" in root.message


def _held_until(path: str) -> None:
    """Keeps the rendering process busy until `path` exists: the test decides when."""
    while not os.path.exists(path):
        time.sleep(0.01)


def test_a_failing_step_leaves_no_rendering_queued(tmp_path: Path) -> None:
    """What a failed step had handed over and the process has not started is cancelled:
    it was otherwise all rendered before the failed build could end."""
    from pipelines.rendering import cancelled_on_failure, render_elsewhere

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one core: everything renders in place, nothing is queued")
    render_elsewhere(int).result(timeout=WAIT)  # the process is up
    jobs = []
    release = tmp_path / "release"
    with pytest.raises(RuntimeError), cancelled_on_failure(jobs):
        jobs.extend(render_elsewhere(_held_until, str(release)) for _ in range(5))
        raise RuntimeError("the annexes could not be written")
    # Up to three were handed over and cannot be cancelled: the one the process took,
    # and the two its executor queues ahead of it (max_workers + EXTRA_QUEUED_CALLS,
    # refilled as soon as the process takes one). The rest never run.
    assert [j.cancelled() for j in jobs][3:] == [True, True]
    release.touch()
    for job in jobs[:3]:
        if not job.cancelled():
            job.result(timeout=WAIT)
