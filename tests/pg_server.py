"""A throw-away PostgreSQL server for tests: Debian's binaries, a temp folder, a free port.

The server runs as an unprivileged user: PostgreSQL refuses to run as root, so when
the tests run as root (CI) it runs as the `postgres` system user that Debian's
`postgresql` package creates. It listens on 127.0.0.1 only and asks for a password
over TCP (scram-sha-256), so the instance is reached the way a real one would be.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "cicopa"
PASSWORD = "cicopa-test-password"
DATABASE = "cicopa_dagster"
# Every server command is bounded: a hung server fails the test instead of the CI job.
COMMAND_TIMEOUT = 120


def find_bin_dir() -> Path | None:
    """The folder of `initdb` and `pg_ctl`: on PATH, else Debian's newest version."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent

    def version(path: str) -> tuple[int, ...]:
        found = re.search(r"/postgresql/([\d.]+)/bin/", path)
        return tuple(int(p) for p in found.group(1).split(".")) if found else (0,)

    candidates = [
        p for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl") if Path(p, "..", "initdb").exists()
    ]
    return Path(max(candidates, key=version)).parent if candidates else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str
    database: str
    log: Path

    def env(self) -> dict[str, str]:
        """The CICOPA_PG_* variables that dagster.postgres.yaml reads."""
        return {
            "CICOPA_PG_HOST": self.host,
            "CICOPA_PG_PORT": str(self.port),
            "CICOPA_PG_DB": self.database,
            "CICOPA_PG_USER": self.user,
            "CICOPA_PG_PASSWORD": self.password,
        }


def _server_user() -> tuple[Callable[[], None] | None, int | None, int | None]:
    """How to drop root for the server's commands: (preexec, uid, gid); nothing if not root."""
    if os.geteuid() != 0:
        return None, None, None
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError(
            "running as root, PostgreSQL needs an unprivileged user: the 'postgres' system "
            "user (created by Debian's postgresql package) does not exist"
        ) from None
    uid, gid = account.pw_uid, account.pw_gid

    def drop() -> None:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)

    return drop, uid, gid


def _run(
    command: list[str], preexec: Callable[[], None] | None, env: dict[str, str] | None = None
) -> None:
    result = subprocess.run(
        command,
        preexec_fn=preexec,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        cwd="/",  # the server user may not be able to enter the test's folder
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", **(env or {})},
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()}"
        )


@contextmanager
def postgres_server(bin_dir: Path) -> Iterator[Server]:
    """Start a fresh cluster with one database; stopped and removed however the test ends."""
    preexec, uid, gid = _server_user()
    # Not under pytest's tmp folder: that is private to the user running the tests.
    folder = Path(tempfile.mkdtemp(prefix="cicopa-pg-"))
    data, log, pwfile = folder / "data", folder / "server.log", folder / "password"
    pwfile.write_text(PASSWORD + "\n")
    if uid is not None:
        os.chown(folder, uid, gid)
        os.chown(pwfile, uid, gid)
    started = False
    try:
        _run(
            [
                str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER,
                f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
                "-E", "UTF8", "--no-locale", "--no-sync",
            ],
            preexec,
        )  # fmt: skip
        port = free_port()
        # fsync off: a test server loses nothing worth keeping if the machine crashes.
        options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c full_page_writes=off"
        _run(
            [
                str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
                "-w", "-t", "90", "start",
            ],
            preexec,
        )  # fmt: skip
        started = True
        server = Server("127.0.0.1", port, SUPERUSER, PASSWORD, DATABASE, log)
        _run(
            [
                str(bin_dir / "createdb"), "-h", server.host, "-p", str(port), "-U", SUPERUSER,
                DATABASE,
            ],
            None,
            env={"PGPASSWORD": PASSWORD},
        )  # fmt: skip
        yield server
    finally:
        if started:
            stop = [str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", "60", "stop"]
            try:
                _run([*stop, "-m", "fast"], preexec)
            except (RuntimeError, subprocess.TimeoutExpired):
                _run([*stop, "-m", "immediate"], preexec)
        shutil.rmtree(folder, ignore_errors=True)
