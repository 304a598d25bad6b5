"""Taking a file in: store it write-once, validate it, and say what became of it.

One code path for the portal's uploads and for `cicopa collection receive` (e-mailed
files), SPEC sections 2, 4 and 5:

- the file is checked exactly as `cicopa validate` checks it (`check_files`);
- a file for the expected member and year is stored as
  `submissions/<year>/<member_id>__<YYYYMMDDTHHMMSSZ>[-n].<ext>`; one that names another
  member or year (or no usable member) goes to `portal/refused/<year>/` instead, so it
  can never count, and the receipt says why;
- nothing is ever overwritten (O_CREAT | O_EXCL), and the name the sender gave the file
  never decides where it goes: only its extension is kept, and only when it is one of
  the accepted formats.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from cicopa.issues import Issue, IssueCounts
from cicopa.outcomes import (
    list_submission_files,
    relative_name,
    resolve_year,
    scan_paths,
    year_folder,
)
from cicopa.read_cache import ReadCache
from cicopa.received import RECEIVED_NAME, receipt_time, received_name
from cicopa.reference import Reference
from cicopa.tracker import attribute_by_name, deciding_file
from cicopa.validation import CheckedSubmission, check_files

# What a member may send (SPEC section 5); the readers decide what they can parse.
UPLOAD_FORMATS: tuple[str, ...] = ("csv", "xlsx", "xlsm", "ods", "xls", "json")
MEMBER_ID = re.compile(r"^[A-Z]{2}-[A-Z0-9]{2,16}$")
REFUSED_FOLDER = ("portal", "refused")
MAX_SAME_SECOND = 9999
# The counter is per member and second, whatever the extension: the check for a free
# counter and the creation are one step within this process (O_EXCL guards the rest).
_NAMING = threading.Lock()
ACCEPTED, REJECTED, UNREADABLE, REFUSED = "accepted", "rejected", "unreadable", "refused"


@dataclass(frozen=True)
class Refusal:
    """Why a file was not filed under submissions/: a code and the values its message needs."""

    reason: str  # other_member, other_year, unknown_member, no_member, format
    values: dict[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        return REFUSAL_MESSAGES[self.reason] % self.values


REFUSAL_MESSAGES: dict[str, str] = {
    "other_member": "The file is for member %(found)s, not %(expected)s; it was not filed.",
    "other_year": "The file reports year %(found)s, not %(year)s; it was not filed.",
    "unknown_member": "The member %(found)s is not in the member registry; it was not filed.",
    "no_member": "The file names no member; give it with --member. It was not filed.",
    "format": "Files ending in .%(found)s are not accepted; send .csv, .xlsx, .xlsm, .ods, "
    ".xls or .json. It was not filed.",
}


@dataclass(frozen=True)
class Receipt(IssueCounts):
    """What became of one received file."""

    stored: str  # path relative to the raw-data folder, '/'-separated
    sha256: str
    bytes: int
    received_at: datetime
    status: str  # accepted, rejected, unreadable (as validated alone) or refused
    member_id: str | None
    year: int
    issues: tuple[Issue, ...]
    rows: int
    header_row: int | None  # sheet row of the header: data row n is sheet row header_row + n
    refusal: Refusal | None = None

    @property
    def stored_name(self) -> str:
        return self.stored.rsplit("/", 1)[-1]

    def sheet_row(self, data_row: int | None) -> int | None:
        if data_row is None or self.header_row is None:
            return None
        return self.header_row + data_row


def upload_extension(original_name: str) -> str:
    """The lower-case extension of the sender's name ('' when there is none usable).

    Both separators count, so `..\\..\\x.csv` and `/etc/x.csv` are just `csv`.
    """
    base = re.split(r"[/\\]", original_name)[-1]
    ext = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    return ext if re.fullmatch(r"[a-z0-9]{1,8}", ext) else ""


def _single(rows: pl.DataFrame | None, column: str) -> Any:
    if rows is None or rows.is_empty():
        return None
    values = rows[column].drop_nulls().unique()
    return values.item() if values.len() == 1 else None


def _refusal(
    checked: CheckedSubmission, ext: str, year: int, expected: str | None, reference: Reference
) -> tuple[Refusal | None, str | None]:
    """(why the file is refused or None, the member it is filed under)."""
    if ext not in UPLOAD_FORMATS:
        return Refusal("format", {"found": ext or "?"}), expected
    found = checked.member_id
    if expected is not None and found is not None and found != expected:
        return Refusal("other_member", {"found": found, "expected": expected}), expected
    reported = _single(checked.rows, "reference_year")
    if reported is not None and reported != year:
        return Refusal("other_year", {"found": reported, "year": year}), expected or found
    member = expected or found
    if member is None:
        return Refusal("no_member"), None
    known = set(reference.members["member_id"].to_list())
    if not MEMBER_ID.fullmatch(member) or member not in known:
        # Never a path built from an unknown id: it is untrusted text from the file.
        return Refusal("unknown_member", {"found": member}), None
    return None, member


def write_once(folder: Path, member_id: str, moment: datetime, ext: str, data: bytes) -> Path:
    """Create the received file; an existing name is never touched (the next counter is)."""
    folder.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with _NAMING:
        taken = {
            p.name.rsplit(".", 1)[0]
            for p in folder.glob(received_name(member_id, moment, "x")[: -len(".x")] + "*")
        }
        for counter in range(1, MAX_SAME_SECOND + 1):
            path = folder / received_name(member_id, moment, ext, counter)
            if path.name.rsplit(".", 1)[0] in taken:
                continue
            try:
                fd = os.open(path, flags, 0o644)
            except FileExistsError:
                continue
            break
        else:
            raise FileExistsError(f"{MAX_SAME_SECOND} files of {member_id} in one second")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)  # a half-written file would be read as a submission
        raise
    return path


def receive(
    raw_data: Path,
    reference: Reference,
    year: int,
    data: bytes,
    original_name: str,
    member_id: str | None = None,
    now: datetime | None = None,
) -> Receipt:
    """Store, validate and answer for one file; `member_id` is who the file must be for."""
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    ext = upload_extension(original_name)
    provisional = f"submissions/{year}/upload.{ext or 'bin'}"
    (checked,) = check_files([(provisional, data, year)], reference)
    refusal, member = _refusal(checked, ext, year, member_id, reference)
    if refusal is None:
        folder = year_folder(raw_data, year)
    else:
        folder = raw_data.joinpath(*REFUSED_FOLDER, str(year))
    path = write_once(folder, member or "unknown", moment, ext or "bin", data)
    stored = relative_name(path, raw_data)
    issues = tuple(replace(i, file=stored) for i in checked.issues)
    if refusal is not None:
        status = REFUSED
    elif not checked.raw.readable:
        status = UNREADABLE
    else:
        status = REJECTED if checked.errors else ACCEPTED
    return Receipt(
        stored=stored,
        sha256=hashlib.sha256(data).hexdigest(),
        bytes=len(data),
        received_at=moment,
        status=status,
        member_id=member,
        year=year,
        issues=issues,
        rows=checked.raw.rows,
        header_row=checked.raw.header_row,
        refusal=refusal,
    )


# --- a member's files so far ------------------------------------------------------------


def belongs_to(file: str, member_id: str) -> bool:
    """A file of the member by its name: a received file, or one named after the member."""
    name = file.rsplit("/", 1)[-1]
    match = RECEIVED_NAME.fullmatch(name)
    if match is not None:
        return match["member"] == member_id
    return attribute_by_name(file, [member_id]) == member_id


def member_files(
    raw_data: Path,
    reference: Reference,
    year: int,
    member_id: str,
    reads: ReadCache | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The member's files of the year with their status, and the one that decides it.

    Only the member's own files are read: the resubmission rule works per member, so
    their statuses are the ones the year's build gives them. `reads`: see `scan_paths`.
    """
    paths = [
        p
        for p in list_submission_files(raw_data, year)
        if belongs_to(relative_name(p, raw_data), member_id)
    ]
    # Read as the build reads them: a link or a FIFO is listed, never opened.
    files_found, raws = scan_paths(paths, raw_data, reads=reads)
    hashes = dict(files_found.select("file", "sha256").iter_rows())
    outcome = resolve_year(raws, reference, year, hashes)
    files = sorted(outcome.submissions.to_dicts(), key=_newest_first, reverse=True)
    _, deciding = deciding_file(files)
    return files, deciding


def _newest_first(record: dict[str, Any]) -> tuple[str, int, str]:
    received = receipt_time(record["file"])
    return (record["submitted_at"] or "", received[1] if received else 0, record["file"])
