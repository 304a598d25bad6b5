"""What the report compiles once per machine, not once per build, as Python keeps .pyc.

Before a build's rendering process could start on the first PDF, the build's own
process compiled the report's templates (a fifth of a second) and simplified the
world map's outlines (a quarter). Both depend on files of the project and its
libraries only, never on the data. They are kept in a folder of the user's own in the
system's temporary folder: Jinja's, created private and refused when another user owns
it, or when it is open to others (then nothing is kept, and everything is computed).

Jinja checks each template's source against its compiled code, not how the environment
was set up (trimming, extensions): each environment gets files of its own, named after
a digest of the module that sets it up and of Jinja's version. A kept result is named
by its caller after a digest of all it is computed from.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import jinja2
from jinja2 import FileSystemBytecodeCache

T = TypeVar("T")


def bytecode_cache(environment: str, set_up_in: str) -> FileSystemBytecodeCache | None:
    """The cache of the Jinja environment `environment`, set up by the module file
    `set_up_in`; None where no private folder can be had."""
    digest = hashlib.sha256(Path(set_up_in).read_bytes())
    digest.update(jinja2.__version__.encode())
    try:
        return FileSystemBytecodeCache(
            pattern=f"cicopa-{environment}-{digest.hexdigest()[:16]}-%s.cache"
        )
    except (OSError, RuntimeError):
        return None


def kept(name: str, compute: Callable[[], T]) -> T:
    """`compute()`, read back from the private folder when it was kept there under
    `name` (which must change whenever what it is computed from changes)."""
    try:
        folder = Path(FileSystemBytecodeCache().directory)
    except (OSError, RuntimeError):
        return compute()
    path = folder / f"cicopa-{name}.pickle"
    try:
        with path.open("rb") as stream:
            return pickle.load(stream)  # written by this user, in a folder only they can write
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass  # not kept yet, or half-written by a process that was killed
    value = compute()
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=path.name, delete=False) as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(out.name, path)
    except OSError:
        pass  # a full disk: computed again next time
    return value
