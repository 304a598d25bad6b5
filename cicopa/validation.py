"""Check parsed submissions against the schema and the registry, all files at once.

The rules live in `schemas.submission`; this module prepares the frame they
run on (case-folded codes, registry context joined in), runs both passes with
`lazy=True`, and turns pandera's failure cases into issues a member can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

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
from cicopa.issues import Issue
from cicopa.readers import ROW, RawSubmission
from cicopa.received import receipt_time
from cicopa.reference import Reference
from schemas.submission import (
    CURRENCY_KNOWN,
    DATAFRAME_CHECK_COLUMNS,
    FILE,
    FOLDER_YEAR,
    MEMBER_STATUS,
    RULE_INPUTS,
    THOUSANDS_SEPARATED,
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
class CheckedSubmission:
    """A submission after both validation passes."""

    raw: RawSubmission
    folder_year: int | None
    rows: pl.DataFrame | None  # typed rows, spec columns plus `_row`
    issues: list[Issue] = field(default_factory=list)
    member_id: str | None = None  # the member this file speaks for, when it names one
    submitted_at_text: str | None = None
    # Orders files of one second: the `-n` of a received file dated by its name, else 1.
    receipt_counter: int = 1

    @property
    def file(self) -> str:
        return self.raw.file

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == "warning")

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


def check_submissions(
    raws: list[RawSubmission], reference: Reference, folder_years: dict[str, int | None]
) -> list[CheckedSubmission]:
    """Validate every readable submission; unreadable ones pass through with their issue."""
    readable = [r for r in raws if r.frame is not None]
    issues: dict[str, list[Issue]] = {r.file: list(r.issues) for r in raws}
    typed_by_file: dict[str, pl.DataFrame] = {}
    if readable:
        cells = pl.concat(
            [
                r.frame.with_columns(  # type: ignore[union-attr]
                    pl.lit(r.file).alias(FILE),
                    pl.lit(folder_years.get(r.file), pl.Int64).alias(FOLDER_YEAR),
                )
                for r in readable
            ],
            how="vertical",
        )
        cells = _fold_codes(cells)
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
        data_columns = [ROW, *COLUMN_NAMES]
        for (file,), part in typed.partition_by(FILE, as_dict=True).items():
            typed_by_file[str(file)] = part.select(data_columns)
    checked = []
    for raw in raws:
        rows = typed_by_file.get(raw.file)
        if raw.frame is not None and rows is None:  # readable but no data rows
            rows = pl.DataFrame(schema=TYPED_ROW_SCHEMA)
            issues[raw.file].append(
                Issue(
                    raw.file,
                    "no_data_rows",
                    "The file has a header but no data rows; fill in one row per sector "
                    "and cooperative type.",
                )
            )
        if raw.frame is not None and rows is not None and rows.height != raw.rows:
            # Every row a reader saw is validated or ignored for a stated reason; a row
            # lost on the way would change a figure silently, so the file cannot count.
            issues[raw.file].append(
                Issue(
                    raw.file,
                    "unreadable_file",
                    f"{raw.rows} data rows were read but {rows.height} were checked; the file "
                    "cannot be counted. Please report this to the secretariat.",
                )
            )
        member = _single_value(rows, "member_id")
        submitted = _single_value(rows, "submitted_at")
        counter = 1
        received = receipt_time(raw.file) if raw.frame is not None else None
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
                raw, folder_years.get(raw.file), rows, ordered, member, submitted, counter
            )
        )
    return checked


def _single_value(rows: pl.DataFrame | None, column: str) -> Any:
    if rows is None:
        return None
    values = rows[column].drop_nulls().unique()
    return values.item() if values.len() == 1 else None


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
    lookups = _Lookups(frame)
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


class _Lookups:
    """What a message quotes from other rows, computed once per frame and column."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self._first: dict[str, dict[Any, tuple[Any, int]]] = {}
        self._pairs: dict[tuple[Any, Any, Any], int] | None = None

    def first_value(self, file: str, column: str) -> tuple[Any, int]:
        """The first non-empty value of `column` in `file`, and its row."""
        if column not in self._first:
            firsts = (
                self.frame.filter(pl.col(column).is_not_null())
                .group_by(FILE, maintain_order=True)
                .agg(pl.col(column).first(), pl.col(ROW).first())
            )
            self._first[column] = {f: (v, r) for f, v, r in firsts.iter_rows()}
        return self._first[column][file]

    def first_pair_row(self, file: str, sector: Any, cooperative_type: Any) -> int:
        """The row that first reports this sector and cooperative type in `file`."""
        if self._pairs is None:
            firsts = self.frame.group_by(
                FILE, "sector", "cooperative_type", maintain_order=True
            ).agg(pl.col(ROW).first())
            self._pairs = {(f, s, t): r for f, s, t, r in firsts.iter_rows()}
        return self._pairs[(file, sector, cooperative_type)]


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_THOUSANDS = re.compile(THOUSANDS_SEPARATED)


def _other_digits(value: str) -> bool:
    return not value.isascii() and any(ch.isdigit() and not ch.isascii() for ch in value)


def describe(
    check: str, column: str, row: dict[str, Any], lookups: _Lookups, reference: Reference | None
) -> tuple[str, str]:
    """The rule name and the sentence a member can act on, for one failed cell."""
    value = row.get(column)
    where = f"Row {row[ROW]}, {column}: "
    shown = f"'{value}'"
    if check == "not_nullable":
        hint = "a whole number (0 if none)" if column in INTEGER_COLUMNS else "a value"
        if column == "sector":
            hint = "the ISIC section letter (A to U)"
        elif column == "cooperative_type":
            hint = "worker, social, producer, multi_stakeholder or other"
        return "required_value", f"{where}the value is empty; enter {hint}."
    numeric_check = check in ("whole_number", "decimal_number", "iso_date")
    if numeric_check and isinstance(value, str) and _other_digits(value):
        rule = {"decimal_number": "number"}.get(check, check)
        return rule, (
            f"{where}{shown} is written with digits other than 0-9 (full-width or another "
            "script's digits); type the figure again with the digits 0 to 9."
        )
    if check == "whole_number" and isinstance(value, str) and len(value.lstrip("-")) > 15:
        return "whole_number", (
            f"{where}{shown} has more than 15 digits; no count is that large, check the figure."
        )
    if check == "whole_number":
        if isinstance(value, str) and _THOUSANDS.search(value):
            digits = value.replace(".", "").replace(",", "")
            return "no_thousands_separator", (
                f"{where}{shown} looks like a number with a thousands separator; "
                f"write {digits} without separators."
            )
        return "whole_number", (
            f"{where}{shown} is not a whole number; write digits only, e.g. 120."
        )
    if check == "decimal_number" and isinstance(value, str) and len(value) > 15:
        return "number", (
            f"{where}{shown} is too long for an amount; write at most 15 digits before "
            "the decimal point, without exponent."
        )
    if check == "decimal_number":
        return "number", (
            f"{where}{shown} is not a number; write digits with '.' as decimal mark, "
            "e.g. 1250000.50, without thousands separators or currency signs."
        )
    if check == "iso_date":
        return "iso_date", f"{where}{shown} is not a date; write it as YYYY-MM-DD, e.g. 2026-02-15."
    if check == "sector_code":
        return "sector_code", (
            f"{where}{shown} is not an ISIC Rev.4 section; use one letter from A to U."
        )
    if check == "cooperative_type_code":
        return "cooperative_type_code", (
            f"{where}{shown} is not a cooperative type; use worker, social, producer, "
            "multi_stakeholder or other."
        )
    if check == "currency_code":
        return "currency_code", (
            f"{where}{shown} is not an ISO 4217 currency code; use three letters such as EUR."
        )
    if check.startswith("greater_than_or_equal_to"):
        return "non_negative", f"{where}{_fmt(value)} is negative; {column} must be 0 or more."
    if check == "one_value_per_submission":
        first_value, first_row = lookups.first_value(row[FILE], column)
        return "one_value_per_submission", (
            f"{where}{_fmt(value)} differs from {_fmt(first_value)} in row {first_row}; "
            f"a submission carries one {column} for all its rows."
        )
    if check == "member_active_in_year":
        if row[MEMBER_STATUS] == "unknown":
            return "member_active_in_year", (
                f"{where}{shown} is not in the member registry; use the member_id "
                "the CICOPA secretariat gave you (e.g. IT-LEGACOOP)."
            )
        span = f"from {row['joined']}" + (f" to {row['left'] - 1}" if row["left"] else "")
        return "member_active_in_year", (
            f"{where}{shown} was not a member in {row['_status_year']} "
            f"(membership {span}); check the member_id and the year."
        )
    if check == "year_matches_folder":
        return "year_matches_folder", (
            f"{where}{_fmt(value)} does not match the reference year {row[FOLDER_YEAR]} "
            f"this file was filed under; report figures for {row[FOLDER_YEAR]}."
        )
    if check == "currency_known_for_year":
        return "currency_known_for_year", (
            f"{where}{shown} has no {row['_status_year']} exchange rate in the reference "
            "data; report turnover in USD or EUR, or ask the secretariat to add the rate."
        )
    if check == "currency_with_turnover":
        return "currency_with_turnover", (
            f"{where}turnover is given but the submission names no currency; "
            "add the ISO 4217 code, e.g. EUR."
        )
    if check == "women_within_employment":
        employed = row["worker_members"] + row["employees"] + row["producer_members"]
        return "women_within_employment", (
            f"{where}{_fmt(value)} women is more than the {employed} persons this row reports "
            "(worker_members + employees + producer_members); women are counted among them."
        )
    if check == "transfers_within_new_enterprises":
        created = row["new_enterprises"]
        if created is None:
            return "transfers_within_new_enterprises", (
                f"{where}{_fmt(value)} transfers are given but new_enterprises is empty; "
                "transfers are counted among the new enterprises, so fill it in too."
            )
        return "transfers_within_new_enterprises", (
            f"{where}{_fmt(value)} transfers is more than the {created} new_enterprises; "
            "transfers are counted among the new enterprises."
        )
    if check == "enterprises_when_employment":
        employed = max(
            row["worker_members"] or 0, row["employees"] or 0, row["producer_members"] or 0
        )
        return "enterprises_when_employment", (
            f"{where}{_fmt(value)} enterprises, but the row reports persons employed "
            f"(up to {employed} in one column); give the number of cooperatives they work in."
        )
    if check == "unique_sector_and_type":
        first_row = lookups.first_pair_row(row[FILE], row["sector"], row["cooperative_type"])
        return "unique_sector_and_type", (
            f"{where}sector {row['sector']} with cooperative type {row['cooperative_type']} "
            f"is already reported in row {first_row}; report each pair once, adding up the "
            "figures."
        )
    return check, f"{where}{shown} fails the check '{check}'."
