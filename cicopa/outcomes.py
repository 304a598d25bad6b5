"""A year's collection: every file found, checked, and given exactly one status.

Statuses follow SPEC section 2: `unreadable` (cannot be parsed), `superseded`
(an earlier file of a member who sent a later one), `rejected` (any error, or a
resubmission that `submitted_at` cannot order), `accepted` (everything else).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import polars as pl

from cicopa.columns import EMPLOYMENT_COLUMNS
from cicopa.issues import Issue, issues_frame
from cicopa.readers import ROW, RawSubmission, file_format, read_submission
from cicopa.reference import Reference
from cicopa.validation import TYPED_ROW_SCHEMA, CheckedSubmission, check_submissions

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
# Given the members to look for, their totals in their previous accepted year.
PreviousTotals = Callable[[set[str]], pl.DataFrame]


def year_folder(raw_data: Path, year: int) -> Path:
    return raw_data / "submissions" / str(year)


def relative_name(path: Path, raw_data: Path) -> str:
    """How a file is named in every output: its path under the raw-data folder."""
    return path.relative_to(raw_data).as_posix()


def list_submission_files(raw_data: Path, year: int) -> list[Path]:
    """Every file under the year's folder, at any depth, in a stable order."""
    folder = year_folder(raw_data, year)
    return sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.as_posix())


def inventory(raw_data: Path, year: int) -> pl.DataFrame:
    """The files of a year with their fingerprint: what an auditor traces a figure to."""
    rows = []
    for path in list_submission_files(raw_data, year):
        data = path.read_bytes()
        rows.append(
            {
                "file": relative_name(path, raw_data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
                "format": file_format(path),
            }
        )
    return pl.DataFrame(rows, schema=INVENTORY_SCHEMA)


def read_year(raw_data: Path, year: int) -> list[RawSubmission]:
    """Parse every file of the year folder; unreadable ones carry their issue."""
    return [
        read_submission(path.read_bytes(), relative_name(path, raw_data))
        for path in list_submission_files(raw_data, year)
    ]


@dataclass
class YearValidation:
    """The validation outcome of one reference year."""

    year: int
    submissions: pl.DataFrame  # validation/submissions.csv
    issues: pl.DataFrame  # validation/issues.csv
    accepted_rows: pl.DataFrame  # typed rows of accepted submissions, with `file`

    def status_counts(self) -> dict[str, int]:
        counts = self.submissions.group_by("status").len()
        return {s: int(n) for s, n in counts.iter_rows()}


def resolve_year(
    raws: list[RawSubmission],
    reference: Reference,
    year: int,
    hashes: dict[str, str],
    previous: PreviousTotals | None = None,
) -> YearValidation:
    """Check the year's files, apply the resubmission rule, and assign statuses.

    `previous` gives members' totals from earlier years, for the change warnings;
    it is asked only for the members whose file is accepted.
    """
    checked = check_submissions(raws, reference, {r.file: year for r in raws})
    status, extra = _resubmission_statuses(checked)
    if previous is not None:
        accepted_members = {
            c.member_id
            for c in checked
            if c.member_id and c.file not in status and c.errors == 0 and c.file not in extra
        }
        previous_totals = previous(accepted_members)
    else:
        previous_totals = None
    outcome_rows, all_issues, accepted = [], [], []
    for item in checked:
        issues = item.issues + extra.get(item.file, [])
        final = status.get(item.file)
        if final is None:
            final = "rejected" if any(i.severity == "error" for i in issues) else "accepted"
        if final == "accepted" and item.rows is not None:
            issues += _change_warnings(item, previous_totals)
            accepted.append(item.rows.with_columns(pl.lit(item.file).alias("file")))
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
    submissions = pl.DataFrame(outcome_rows, schema=SUBMISSIONS_SCHEMA).sort("file")
    accepted_rows = (
        pl.concat(accepted).sort("member_id", ROW)
        if accepted
        else pl.DataFrame(schema={**TYPED_ROW_SCHEMA, "file": pl.String()})
    )
    return YearValidation(year, submissions, issues_frame(all_issues), accepted_rows)


def _resubmission_statuses(
    checked: list[CheckedSubmission],
) -> tuple[dict[str, str], dict[str, list[Issue]]]:
    """Latest `submitted_at` wins; ties or gaps reject the whole group, naming the others."""
    by_member: dict[str, list[CheckedSubmission]] = {}
    status: dict[str, str] = {}
    extra: dict[str, list[Issue]] = {}
    for item in checked:
        if item.rows is None:
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
                Issue(
                    item.file,
                    "ambiguous_resubmission",
                    f"{member} sent several files this year ({others}) and submitted_at cannot "
                    "tell which is the latest; fill submitted_at in each file (date and time) "
                    "or withdraw the files that do not apply.",
                    member_id=member,
                    column="submitted_at",
                )
            ]
    return status, extra


def member_totals(rows: pl.DataFrame) -> pl.DataFrame:
    """Per member, the sums that the change warning compares year on year."""
    return rows.group_by("member_id").agg(pl.col(c).sum() for c in CHANGE_COLUMNS)


def _change_warnings(item: CheckedSubmission, previous: pl.DataFrame | None) -> list[Issue]:
    if previous is None or item.rows is None or item.member_id is None:
        return []
    before = previous.filter(pl.col("member_id") == item.member_id)
    if before.is_empty():
        return []
    prior = before.row(0, named=True)
    now = member_totals(item.rows).row(0, named=True)
    issues = []
    for column in CHANGE_COLUMNS:
        old, new = prior[column], now[column]
        if old and abs(new - old) / old > CHANGE_THRESHOLD:
            change = (new - old) / old
            issues.append(
                Issue(
                    item.file,
                    "large_change",
                    f"Total {column} is {new:,}, {abs(change):.0%} "
                    f"{'above' if change > 0 else 'below'} the {old:,} accepted for "
                    f"{prior['year']}; please confirm the figure or correct it.",
                    severity="warning",
                    column=column,
                    member_id=item.member_id,
                )
            )
    return issues


def previous_accepted_totals(
    raw_data: Path, reference: Reference, year: int, members: set[str] | None = None
) -> pl.DataFrame:
    """Each member's totals from its latest accepted year before `year` (up to 3 back).

    With `members`, earlier years are read only until each of them has been found.
    """
    found: list[pl.DataFrame] = []
    wanted = set(members) if members is not None else None
    for earlier in range(year - 1, year - 1 - CHANGE_LOOKBACK_YEARS, -1):
        if wanted is not None and not wanted:
            break
        if not year_folder(raw_data, earlier).is_dir():
            continue
        outcome = validate_year(raw_data, reference, earlier, compare=False)
        totals = member_totals(outcome.accepted_rows).with_columns(pl.lit(earlier).alias("year"))
        found.append(totals)
        if wanted is not None:
            wanted -= set(totals["member_id"].to_list())
    if not found:
        return pl.DataFrame(
            schema={
                "member_id": pl.String,
                **{c: pl.Int64 for c in CHANGE_COLUMNS},
                "year": pl.Int32,
            }
        )
    # Latest year first, so the first row per member is its previous accepted year.
    return pl.concat(found).unique("member_id", keep="first", maintain_order=True)


def validate_year(
    raw_data: Path, reference: Reference, year: int, compare: bool = True
) -> YearValidation:
    """Read, check and resolve every file of a year folder (plain function, no Dagster)."""
    raws = read_year(raw_data, year)
    hashes = dict(inventory(raw_data, year).select("file", "sha256").iter_rows())
    previous = partial(previous_accepted_totals, raw_data, reference, year) if compare else None
    return resolve_year(raws, reference, year, hashes, previous)
