"""The response tracker: for every member active in a year, where its answer stands.

One row per active member, with the file that decides its status:

- ``accepted``: its accepted file (its figures count);
- ``rejected``: no accepted file and its latest file is rejected or unreadable (a member
  whose corrected file is rejected again is ``rejected``, its earlier file superseded);
- ``withdrawn``: every file of the member that is not superseded was withdrawn by the
  secretariat (reference/withdrawals.csv); its figures count nowhere until it sends another;
- ``superseded only``: every file of the member is superseded (the resubmission rule makes
  this impossible, but the tracker does not assume it);
- ``no submission``: no file of the member this year.

A file belongs to the member it names in ``member_id``. A file that names no known
member (unreadable, or several member_ids) is attributed by its name: a file or folder
called after the member_id (``KE-ONE.xlsx``, ``ke-one_v2.csv``, ``KE-ONE/data.json``),
which is how the survey forms are named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

import polars as pl

from cicopa.outcomes import YearValidation
from cicopa.reference import Reference
from cicopa.validation import parse_timestamp

NO_SUBMISSION = "no submission"
ACCEPTED = "accepted"
REJECTED = "rejected"
SUPERSEDED_ONLY = "superseded only"
WITHDRAWN = "withdrawn"

TRACKER_SCHEMA: dict[str, pl.DataType] = {
    "member_id": pl.String(),
    "name": pl.String(),
    "country": pl.String(),
    "region": pl.String(),
    "status": pl.String(),
    "file": pl.String(),
    "received": pl.String(),
    "errors": pl.Int64(),
    "warnings": pl.Int64(),
}
MISSING_SCHEMA: dict[str, pl.DataType] = {
    "region": pl.String(),
    "members_active": pl.Int64(),
    "members_missing": pl.Int64(),
    "members_no_submission": pl.Int64(),
    "members_rejected": pl.Int64(),
}
_EARLIEST = datetime.min.replace(tzinfo=UTC)


def attribute_by_name(file: str, member_ids: Iterable[str]) -> str | None:
    """The member a file is named after (file stem or a folder), or None.

    ``IT-ONE_final.xlsx`` is IT-ONE's, ``IT-ONEX.csv`` is not: the id must be followed by
    a non-alphanumeric character or the end of the name. Case does not matter.
    """
    path = PurePosixPath(file)
    names = [path.stem, *path.parent.parts]
    found = []
    for member_id in member_ids:
        pattern = re.compile(rf"^{re.escape(member_id)}(?![A-Z0-9])", re.IGNORECASE)
        if any(pattern.match(name) for name in names):
            found.append(member_id)
    # The longest id wins when one is a prefix of another (IT-ONE vs IT-ONE-SUD).
    return max(found, key=len) if found else None


def files_by_member(
    submissions: pl.DataFrame, member_ids: Iterable[str]
) -> dict[str, list[dict[str, Any]]]:
    """The rows of validation/submissions.csv grouped by the member they belong to."""
    known = set(member_ids)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in submissions.iter_rows(named=True):
        member = record["member_id"]
        if member not in known:
            member = attribute_by_name(record["file"], known)
        if member is not None:
            grouped.setdefault(member, []).append(record)
    return grouped


def _latest(files: list[dict[str, Any]]) -> dict[str, Any]:
    """The file sent last by `submitted_at` (undated files first), then by name."""

    def moment(record: dict[str, Any]) -> datetime:
        text = record["submitted_at"]
        return (parse_timestamp(text) if text else None) or _EARLIEST

    return max(files, key=lambda r: (moment(r), r["file"]))


def deciding_file(files: list[dict[str, Any]]) -> tuple[str, dict[str, Any] | None]:
    """The member's status and the file that decides it."""
    if not files:
        return NO_SUBMISSION, None
    accepted = [f for f in files if f["status"] == "accepted"]
    if accepted:
        return ACCEPTED, _latest(accepted)
    live = [f for f in files if f["status"] in ("rejected", "unreadable")]
    if live:
        return REJECTED, _latest(live)
    withdrawn = [f for f in files if f["status"] == "withdrawn"]
    if withdrawn:
        return WITHDRAWN, _latest(withdrawn)
    return SUPERSEDED_ONLY, _latest(files)


def tracker_table(reference: Reference, validation: YearValidation, year: int) -> pl.DataFrame:
    """One row per member active in `year`, sorted by region, country and member_id."""
    members = reference.members_active_in(year).join(
        reference.regions.select("country", "region"), on="country", how="left"
    )
    grouped = files_by_member(validation.submissions, reference.members["member_id"].to_list())
    rows = []
    for member in members.iter_rows(named=True):
        status, file = deciding_file(grouped.get(member["member_id"], []))
        rows.append(
            {
                "member_id": member["member_id"],
                "name": member["name"],
                "country": member["country"],
                "region": member["region"],
                "status": status,
                "file": file and file["file"],
                "received": file and file["submitted_at"],
                "errors": file and file["errors"],
                "warnings": file and file["warnings"],
            }
        )
    return pl.DataFrame(rows, schema=TRACKER_SCHEMA).sort("region", "country", "member_id")


def missing_by_region(tracker: pl.DataFrame) -> pl.DataFrame:
    """Per region: active members, and those whose figures are missing from the statistics.

    ``members_missing`` counts every member without an accepted submission: those who sent
    nothing (``members_no_submission``) and those whose file was refused
    (``members_rejected``, including ``superseded only`` and ``withdrawn``: staff set the
    file aside, so the member has to send another, as after a rejection).
    """
    return (
        tracker.group_by("region")
        .agg(
            pl.len().cast(pl.Int64).alias("members_active"),
            (pl.col("status") != ACCEPTED).sum().cast(pl.Int64).alias("members_missing"),
            (pl.col("status") == NO_SUBMISSION).sum().cast(pl.Int64).alias("members_no_submission"),
            pl.col("status")
            .is_in([REJECTED, WITHDRAWN, SUPERSEDED_ONLY])
            .sum()
            .cast(pl.Int64)
            .alias("members_rejected"),
        )
        .sort("region")
        .select(list(MISSING_SCHEMA))
        .cast(MISSING_SCHEMA)  # type: ignore[arg-type]
    )
