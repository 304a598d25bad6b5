"""What a long-running process keeps of each file it read: its inventory row and cells.

The web application shows a year's files on every staff and member page; reading and
parsing each file again per request is most of that page's cost. A file is taken from
here only while its stamp (device, inode, size, mtime and ctime in nanoseconds, from
lstat, never following a link) is the one of the descriptor it was read through, so a
file replaced, rewritten or touched is read again; ctime cannot be set back by a
program, so even a rewrite that restores size and mtime is seen. Only regular files are
kept: a link or a FIFO is looked at afresh every time, and never opened.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path
from typing import Any

from cicopa.readers import RawSubmission

Stamp = tuple[int, int, int, int, int]


def stamp(info: os.stat_result) -> Stamp:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


class ReadCache:
    """name -> (stamp, inventory row, parsed submission); safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[Stamp, dict[str, Any], RawSubmission]] = {}

    def get(self, name: str, path: Path) -> tuple[dict[str, Any], RawSubmission] | None:
        """The row and cells read before, if the entry is still that same regular file."""
        try:
            info = os.lstat(path)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        with self._lock:
            known = self._entries.get(name)
        if known is None or known[0] != stamp(info):
            return None
        return known[1], known[2]

    def put(self, name: str, info: os.stat_result, row: dict[str, Any], raw: RawSubmission) -> None:
        """Keep what was read through a descriptor whose fstat is `info`."""
        with self._lock:
            self._entries[name] = (stamp(info), row, raw)

    def keep_only(self, prefix: str, names: set[str]) -> None:
        """Forget the entries under `prefix` that are no longer there (bounded memory)."""
        with self._lock:
            for name in [n for n in self._entries if n.startswith(prefix) and n not in names]:
                del self._entries[name]
