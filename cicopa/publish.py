"""Publish a year's outputs as one unit: the staged set replaces the old set in one step.

A build writes everything into `<out>/.staging/<year>-<run id>/`. Only when every
step succeeded is that folder swapped with `<out>/<year>/` by one atomic rename
(Linux `renameat2(RENAME_EXCHANGE)`), so a reader, a crash or a kill sees the old
set or the new set, never a mix. A revision keeps the previous set whole under
`revisions/<n>/` of the new one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STAGING = ".staging"
REVISIONS_DIR = "revisions"
REVISIONS_FILE = "revisions.csv"
# What a rebuild may change without the inputs changing: the record of the run itself.
RUN_RECORD = "provenance.json"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def staging_root(out: Path) -> Path:
    return out / STAGING


@contextmanager
def year_lock(out: Path, year: int) -> Iterator[None]:
    """Only one publication of a year at a time (builds of other years run freely)."""
    root = staging_root(out)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f"{year}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _exchange(a: Path, b: Path) -> None:
    """Swap two folders atomically; a plain rename where the target does not exist yet."""
    if not b.exists():
        a.rename(b)
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    result = libc.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"cannot swap the new outputs into {b.name}: {os.strerror(errno)}")


def files_of(folder: Path, *, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every regular file under `folder` by relative path, except the top-level `skip`."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if rel.parts[0] in skip or path.is_symlink() or not path.is_file():
            continue
        found[rel.as_posix()] = path.read_bytes()
    return found


def same_outputs(staged: Path, published: Path) -> bool:
    """True when the staged set equals the published one but for the run record."""
    skip = (RUN_RECORD, REVISIONS_DIR, REVISIONS_FILE)
    return files_of(staged, skip=skip) == files_of(published, skip=skip)


def _link_tree(source: Path, target: Path, *, skip: tuple[str, ...] = ()) -> None:
    """Copy a tree by hard links (no bytes copied; the source stays as it is)."""
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if rel.parts[0] in skip or path.is_symlink():
            continue
        dest = target / rel
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, dest)
            except OSError:
                shutil.copy2(path, dest)


def revision_count(published: Path) -> int:
    folder = published / REVISIONS_DIR
    if not folder.is_dir():
        return 0
    return sum(1 for p in folder.iterdir() if p.is_dir() and p.name.isdigit())


def publish(staged: Path, published: Path, *, revision: int | None) -> str:
    """Swap `staged` in for `published`; keep the old set as revision `revision` if given.

    Returns what happened: "published", "unchanged" (same outputs: nothing touched) or
    "revision n". The caller holds `year_lock`.
    """
    if published.is_dir():
        if revision is None and same_outputs(staged, published):
            shutil.rmtree(staged)
            return "unchanged"
        # Earlier revisions travel with the year; revisions.csv was staged by the build.
        _link_tree(published / REVISIONS_DIR, staged / REVISIONS_DIR)
        if revision is not None:
            _link_tree(
                published,
                staged / REVISIONS_DIR / str(revision),
                skip=(REVISIONS_DIR, REVISIONS_FILE),
            )
            # The old revisions.csv belongs to the old edition's copy too.
            old_csv = published / REVISIONS_FILE
            if old_csv.is_file():
                shutil.copy2(old_csv, staged / REVISIONS_DIR / str(revision) / REVISIONS_FILE)
    published.parent.mkdir(parents=True, exist_ok=True)
    _exchange(staged, published)
    # After the swap the old set sits where the staged one was.
    shutil.rmtree(staged, ignore_errors=True)
    return "published" if revision is None else f"revision {revision}"


def clean_stale_staging(out: Path, year: int, keep: set[str]) -> list[Path]:
    """Remove staging folders of the year left by runs that are not running (`keep`)."""
    root = staging_root(out)
    removed = []
    for folder in sorted(root.glob(f"{year}-*")) if root.is_dir() else []:
        run_id = folder.name.split("-", 1)[1]
        if folder.is_dir() and run_id not in keep:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
