"""Check parsed submissions against the schema and the registry, all files at once.

The rules live in `schemas.submission`; this module prepares the frame they
run on (case-folded codes, registry context joined in), runs both passes with
`lazy=True`, and turns pandera's failure cases into issues a member can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from itertools import chain

import pandera.polars as pa
import polars as pl

from cicopa.columns import (
    COLUMN_NAMES,
    DECIMAL_COLUMNS,
    INTEGER_COLUMNS,
    LOWERCASE_CODES,
    SUBMISSION_COLUMNS,
    UPPERCASE_CODES,
)
from cicopa.issues import Issue, IssueCounts
from cicopa.messages import Lookups, describe
from cicopa.readers import ROW, RawSubmission, read_submission, tidy_frame
from cicopa.received import receipt_time
from cicopa.reference import Reference
from cicopa.rules import DATAFRAME_CHECK_COLUMNS, RULE_INPUTS, new_issue
from cicopa.schema_pass import holds
from schemas.submission import (
    CURRENCY_KNOWN,
    FILE,
    FOLDER_YEAR,
    MEMBER_STATUS,
    Submission,
    SubmissionCells,
)

_COLUMN_ORDER = {name: i for i, name in enumerate(COLUMN_NAMES)}
_DTYPES = {"integer": pl.Int64(), "decimal": pl.Float64()}
# The typed rows of a checked submission: `_row`, then the spec's columns.
TYPED_ROW_SCHEMA: dict[str, pl.DataType] = {
    ROW: pl.Int64(),
    **{c.name: _DTYPES.get(c.kind, pl.String()) for c in SUBMISSION_COLUMNS},
}


@dataclass
class CheckedSubmission(IssueCounts):
    """A submission after both validation passes."""

    raw: RawSubmission
    folder_year: int | None
    # The typed rows of every file checked together (see `checked_rows`); None: unreadable.
    year_rows: pl.DataFrame | None
    issues: list[Issue] = field(default_factory=list)
    member_id: str | None = None  # the member this file speaks for, when it names one
    submitted_at_text: str | None = None
    # Orders files of one second: the `-n` of a received file dated by its name, else 1.
    receipt_counter: int = 1
    offset: int = 0  # where this file's rows start in `year_rows`

    @property
    def file(self) -> str:
        return self.raw.file

    @cached_property
    def rows(self) -> pl.DataFrame | None:
        """This file's typed rows (spec columns plus `_row`), cut from the year's frame."""
        if self.year_rows is None:
            return None
        return self.year_rows.slice(self.offset, self.raw.rows).select(ROW, *COLUMN_NAMES)

    @property
    def submitted_at(self) -> datetime | None:
        text = self.submitted_at_text
        return parse_timestamp(text) if text else None


def parse_timestamp(text: str) -> datetime | None:
    """ISO 8601 date or date-time, as an aware UTC datetime (a bare date is midnight UTC)."""
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_files(
    files: list[tuple[str, bytes, int | None]],
    reference: Reference,
    sizes: Mapping[str, int] | None = None,
) -> list[CheckedSubmission]:
    """Validate files given as (name, bytes, reference year of their folder or None).

    `sizes` gives the real size of a file whose bytes were read only up to the limit.
    This is what `cicopa validate` runs, and what every received file goes through
    (`cicopa.intake`); it lives here so that `validate` loads no intake machinery.
    """
    raws = [read_submission(data, name, size=(sizes or {}).get(name)) for name, data, _ in files]
    return check_submissions(raws, reference, {name: year for name, _, year in files})


def check_submissions(
    raws: list[RawSubmission], reference: Reference, folder_years: dict[str, int | None]
) -> list[CheckedSubmission]:
    """Validate every readable submission; unreadable ones pass through with their issue."""
    return checked_rows(raws, reference, folder_years)[0]


def checked_rows(
    raws: list[RawSubmission], reference: Reference, folder_years: dict[str, int | None]
) -> tuple[list[CheckedSubmission], pl.DataFrame]:
    """`check_submissions`, and the typed rows of all readable files in one frame.

    The year is checked as one frame: the readers' cells concatenated once, both passes
    over all rows, and what each file says once (its member, its submitted_at) in one
    grouped pass. The frame has `_row`, the spec's columns and `_file`, files in order.
    """
    readable = [r for r in raws if r.readable]
    issues: dict[str, list[Issue]] = {r.file: list(r.issues) for r in raws}
    year_rows = _validated(readable, reference, folder_years, issues)
    # What each file says once, in one pass: its row count, member and submitted_at.
    said = {
        file: (count, member, submitted)
        for file, count, member, submitted in year_rows.group_by(FILE)
        .agg(pl.len(), _single_value("member_id"), _single_value("submitted_at"))
        .iter_rows()
    }
    checked = []
    offset = 0
    for raw in raws:
        count, member, submitted = said.get(raw.file, (0, None, None))
        if raw.readable and raw.rows == 0:
            issues[raw.file].append(new_issue("no_data_rows", raw.file))
        elif raw.readable and count != raw.rows:
            # Every row a reader saw is validated or ignored for a stated reason; a row
            # lost on the way would change a figure silently, so the file cannot count.
            issues[raw.file].append(
                new_issue("unreadable_file", raw.file, "rows_lost", read=raw.rows, checked=count)
            )
        counter = 1
        received = receipt_time(raw.file) if raw.readable else None
        if submitted is None and received is not None:
            # SPEC 2: a received file without submitted_at is dated by its receipt time.
            submitted, counter = received[0].isoformat(), received[1]
        ordered = sorted(issues[raw.file], key=_issue_order)
        ordered = [
            i
            if i.member_id == member
            else Issue(i.file, i.rule, i.message, i.severity, i.row, i.column, member)
            for i in ordered
        ]
        checked.append(
            CheckedSubmission(
                raw,
                folder_years.get(raw.file),
                year_rows if raw.readable else None,
                ordered,
                member,
                submitted,
                counter,
                offset,
            )
        )
        offset += raw.rows if raw.readable else 0
    return checked, year_rows


def _validated(
    readable: list[RawSubmission],
    reference: Reference,
    folder_years: dict[str, int | None],
    issues: dict[str, list[Issue]],
) -> pl.DataFrame:
    """Both passes over all readable files at once; their issues go into `issues`."""
    if not readable:
        return pl.DataFrame(schema={**TYPED_ROW_SCHEMA, FILE: pl.String()})
    cells = tidy_frame(readable, FILE)
    years = chain.from_iterable([folder_years.get(r.file)] * r.rows for r in readable)
    cells = _fold_codes(cells.with_columns(pl.Series(FOLDER_YEAR, list(years), pl.Int64)))
    missing = {(r.file, c) for r in readable for c in r.missing_columns}
    # Cells a reader already refused (an error value, an uncached formula) arrive
    # empty: their own issue says why, pass 1 must not add "the value is empty".
    read_refused = {
        (r.file, i.row, i.column) for r in readable for i in r.issues if i.row and i.column
    }
    refused = [
        item
        for item in _run(SubmissionCells, cells, missing)
        if (item[2].file, item[2].row, item[2].column) not in read_refused
    ]
    for _, _, issue in refused:
        issues[issue.file].append(issue)
    # A refused cell is reported once: it is blanked before pass 2, and pass 2 does
    # not judge its row with a rule that reads it.
    refused_cells = {(index, issue.column) for index, _, issue in refused}
    typed = _with_registry_context(_typed(_blank(cells, refused_cells)), reference)
    for index, check, issue in _run(Submission, typed, missing, reference):
        inputs = RULE_INPUTS.get(check, (issue.column,))
        if not any((index, column) in refused_cells for column in inputs) and not any(
            (issue.file, issue.row, column) in read_refused for column in inputs
        ):
            issues[issue.file].append(issue)
    year_rows = typed.select(ROW, *COLUMN_NAMES, FILE)
    if not year_rows[FILE].equals(cells[FILE]):
        # Each file's rows are cut from the frame by position: a join that reordered or
        # lost a row would give one file another's figures, silently.
        raise RuntimeError("validation reordered the rows of the checked files")
    return year_rows


def _single_value(column: str) -> pl.Expr:
    """The one value a file gives in `column` (nulls aside), else null; per group."""
    values = pl.col(column).drop_nulls()
    return pl.when(values.n_unique() == 1).then(values.first()).alias(column)


def _issue_order(issue: Issue) -> tuple[int, int, int]:
    return (
        -1 if issue.row is None else issue.row,
        _COLUMN_ORDER.get(issue.column or "", len(_COLUMN_ORDER)),
        0 if issue.severity == "error" else 1,
    )


def _fold_codes(cells: pl.DataFrame) -> pl.DataFrame:
    # In codes, case and surrounding spaces do not matter (SPEC section 2).
    return cells.with_columns(
        *(pl.col(c).str.to_uppercase() for c in UPPERCASE_CODES),
        *(pl.col(c).str.to_lowercase() for c in LOWERCASE_CODES),
    )


def _blank(cells: pl.DataFrame, refused: set[tuple[int, str | None]]) -> pl.DataFrame:
    """Null the cells pass 1 refused, so they neither pass nor fail a rule in pass 2."""
    by_column: dict[str, list[int]] = {}
    for index, column in refused:
        if column in cells.columns:
            by_column.setdefault(column, []).append(index)
    position = pl.int_range(pl.len())
    return cells.with_columns(
        pl.when(position.is_in(indices)).then(None).otherwise(pl.col(column)).alias(column)
        for column, indices in by_column.items()
    )


def _typed(cells: pl.DataFrame) -> pl.DataFrame:
    """Cast the text cells that pass 1 accepted (`12`, `12.0`, `12,0` are twelve)."""
    return cells.with_columns(
        *(
            pl.col(c).str.replace(r"[.,]0+$", "").cast(pl.Int64, strict=False)
            for c in INTEGER_COLUMNS
        ),
        *(pl.col(c).cast(pl.Float64, strict=False) for c in DECIMAL_COLUMNS),
    )


def _with_registry_context(typed: pl.DataFrame, reference: Reference) -> pl.DataFrame:
    """Join what the registry rules need: member status in the year, currency known."""
    year = pl.coalesce(FOLDER_YEAR, "reference_year")
    members = reference.members.select("member_id", "joined", "left")
    rates = reference.fx_rates.select(
        pl.col("year").alias("_rate_year"),
        pl.col("currency").alias("_rate_currency"),
        pl.lit(True).alias(CURRENCY_KNOWN),
    )
    return (
        typed.with_columns(year.alias("_status_year"))
        .join(members, on="member_id", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("joined").is_null())
            .then(pl.lit("unknown"))
            .when(
                pl.col("_status_year").is_null()
                | (
                    (pl.col("joined") <= pl.col("_status_year"))
                    & (pl.col("left").is_null() | (pl.col("left") > pl.col("_status_year")))
                )
            )
            .then(pl.lit("active"))
            .otherwise(pl.lit("inactive"))
            .alias(MEMBER_STATUS)
        )
        .join(
            rates,
            left_on=["_status_year", "currency"],
            right_on=["_rate_year", "_rate_currency"],
            how="left",
            maintain_order="left",
        )
        # Without a year (no folder, unreadable reference_year) a currency cannot be judged.
        .with_columns(pl.col(CURRENCY_KNOWN).fill_null(pl.col("_status_year").is_null()))
    )


def _run(
    model: type[pa.DataFrameModel],
    frame: pl.DataFrame,
    missing: set[tuple[str, str]],
    reference: Reference | None = None,
) -> list[tuple[int, str, Issue]]:
    """Validate with every check at once; each failure as (frame index, check, issue)."""
    if holds(model, frame):
        return []  # nothing to refuse: pandera is asked only to word failures
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases.filter(pl.col("index").is_not_null())
    else:
        return []
    issues = []
    # One gather of the failing rows and one pass over them: cost grows with the number
    # of failures, never with failures x rows (100,000 bad cells in about a second).
    rows = frame[failures["index"].to_list()].to_dicts()
    lookups = Lookups(frame)
    for failure, row in zip(failures.iter_rows(named=True), rows, strict=True):
        column = failure["column"]
        if failure["schema_context"] == "DataFrameSchema":
            column = DATAFRAME_CHECK_COLUMNS.get(failure["check"], column)
        if (row[FILE], column) in missing:
            continue  # the missing column is already one file-level issue
        rule, message = describe(failure["check"], column, row, lookups, reference)
        issue = Issue(row[FILE], rule, message, "error", row[ROW], column)
        issues.append((failure["index"], failure["check"], issue))
    return issues
