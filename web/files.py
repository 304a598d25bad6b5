"""Which built files may be served, and serving them without ever following a link.

What may be served is an allow-list of output names per audience, never "whatever is
under out": a request path is percent-decoded once, segment by segment; encoded slashes,
dot segments, hidden names, symbolic links (anywhere below the out folder) and any name
outside the list get the same 404 as a missing file.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote

from starlette.responses import Response, StreamingResponse

from cicopa.settings import LANGUAGE_NAMES

YEAR = re.compile(r"\d{4}")
# Tables written by the pipeline: lower-case names only, so a stray "~$by_area.csv" lock
# file or ".by_area.csv.tmp" from an interrupted write is never offered.
TABLE_NAME = r"[a-z][a-z0-9_]{0,63}\.csv"
SDMX_NAME = r"[A-Za-z][A-Za-z0-9_-]{0,63}(\.[A-Za-z0-9_-]{1,16})?\.(csv|xml)"
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Member-level tables: they name members and their files, so they are for staff only.
MEMBER_LEVEL_TABLES = ("statistics/imputations.csv",)
CHUNK = 1 << 16

Classifier = Callable[[str, str], tuple[str, str] | None]


def public_kind(year: str, relative: str) -> tuple[str, str] | None:
    """(group, label) of a public output (SPEC section 5), or None."""
    if match := re.fullmatch(rf"annual_report_{year}_(en|fr|es)\.pdf", relative):
        return "report", f"Annual report {year} in {LANGUAGE_NAMES[match.group(1)]} (PDF)"
    if match := re.fullmatch(rf"statistical_annex_{year}(_(en|fr|es))?\.xlsx", relative):
        lang = f" in {LANGUAGE_NAMES[match.group(2)]}" if match.group(2) else ""
        return "annex", f"Statistical annex workbook{lang} (all tables)"
    if relative in MEMBER_LEVEL_TABLES:
        return None
    if re.fullmatch(rf"statistics/{TABLE_NAME}", relative):
        return "statistics", DESCRIPTIONS.get(relative, "Statistics table (CSV)")
    if re.fullmatch(rf"statistics/sdmx/{SDMX_NAME}", relative):
        return "sdmx", "SDMX data or structure file"
    if relative == "provenance.json":
        return "provenance", "Inputs, outputs, code and run of the build"
    return None


def staff_kind(year: str, relative: str) -> tuple[str, str] | None:
    """(group, label) of a member-level output, for the staff area only."""
    if re.fullmatch(rf"validation/{TABLE_NAME}", relative):
        return "validation", DESCRIPTIONS.get(relative, "Validation table (CSV)")
    if relative in MEMBER_LEVEL_TABLES:
        return "validation", "Imputed figures per non-reporting member"
    return None


DESCRIPTIONS = {
    "statistics/by_area.csv": "Statistics by area (world, regions, sub-regions, countries)",
    "statistics/by_sector.csv": "Statistics by sector (ISIC Rev.4)",
    "statistics/by_type.csv": "Statistics by cooperative type",
    "statistics/trends.csv": "Change year on year, growth and membership apart",
    "statistics/coverage.csv": "How much of the picture each optional item covers",
    "statistics/estimates.csv": "Figures with non-response estimated",
    "validation/submissions.csv": "Every submission file with its status",
    "validation/issues.csv": "Every issue found in the submissions",
    "validation/tracker.csv": "Response tracker: every active member and its status",
}
GROUP_ORDER = ("report", "annex", "statistics", "sdmx", "validation", "provenance")
GROUP_NAMES = {
    "report": "Annual report",
    "annex": "Statistical annex",
    "statistics": "Statistics",
    "sdmx": "SDMX (for statistical offices)",
    "validation": "Validation (member level)",
    "provenance": "Provenance",
}


@dataclass(frozen=True)
class Output:
    year: str
    relative: str
    group: str
    label: str
    path: Path
    prefix: str  # URL prefix: /files or /staff/files

    @property
    def url(self) -> str:
        return f"{self.prefix}/{self.year}/{quote(self.relative)}"

    @property
    def name(self) -> str:
        return self.relative.rsplit("/", 1)[-1]

    @property
    def language(self) -> str | None:
        match = re.search(r"_(en|fr|es)\.(pdf|xlsx)$", self.relative)
        return LANGUAGE_NAMES[match.group(1)] if match else None


def servable(root: Path, year: str, relative: str, kind: Classifier) -> Path | None:
    """The file to serve, or None unless it is allowed and really inside `root`.

    `root` must be resolved. Any symlink below it is refused (not only one that leads
    outside): the resolved path must be exactly the requested one.
    """
    if not YEAR.fullmatch(year) or kind(year, relative) is None:
        return None
    candidate = root / year / relative
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if resolved != candidate or not resolved.is_relative_to(root):
        return None
    return resolved if resolved.is_file() else None


def resolve_request(root: Path, raw: str, kind: Classifier) -> Path | None:
    """The file for a raw (still percent-encoded) `<year>/<path>`, or None (-> 404)."""
    # An encoded slash, backslash or NUL has no business in an output name; refusing them
    # before decoding means decoding once can never create a new path separator.
    if re.search(r"%(2f|5c|00)", raw, re.IGNORECASE) or "\\" in raw:
        return None
    try:
        segments = [unquote(s, errors="strict") for s in raw.split("/")]
    except UnicodeDecodeError:
        return None
    if any(not s or s.startswith(".") or "\x00" in s for s in segments) or len(segments) < 2:
        return None
    return servable(root, segments[0], "/".join(segments[1:]), kind)


def built_years(root: Path) -> list[str]:
    """Year folders (four digits, real folders, not symlinks), newest first."""
    if not root.is_dir():
        return []
    return sorted(
        (
            p.name
            for p in root.iterdir()
            if YEAR.fullmatch(p.name) and p.is_dir() and not p.is_symlink()
        ),
        reverse=True,
    )


def year_outputs(root: Path, year: str, kind: Classifier, prefix: str) -> list[Output]:
    """The servable files of one year folder, grouped and in a stable order."""
    folder = root / year
    names: list[str] = []
    for sub in ("", "statistics", "statistics/sdmx", "validation"):
        here = folder / sub if sub else folder
        if here.is_dir() and not here.is_symlink():
            names += [f"{sub}/{p.name}" if sub else p.name for p in here.iterdir()]
    found = []
    for relative in names:
        what = kind(year, relative)
        path = servable(root, year, relative, kind)
        if what and path:
            found.append(Output(year, relative, what[0], what[1], path, prefix))
    order = {name: i for i, name in enumerate(DESCRIPTIONS)}
    return sorted(
        found,
        key=lambda o: (GROUP_ORDER.index(o.group), order.get(o.relative, len(order)), o.relative),
    )


class Digests:
    """sha256 of served files, recomputed only when size or mtime changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple[Path, int, int], str] = {}

    def __call__(self, path: Path) -> str:
        info = path.stat()
        key = (path, info.st_size, info.st_mtime_ns)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
        with self._lock:
            self._cache[key] = digest.hexdigest()
        return self._cache[key]


def file_response(path: Path, head: bool) -> Response | None:
    """The file as a download, or None when it is no longer a regular file."""
    try:
        # O_NOFOLLOW: a file swapped for a symlink after the checks is still refused.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    handle = os.fdopen(fd, "rb")
    info = os.fstat(handle.fileno())
    if not stat.S_ISREG(info.st_mode):
        handle.close()
        return None
    headers = {
        "Content-Length": str(info.st_size),
        "Content-Disposition": f'attachment; filename="{path.name}"',
        "Cache-Control": "no-cache",
    }
    media = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
    if head:
        handle.close()
        return Response(b"", headers=headers, media_type=media)

    def chunks() -> Iterator[bytes]:
        with handle:
            yield from iter(lambda: handle.read(CHUNK), b"")

    return StreamingResponse(chunks(), headers=headers, media_type=media)
