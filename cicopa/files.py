"""Files as the project writes them: atomically (a killed run leaves the old file or the
new one, never a torn one), and hashed.

Apart from ``cicopa.outputs`` (tables as CSV and workbooks) so that a process that only
writes files, the rendering process among them, does without polars.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from pathlib import Path


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """A file's sha256, read a piece at a time: a large file is never held whole."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class OutputWriteError(OSError):
    """An output could not be written; the message names the file and the cause."""


def _cause(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "disk full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "no permission"
    return exc.strerror or type(exc).__name__


def write_atomic(path: Path, data: bytes) -> str:
    """Write through a temporary file in the same folder, then rename; returns the sha256.

    A run killed half-way leaves either the old file or the new one, never a torn one.
    A failure says what and why in one line ("disk full writing by_area.csv").
    """
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise OutputWriteError(exc.errno, f"{_cause(exc)} writing {path.name}") from exc
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
    return sha256_bytes(data)


def read_head(path: Path, limit: int) -> tuple[bytes, int]:
    """A file's first `limit + 1` bytes (enough to tell it is over `limit`) and its size:
    a file of gigabytes is never held in memory to be refused."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        return handle.read(limit + 1), size
