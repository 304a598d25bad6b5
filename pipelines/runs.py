"""Which runs are still going: the process behind a command-line run, and its staging.

A run that `cicopa build` executes is tagged with the process that executes it, so a
later start can tell a run whose process died (killed, out of memory, machine stopped)
from one still going, mark it failed, and remove the staging folder it left.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dagster import DagsterInstance

# A run is going while in one of these; CANCELING still executes its steps.
IN_PROGRESS = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")


def _process_start(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot), or None if unknown.

    With the pid it names one process for good: a pid alone may be reused by another
    process after the build died, which would keep its run "STARTED" for ever.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its end.
    return stat.rsplit(")", 1)[-1].split()[19]


def process_tags() -> dict[str, str]:
    """Tags naming the process that executes a run, for `mark_dead_runs_failed`."""
    tags = {"cicopa/pid": str(os.getpid()), "cicopa/host": socket.gethostname()}
    started = _process_start(os.getpid())
    if started is not None:
        tags["cicopa/pid_started"] = started
    return tags


def mark_dead_runs_failed(instance: DagsterInstance) -> list[str]:
    """Runs of this machine left in progress by a process that died are failed, with why."""
    from dagster import DagsterRunStatus, RunsFilter

    failed = []
    host = socket.gethostname()
    statuses = [DagsterRunStatus(s) for s in IN_PROGRESS if s != "QUEUED"]
    for run in instance.get_runs(RunsFilter(statuses=statuses)):
        pid, run_host = run.tags.get("cicopa/pid"), run.tags.get("cicopa/host")
        if not pid or not pid.isdigit() or run_host != host:
            continue
        if _alive(int(pid), run.tags.get("cicopa/pid_started")):
            continue
        instance.report_run_failed(run, f"the process running it (pid {pid} on {host}) died")
        failed.append(run.run_id)
    return failed


def _alive(pid: int, started: str | None = None) -> bool:
    """Whether process `pid` runs, and is the one that started at `started` if given."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return started is None or _process_start(pid) in (started, None)


def run_in_progress(instance: DagsterInstance, run_id: str) -> bool | None:
    """True while the run goes on, False once it ended, None if the instance lacks it."""
    run = instance.get_run_by_id(run_id)
    return None if run is None else run.status.value in IN_PROGRESS


def clean_staging(instance: DagsterInstance, out: Path, year: int) -> list[Path]:
    """Remove the year's staging folders left by runs that ended (failed, killed, done)."""
    from cicopa.publish import clean_stale_staging

    return clean_stale_staging(out, year, lambda run_id: run_in_progress(instance, run_id))
