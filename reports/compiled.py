"""What the report compiles once per machine, not once per build, as Python keeps .pyc.

Before a build's rendering process could start on the first PDF, the build's own
process compiled the report's templates (a fifth of a second) and simplified the
world map's outlines (a quarter). Both depend on files of the project and its
libraries only, never on the data. They are kept in Jinja's folder for this user in
the system's temporary folder (`_jinja2-cache-<uid>`), which Jinja makes private
(mode 0700) and refuses when it is not a folder this user owns. A file in it is read
only when it is a plain file this user owns that nobody else may write; anything else
is left alone and the result computed. Nothing kept is ever needed: a folder that
cannot be had, a file that cannot be written or read, is only a slower build.

Jinja checks each template's source against its compiled code, not what the code was
compiled with (the environment's options, the filters' signatures): the files are
named after a digest of the report package's code and Jinja's version, so any change
there compiles afresh. A kept result is named by its caller after a digest of all it
is computed from.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

import jinja2
from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket

from cicopa.files import write_atomic

T = TypeVar("T")
PACKAGE = Path(__file__).parent


def code_digest(folder: Path = PACKAGE) -> str:
    """A digest of the Python code in `folder` and of Jinja's version."""
    digest = hashlib.sha256(jinja2.__version__.encode())
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _private_folder() -> Path | None:
    try:
        return Path(FileSystemBytecodeCache().directory)
    except (OSError, RuntimeError):
        return None  # not a folder of this user's own: nothing is kept


def _open_own(path: Path) -> IO[bytes] | None:
    """`path` opened for reading if it is a plain file this user owns and only this
    user may write (not a link, not planted by another); else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    info = os.fstat(fd)
    if (
        not stat.S_ISREG(info.st_mode)
        or info.st_uid != os.getuid()
        or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    ):
        os.close(fd)
        return None
    return os.fdopen(fd, "rb")


def _keep(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all; a failure (a full disk) only keeps nothing."""
    with contextlib.suppress(OSError):
        write_atomic(path, data)


class _KeptBytecode(FileSystemBytecodeCache):
    """Jinja's cache, reading only files `_open_own` accepts and never failing a build."""

    def load_bytecode(self, bucket: Bucket) -> None:
        stream = _open_own(Path(self._get_cache_filename(bucket)))
        if stream is None:
            return
        with stream:
            try:
                bucket.load_bytecode(stream)
            except Exception:  # cut short or damaged: compiled again
                bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        compiled = io.BytesIO()
        bucket.write_bytecode(compiled)
        _keep(Path(self._get_cache_filename(bucket)), compiled.getvalue())


def bytecode_cache(environment: str) -> FileSystemBytecodeCache | None:
    """The compiled templates of the Jinja environment `environment`; None where no
    private folder can be had (templates then compile every time)."""
    folder = _private_folder()
    if folder is None:
        return None
    return _KeptBytecode(str(folder), pattern=f"cicopa-{environment}-{code_digest()}-%s.cache")


def kept(name: str, compute: Callable[[], T]) -> T:
    """`compute()`, read back from the private folder when it was kept there under
    `name` (which must change whenever what it is computed from changes)."""
    folder = _private_folder()
    if folder is None:
        return compute()
    path = folder / f"cicopa-{name}.pickle"
    stream = _open_own(path)
    if stream is not None:
        with stream:
            try:
                value: Any = pickle.load(stream)
                return value
            except Exception:
                pass  # half-written by a process that was killed: computed again
    value = compute()
    _keep(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return value
