"""`cicopa ui`: the Dagster UI on the project's own instance.

Without options it runs `dagster dev` (webserver and daemon, so the schedule and
the submissions sensor run). With `--read-only` it serves the webserver alone in
read-only mode, for auditors: they can browse assets, lineage, runs, checks and
metadata, but cannot launch, cancel or wipe anything.

The read-only UI starts the code location's server itself, as a production set-up
does (a `grpc_server` location), at the same moment as the webserver: the webserver
otherwise imports itself (about 3 s) and only then starts the code server and waits
for it to import Dagster and the code location (about 2.5 s more). The code server
listens on a socket in a private folder and ends with this process.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from cicopa.settings import PROJECT_ROOT

WORKSPACE = PROJECT_ROOT / "workspace.yaml"
# The code location, as pyproject.toml names it for Dagster.
_DAGSTER = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["dagster"]
LOCATION, DEFINITIONS = _DAGSTER["code_location_name"], _DAGSTER["module_name"]
# How long the code location may take to load on a loaded machine.
CODE_SERVER_TIMEOUT = 120
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a child gets when its parent dies
SERVER_STOP_SECONDS = 5


def command(read_only: bool, host: str, port: int) -> list[str]:
    """The command line that serves the UI (used by main and by the tests)."""
    if read_only:
        return [sys.executable, "-m", "pipelines.ui", "--read-only", "--host", host,
                "--port", str(port)]  # fmt: skip
    bin_dir = Path(sys.executable).parent
    return [
        str(bin_dir / "dagster"), "dev", "-w", str(WORKSPACE), "-h", host, "-p", str(port),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cicopa ui", description=__doc__)
    parser.add_argument("--read-only", action="store_true", help="auditor mode: nothing can run")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3000)
    args = parser.parse_args(argv)
    from pipelines.project import ensure_dagster_home

    home = ensure_dagster_home()
    print(f"Dagster UI on http://{args.host}:{args.port} (instance: {home})", file=sys.stderr)
    os.chdir(PROJECT_ROOT)
    if args.read_only:
        return serve_read_only(args.host, args.port)
    cmd = command(False, args.host, args.port)
    os.execv(cmd[0], cmd)
    return 0  # not reached: exec replaces this process


def serve_read_only(host: str, port: int) -> int:
    """The read-only webserver, in this process, on a code server started beside it."""
    # A SIGTERM before the webserver runs (it then handles SIGTERM itself) still stops
    # the code server: the `finally` below runs.
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, _exit_on_signal)
    folder = tempfile.mkdtemp(prefix="cicopa-ui-")  # 0700: only this user reaches the socket
    socket = os.path.join(folder, "code-server.sock")
    args = [sys.executable, "-m", "dagster", "api", "grpc", "--module-name", DEFINITIONS,
            "--location-name", LOCATION, "--socket", socket]  # fmt: skip
    server = subprocess.Popen(args, cwd=PROJECT_ROOT, preexec_fn=_end_with_parent)
    client = None
    try:
        # Imported while the code server loads the code location.
        from dagster import DagsterInstance
        from dagster._core.workspace.context import WorkspaceProcessContext
        from dagster._core.workspace.load_target import GrpcServerTarget
        from dagster._grpc.client import DagsterGrpcClient
        from dagster._grpc.server import wait_for_grpc_server
        from dagster_webserver import cli as webserver
        from dagster_webserver.version import __version__

        client = DagsterGrpcClient(port=None, socket=socket)
        try:
            wait_for_grpc_server(server, client, args, timeout=CODE_SERVER_TIMEOUT)
        except Exception as exc:  # it exited, or did not answer in time
            print(f"cicopa ui: the code location did not load: {exc}", file=sys.stderr)
            return 1
        target = GrpcServerTarget(
            host="localhost", port=None, socket=socket, location_name=LOCATION
        )
        with DagsterInstance.get() as instance:
            # As dagster-webserver sets its instance up (pooled connections on PostgreSQL).
            instance.optimize_for_webserver(
                webserver.DEFAULT_DB_STATEMENT_TIMEOUT,
                webserver.DEFAULT_POOL_RECYCLE,
                webserver.DEFAULT_POOL_MAX_OVERFLOW,
            )
            with WorkspaceProcessContext(
                instance, version=__version__, read_only=True, workspace_load_target=target
            ) as context:
                webserver.host_dagster_ui_with_workspace_process_context(
                    context, host, port, "", "warning"
                )
    finally:
        _stop(server, client)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def _stop(server: subprocess.Popen, client: object) -> None:
    """Ask the code server to shut down (it ignores SIGTERM), else kill it."""
    if client is not None:
        with contextlib.suppress(Exception):  # not answering: it is killed below
            client.shutdown_server(timeout=SERVER_STOP_SECONDS)  # type: ignore[attr-defined]
    try:
        server.wait(timeout=SERVER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _end_with_parent() -> None:
    """In the code server, before it runs: end when this process ends, killed included
    (SIGKILL: it holds nothing to save, and may be ignoring SIGTERM)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
