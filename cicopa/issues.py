"""Issues found in submissions: the rows of `validation/issues.csv`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import polars as pl

Severity = Literal["error", "warning"]

ISSUE_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String(),
    "member_id": pl.String(),
    "row": pl.Int64(),
    "column": pl.String(),
    "rule": pl.String(),
    "severity": pl.String(),
    "message": pl.String(),
}


@dataclass(frozen=True)
class Issue:
    """One problem in one file; `row` is the 1-based data row, None for the whole file."""

    file: str
    rule: str
    message: str
    severity: Severity = "error"
    row: int | None = None
    column: str | None = None
    member_id: str | None = None


class IssueCounts:
    """The errors and warnings among a file's `issues` (a submission, a portal receipt)."""

    issues: Sequence[Issue]

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == "warning")


def issues_frame(issues: list[Issue]) -> pl.DataFrame:
    """Issues as a frame with the columns of `validation/issues.csv`, in file order."""
    rows = [asdict(issue) for issue in issues]
    frame = pl.DataFrame(rows, schema=ISSUE_SCHEMA) if rows else pl.DataFrame(schema=ISSUE_SCHEMA)
    return frame.select(list(ISSUE_SCHEMA))
