"""A year's collection: every file found, checked, and given exactly one status.

Statuses follow SPEC section 2: `unreadable` (cannot be parsed), `superseded`
(an earlier file of a member who sent a later one), `rejected` (any error, or a
resubmission that `submitted_at` cannot order), `withdrawn` (named in
reference/withdrawals.csv: set aside before any check), `accepted` (everything else).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from cicopa.columns import EMPLOYMENT_COLUMNS
from cicopa.issues import Issue, issues_frame
from cicopa.read_cache import ReadCache
from cicopa.readers import ROW, RawSubmission, file_format, read_submission
from cicopa.reference import Reference
from cicopa.rules import new_issue
from cicopa.settings import MAX_FILE_BYTES
from cicopa.validation import CheckedSubmission, checked_rows
from cicopa.withdrawals import load_withdrawals, withdrawn_in
from schemas.submission import FILE

SUBMISSIONS_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String(),
    "sha256": pl.String(),
    "format": pl.String(),
    "member_id": pl.String(),
    "submitted_at": pl.String(),
    "status": pl.String(),
    "rows": pl.Int64(),
    "errors": pl.Int64(),
    "warnings": pl.Int64(),
}
INVENTORY_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String(),
    "sha256": pl.String(),
    "bytes": pl.Int64(),
    "format": pl.String(),
}
# A figure that moves by more than this against the member's previous accepted year is
# worth a second look (a warning, never a rejection).
CHANGE_THRESHOLD = 0.5
CHANGE_COLUMNS = ("enterprises", *EMPLOYMENT_COLUMNS)
# How many earlier years are searched for a member's previous accepted figures.
CHANGE_LOOKBACK_YEARS = 3


def year_folder(raw_data: Path, year: int) -> Path:
    return raw_data / "submissions" / str(year)


def relative_name(path: Path, raw_data: Path) -> str:
    """How a file is named in every output: its path under the raw-data folder.

    A name that is not valid UTF-8 keeps its bytes, escaped (`\\xff`), so it can be
    written to every CSV and still tells staff which entry it is.
    """
    name = path.relative_to(raw_data).as_posix()
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def list_submission_files(raw_data: Path, year: int) -> list[Path]:
    """Every entry under the year's folder that is not a folder, at any depth, sorted.

    Links are listed, never followed (a link to a folder is an entry, not a folder to
    walk into); `_read_regular` opens only the regular files among them.
    """
    folder = year_folder(raw_data, year)
    found: list[Path] = []
    pending = [folder]
    while pending:
        try:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(Path(entry.path))
                    else:
                        found.append(Path(entry.path))
        except FileNotFoundError:
            continue
    return sorted(found, key=lambda p: os.fsencode(p))


@dataclass(frozen=True)
class _Read:
    """A regular file as read: its sha256 (of every byte), the open descriptor's stat,
    and its bytes up to one past the largest submission (enough to refuse it)."""

    sha256: str
    info: os.stat_result
    data: bytes


# Files are hashed a mebibyte at a time.
READ_CHUNK = 1 << 20


def _read_regular(path: Path) -> _Read | None:
    """A regular file, hashed whole and kept up to the size limit; None otherwise.

    Opened with O_NOFOLLOW and checked again on the open descriptor, so an entry
    swapped for a link or a FIFO after the listing is still never followed or blocked on.
    A file of gigabytes is hashed a chunk at a time, never held in memory.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    digest, kept = hashlib.sha256(), bytearray()
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
            if len(kept) <= MAX_FILE_BYTES:
                kept += chunk[: MAX_FILE_BYTES + 1 - len(kept)]
    return _Read(digest.hexdigest(), info, bytes(kept))


def inventory(raw_data: Path, year: int) -> pl.DataFrame:
    """The entries of a year with their fingerprint: what an auditor traces a figure to.

    An entry that is not a regular file is listed with no sha256 and no size.
    """
    return scan_paths(list_submission_files(raw_data, year), raw_data, parse=False)[0]


def scan_year(
    raw_data: Path, year: int, reads: ReadCache | None = None
) -> tuple[pl.DataFrame, list[RawSubmission]]:
    """Each entry of the year read once: its fingerprint (the inventory) and its cells."""
    return scan_paths(list_submission_files(raw_data, year), raw_data, reads=reads)


def scan_paths(
    paths: list[Path], raw_data: Path, parse: bool = True, reads: ReadCache | None = None
) -> tuple[pl.DataFrame, list[RawSubmission]]:
    """Entries read once, never following a link: their inventory rows and, with
    `parse`, their cells. A special entry is listed (no sha256, no size) and unreadable.

    With `reads` (a long-running process's cache), a regular file whose stamp has not
    changed since it was last read is not read again.
    """
    rows, raws = [], []
    for path in paths:
        name = relative_name(path, raw_data)
        if parse and reads is not None and (known := reads.get(name, path)) is not None:
            rows.append(known[0])
            raws.append(known[1])
            continue
        read = _read_regular(path)
        row = {
            "file": name,
            "sha256": read.sha256 if read else None,
            "bytes": read.info.st_size if read else None,
            "format": file_format(path),
        }
        rows.append(row)
        if parse:
            raw = _parsed((read.data, read.info.st_size) if read else None, path, name)
            raws.append(raw)
            if reads is not None and read is not None:
                reads.put(name, read.info, row, raw)
    return pl.DataFrame(rows, schema=INVENTORY_SCHEMA), raws


def fingerprint(files: pl.DataFrame) -> str:
    """One hash for a year's folder: its files' names and contents (the data version)."""
    listing = "\n".join(f"{f} {h}" for f, h in files.select("file", "sha256").iter_rows())
    return hashlib.sha256(listing.encode()).hexdigest()


def _parsed(read: tuple[bytes, int] | None, path: Path, name: str) -> RawSubmission:
    if read is None:
        return RawSubmission(
            name,
            file_format(path),
            None,
            [new_issue("unreadable_file", name, "not_regular")],
        )
    data, size = read
    return read_submission(data, name, size=size)


@dataclass
class YearValidation:
    """The validation outcome of one reference year."""

    year: int
    submissions: pl.DataFrame  # validation/submissions.csv
    issues: pl.DataFrame  # validation/issues.csv
    accepted_rows: pl.DataFrame  # typed rows of accepted submissions, with `file`
    # file -> "withdrawn on <date>: <reason>", for the files of status `withdrawn`
    withdrawn: dict[str, str] = field(default_factory=dict)

    def status_counts(self) -> dict[str, int]:
        counts = self.submissions.group_by("status").len()
        return {s: int(n) for s, n in counts.iter_rows()}


def resolve_year(
    raws: list[RawSubmission],
    reference: Reference,
    year: int,
    hashes: dict[str, str],
    withdrawn: Mapping[str, str] | None = None,
) -> YearValidation:
    """Check the year's files, apply the resubmission rule, and assign statuses.

    `withdrawn` (file -> reason, from cicopa.withdrawals.withdrawn_in) names files set
    aside before any check: they get status `withdrawn`, no issue, and take no part in
    the resubmission rule. Change warnings against earlier years are added afterwards,
    from the accepted figures of those years (`with_change_warnings`).
    """
    withdrawn = {r.file: withdrawn[r.file] for r in raws if r.file in (withdrawn or {})}
    set_aside = [r for r in raws if r.file in withdrawn]
    raws = [r for r in raws if r.file not in withdrawn]
    checked, year_rows = checked_rows(raws, reference, {r.file: year for r in raws})
    status, extra = _resubmission_statuses(checked)
    outcome_rows, all_issues, accepted = [], [], []
    for item in checked:
        issues = item.issues + extra.get(item.file, [])
        final = status.get(item.file)
        if final is None:
            final = "rejected" if any(i.severity == "error" for i in issues) else "accepted"
        if final == "accepted" and item.year_rows is not None:
            accepted.append(item.file)
        all_issues += issues
        outcome_rows.append(
            {
                "file": item.file,
                "sha256": hashes.get(item.file),
                "format": item.raw.format,
                "member_id": item.member_id,
                "submitted_at": item.submitted_at_text,
                "status": final,
                "rows": item.raw.rows,
                "errors": sum(1 for i in issues if i.severity == "error"),
                "warnings": sum(1 for i in issues if i.severity == "warning"),
            }
        )
    outcome_rows += [_withdrawn_row(raw, hashes) for raw in set_aside]
    submissions = pl.DataFrame(outcome_rows, schema=SUBMISSIONS_SCHEMA).sort("file")
    # One filter of the year's checked rows, not a frame per accepted file.
    accepted_rows = (
        year_rows.filter(pl.col(FILE).is_in(accepted)).rename({FILE: "file"}).sort("member_id", ROW)
    )
    return YearValidation(year, submissions, issues_frame(all_issues), accepted_rows, withdrawn)


def _withdrawn_row(raw: RawSubmission, hashes: dict[str, str]) -> dict[str, object]:
    """A withdrawn file's line in submissions.csv: what it says it is, never checked."""

    def first(column: str) -> str | None:
        if raw.frame is None or column not in raw.frame.columns:
            return None
        values = raw.frame[column].cast(pl.String).str.strip_chars().drop_nulls()
        values = values.filter(values != "")
        return values[0] if values.len() else None

    member = first("member_id")
    return {
        "file": raw.file,
        "sha256": hashes.get(raw.file),
        "format": raw.format,
        "member_id": member.upper() if member else None,
        "submitted_at": first("submitted_at"),
        "status": "withdrawn",
        "rows": raw.rows,
        "errors": 0,
        "warnings": 0,
    }


def _resubmission_statuses(
    checked: list[CheckedSubmission],
) -> tuple[dict[str, str], dict[str, list[Issue]]]:
    """Latest `submitted_at` wins; ties or gaps reject the whole group, naming the others."""
    by_member: dict[str, list[CheckedSubmission]] = {}
    status: dict[str, str] = {}
    extra: dict[str, list[Issue]] = {}
    for item in checked:
        if item.year_rows is None:
            status[item.file] = "unreadable"
        elif item.member_id:
            by_member.setdefault(item.member_id, []).append(item)
    for member, group in by_member.items():
        if len(group) < 2:
            continue
        # Received files of the same second are ordered by their `-n` counter.
        moments = [
            None if g.submitted_at is None else (g.submitted_at, g.receipt_counter) for g in group
        ]
        latest = max((m for m in moments if m is not None), default=None)
        decided = None not in moments and latest is not None and moments.count(latest) == 1
        if decided:
            for item, moment in zip(group, moments, strict=True):
                if moment != latest:
                    status[item.file] = "superseded"
            continue
        for item in group:
            others = ", ".join(g.file for g in group if g is not item)
            extra[item.file] = [
                new_issue(
                    "ambiguous_resubmission",
                    item.file,
                    member_id=member,
                    column="submitted_at",
                    member=member,
                    others=others,
                )
            ]
    return status, extra


def member_totals(rows: pl.DataFrame) -> pl.DataFrame:
    """Per member, the sums that the change warning compares year on year."""
    return rows.group_by("member_id").agg(pl.col(c).sum() for c in CHANGE_COLUMNS)


def latest_totals(earlier: dict[int, pl.DataFrame]) -> pl.DataFrame:
    """Each member's totals in its latest year among `earlier` (accepted figures by year)."""
    frames = [
        member_totals(rows).with_columns(pl.lit(y, pl.Int32).alias("year"))
        for y, rows in earlier.items()
    ]
    if not frames:
        return pl.DataFrame(
            schema={
                "member_id": pl.String,
                **{c: pl.Int64 for c in CHANGE_COLUMNS},
                "year": pl.Int32,
            }
        )
    return pl.concat(frames).sort("year", descending=True).unique("member_id", keep="first")


def change_warnings(outcome: YearValidation, earlier: dict[int, pl.DataFrame]) -> list[Issue]:
    """A warning per accepted total that moved by more than the threshold, in one join."""
    now = (
        outcome.accepted_rows.group_by("member_id", "file")
        .agg(pl.col(c).sum() for c in CHANGE_COLUMNS)
        .unpivot(index=["member_id", "file"], variable_name="column", value_name="new")
    )
    before = latest_totals(earlier).unpivot(
        index=["member_id", "year"], variable_name="column", value_name="old"
    )
    moved = (
        now.join(before, on=["member_id", "column"])
        .filter(pl.col("old") != 0)
        .with_columns(change=(pl.col("new") - pl.col("old")) / pl.col("old"))
        .filter(pl.col("change").abs() > CHANGE_THRESHOLD)
        .sort("file", "column")
    )
    order = {c: i for i, c in enumerate(CHANGE_COLUMNS)}
    rows = sorted(moved.iter_rows(named=True), key=lambda r: (r["file"], order[r["column"]]))
    return [
        new_issue(
            "large_change",
            r["file"],
            column=r["column"],
            member_id=r["member_id"],
            new=r["new"],
            old=r["old"],
            change=abs(r["change"]),
            direction="above" if r["change"] > 0 else "below",
            year=r["year"],
        )
        for r in rows
    ]


def with_change_warnings(
    outcome: YearValidation, earlier: dict[int, pl.DataFrame]
) -> YearValidation:
    """The outcome with change warnings against the members' latest earlier accepted year."""
    warnings = change_warnings(outcome, earlier)
    if not warnings:
        return outcome
    added = issues_frame(warnings)
    per_file = added.group_by("file").len("added")
    submissions = (
        outcome.submissions.join(per_file, on="file", how="left")
        .with_columns(pl.col("warnings") + pl.col("added").fill_null(0))
        .drop("added")
    )
    # Each file's issues stay together, its warnings after its own issues.
    issues = (
        pl.concat([outcome.issues, added])
        .with_row_index("_order")
        .sort("file", "_order")
        .drop("_order")
    )
    return YearValidation(outcome.year, submissions, issues, outcome.accepted_rows)


def validate_year(
    raw_data: Path,
    reference: Reference,
    year: int,
    earlier: dict[int, pl.DataFrame] | None = None,
    reads: ReadCache | None = None,
) -> YearValidation:
    """Read, check and resolve every file of a year folder (plain function, no Dagster).

    `earlier` is the accepted figures of earlier years, by year, for the change warnings;
    `reads` spares re-reading unchanged files (see `scan_paths`).
    """
    files, raws = scan_year(raw_data, year, reads)
    hashes = dict(files.select("file", "sha256").iter_rows())
    withdrawn = withdrawn_in(load_withdrawals(raw_data), year)
    outcome = resolve_year(raws, reference, year, hashes, withdrawn)
    return with_change_warnings(outcome, earlier) if earlier else outcome
