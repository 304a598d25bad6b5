"""`cicopa trace`: the files of an area that add nothing to its figure, and why.

Rejected, superseded, withdrawn and unreadable files of the area's members (an
unreadable file placed by the member code in its name where it has one), and the
registered members that sent no file, which count in the response rate's denominator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cicopa.outcomes import YearValidation
from cicopa.reference import Reference
from cicopa.statistics import registered_members

# How many error messages of a rejected file are quoted before "(+N more)".
REASONS_SHOWN = 2


@dataclass(frozen=True)
class NotCounted:
    """A file (or a registered member without one) of the area that adds nothing, and why."""

    file: str | None
    member_id: str | None
    status: str  # rejected, superseded, withdrawn, unreadable, or "no submission"
    reason: str


def not_counted_files(
    outcome: YearValidation, reference: Reference, year: int, in_area: pl.Expr, level: str
) -> tuple[list[NotCounted], int]:
    """Rejected, superseded and unreadable files of the area's members, and silent members."""
    submissions, issues = outcome.submissions, outcome.issues
    # The whole registry, not only active members: a file from a member who has left is
    # still placed in its country.
    members = reference.members.select("member_id", "country").join(
        reference.regions.select("country", "region", "sub_region"), on="country", how="left"
    )
    files = submissions.join(members, on="member_id", how="left").filter(
        pl.col("status") != "accepted"
    )
    # A file that cannot be read names no member; its file name often does.
    guesses = {
        item["file"]: _member_from_name(item["file"], members["member_id"].to_list())
        for item in files.filter(pl.col("country").is_null()).iter_rows(named=True)
    }
    guessed = pl.DataFrame(
        {"file": list(guesses), "_guess": list(guesses.values())},
        schema={"file": pl.String, "_guess": pl.String},
    )
    files = (
        files.join(guessed, on="file", how="left")
        .drop("country", "region", "sub_region")
        .with_columns(pl.coalesce("member_id", "_guess").alias("_placed_as"))
        .join(members.rename({"member_id": "_placed_as"}), on="_placed_as", how="left")
    )
    unplaced = files.filter(pl.col("country").is_null())
    listed = files.filter(pl.col("country").is_not_null()).filter(in_area)
    if level == "global":
        listed = pl.concat([listed, unplaced], how="vertical_relaxed")

    entries = []
    for item in listed.sort("file").iter_rows(named=True):
        # A withdrawn file was never checked: the secretariat's reason is the whole story.
        reason = outcome.withdrawn.get(item["file"]) or _reason(item, submissions, issues)
        member = item["member_id"]
        if member is None and item["_guess"]:
            member = f"{item['_guess']}?"
            reason = f"member guessed from the file name; {reason}"
        entries.append(NotCounted(item["file"], member, item["status"], reason))
    # A registered member that sent nothing is part of the response rate too.
    senders = set(files["_placed_as"].drop_nulls().to_list()) | set(
        submissions["member_id"].drop_nulls().to_list()
    )
    silent = registered_members(reference, year).filter(in_area)
    for member_id in sorted(set(silent["member_id"].to_list()) - senders):
        entries.append(
            NotCounted(None, member_id, "no submission", f"registered for {year}, no file received")
        )
    return entries, unplaced.height


def _member_from_name(file: str, member_ids: list[str]) -> str | None:
    """The registered member_id written in a file name (longest match wins), if any."""
    name = Path(file).name.upper()
    found = [m for m in member_ids if re.search(rf"(?<![A-Z0-9]){re.escape(m)}(?![A-Z0-9])", name)]
    return max(found, key=len) if found else None


def _reason(item: dict, submissions: pl.DataFrame, issues: pl.DataFrame) -> str:
    status = item["status"]
    if status == "superseded":
        newer = submissions.filter(
            (pl.col("member_id") == item["member_id"])
            & ~pl.col("status").is_in(["superseded", "unreadable"])
        )
        mine = f"; this file {item['submitted_at']}" if item["submitted_at"] else ""
        if newer.height == 1:
            winner = newer.row(0, named=True)
            return f"superseded by {winner['file']} (submitted_at {winner['submitted_at']}{mine})"
        return f"superseded by a later file of {item['member_id']}{mine}"
    errors = issues.filter((pl.col("file") == item["file"]) & (pl.col("severity") == "error"))
    messages = errors["message"].to_list()
    if not messages:
        return status
    shown = " | ".join(messages[:REASONS_SHOWN])
    more = f" (+{len(messages) - REASONS_SHOWN} more)" if len(messages) > REASONS_SHOWN else ""
    return shown + more
