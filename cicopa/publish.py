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
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cicopa.files import sha256_file
from cicopa.settings import STAGING_UNKNOWN_RUN_KEPT_HOURS

STAGING = ".staging"
REVISIONS_DIR = "revisions"
REVISIONS_FILE = "revisions.csv"
# What a rebuild may change without the inputs changing: the record of the run itself.
RUN_RECORD = "provenance.json"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class PublishError(Exception):
    """The staged set is not whole; nothing was published. One line for the operator."""


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


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable: without it a power cut may undo the swap."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def files_of(folder: Path, *, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every regular file under `folder` by relative path, except the top-level `skip`."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if rel.parts[0] in skip or path.is_symlink() or not path.is_file():
            continue
        found[rel.as_posix()] = path.read_bytes()
    return found


def record_files(folder: Path) -> list[Path]:
    """The files a year's provenance.json must list: all but itself and the revisions.

    Dot files count too: whatever sits in the folder is published with it, so it must
    be recorded (and `verify_staged` refuses what is not).
    """
    return [
        path
        for path in sorted(folder.rglob("*"))
        if path.relative_to(folder).parts[0] not in (RUN_RECORD, REVISIONS_DIR)
        and (path.is_symlink() or not path.is_dir())
    ]


def verify_staged(staged: Path, required: tuple[str, ...] = ()) -> None:
    """Refuse a staged set that is not whole and exactly what its provenance.json records.

    A staging folder emptied under a run (a cleanup by another instance, a hand) or a
    partial re-execution would otherwise publish a set whose files and record disagree.
    """
    what = f"the new outputs of {staged.name.split('-', 1)[0]} are not whole"
    record_path = staged / RUN_RECORD
    if not record_path.is_file() or record_path.is_symlink():
        raise PublishError(f"{what}: {RUN_RECORD} is missing; nothing was published")
    listed = {o["path"]: o["sha256"] for o in json.loads(record_path.read_bytes())["outputs"]}
    present = {p.relative_to(staged).as_posix(): p for p in record_files(staged)}
    problems = [f"{name} missing" for name in sorted(set(required) - set(listed))]
    problems += [f"{name} missing" for name in sorted(set(listed) - set(present))]
    problems += [f"{name} not in {RUN_RECORD}" for name in sorted(set(present) - set(listed))]
    problems += [
        f"{name} is not a regular file"
        for name, path in sorted(present.items())
        if name in listed and (path.is_symlink() or not path.is_file())
    ]
    problems += [
        f"{name} differs from {RUN_RECORD}"
        for name, path in sorted(present.items())
        if name in listed
        and path.is_file()
        and not path.is_symlink()
        and sha256_file(path) != listed[name]
    ]
    if problems:
        raise PublishError(f"{what}: {'; '.join(problems[:3])}; nothing was published")


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


def publish(
    staged: Path, published: Path, *, revision: int | None, required: tuple[str, ...] = ()
) -> str:
    """Swap `staged` in for `published`; keep the old set as revision `revision` if given.

    Returns what happened: "published", "unchanged" (same outputs: nothing touched) or
    "revision n". The staged set must be whole (`verify_staged`, with `required` listed).
    The caller holds `year_lock`.
    """
    verify_staged(staged, required)
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
    _sync_folder(published.parent)
    # After the swap the old set sits where the staged one was; a kill here leaves it
    # for the next build to clean (its run is no longer in progress).
    shutil.rmtree(staged, ignore_errors=True)
    return "published" if revision is None else f"revision {revision}"


def _last_change(folder: Path) -> float:
    """The latest modification time in a folder tree (the folder's own included)."""
    times = [folder.lstat().st_mtime]
    times += [p.lstat().st_mtime for p in folder.rglob("*")]
    return max(times)


def clean_stale_staging(
    out: Path,
    year: int,
    in_progress: Callable[[str], bool | None],
    *,
    now: float | None = None,
) -> list[Path]:
    """Remove the year's staging folders that no run will publish any more.

    `in_progress(run_id)` says whether the run is still going (True: the folder is kept,
    whatever its age), finished (False: removed) or unknown to this instance (None:
    perhaps another instance's run writing into the same folder, so removed only once
    untouched for STAGING_UNKNOWN_RUN_KEPT_HOURS).
    """
    root = staging_root(out)
    now = time.time() if now is None else now
    removed = []
    for folder in sorted(root.glob(f"{year}-*")) if root.is_dir() else []:
        if folder.is_symlink() or not folder.is_dir():
            continue
        going = in_progress(folder.name.split("-", 1)[1])
        if going is None:
            try:
                idle_hours = (now - _last_change(folder)) / 3600
            except OSError:  # removed meanwhile
                continue
            going = idle_hours < STAGING_UNKNOWN_RUN_KEPT_HOURS
        if not going:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
