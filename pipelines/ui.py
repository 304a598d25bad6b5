"""`cicopa ui`: the Dagster UI on the project's own instance.

Without options it runs `dagster dev` (webserver and daemon, so the schedule and
the submissions sensor run). With `--read-only` it runs the webserver alone in
read-only mode, for auditors: they can browse assets, lineage, runs, checks and
metadata, but cannot launch, cancel or wipe anything.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cicopa.settings import PROJECT_ROOT

WORKSPACE = PROJECT_ROOT / "workspace.yaml"


def command(read_only: bool, host: str, port: int) -> list[str]:
    """The command line that serves the UI (used by main and by the tests)."""
    bin_dir = Path(sys.executable).parent
    if read_only:
        return [
            str(bin_dir / "dagster-webserver"),
            "-w", str(WORKSPACE),
            "--read-only",
            "-h", host,
            "-p", str(port),
        ]  # fmt: skip
    return [
        str(bin_dir / "dagster"), "dev", "-w", str(WORKSPACE), "-h", host, "-p", str(port),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cicopa ui", description=__doc__)
    parser.add_argument("--read-only", action="store_true", help="auditor mode: nothing can run")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3000)
    args = parser.parse_args(argv)
    from pipelines.project import PROJECT_ROOT, ensure_dagster_home

    home = ensure_dagster_home()
    print(f"Dagster UI on http://{args.host}:{args.port} (instance: {home})", file=sys.stderr)
    os.chdir(PROJECT_ROOT)
    cmd = command(args.read_only, args.host, args.port)
    os.execv(cmd[0], cmd)
    return 0  # not reached: exec replaces this process
