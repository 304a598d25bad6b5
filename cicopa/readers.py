"""Read one submission file, as members really send it, into a tidy all-text frame.

Every reader returns the same shape: a polars frame whose columns are the spec's
column names (all `String`, cells stripped, empty cells null), plus `_row`, the
1-based data row in the file, and the file-level issues met on the way. Typing
and rules are the validator's job; a reader only refuses what it cannot parse.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from pathlib import Path
from typing import Any

import polars as pl

from cicopa.columns import (
    COLUMN_NAMES,
    DECIMAL_COLUMNS,
    REQUIRED_COLUMNS,
    ROW_DATA_COLUMNS,
    SUPPORTED_FORMATS,
)
from cicopa.issues import Issue
from cicopa.rules import new_issue
from cicopa.settings import MAX_DATA_ROWS, MAX_FILE_BYTES, MAX_SHEET_COLUMNS
from cicopa.spreadsheets import CELL_FLAG, UNCACHED, WorkbookError, content_format, read_workbook

ROW = "_row"
# A header is looked for in the first rows only: a title block is a few lines at most.
HEADER_SEARCH_ROWS = 30
WORKBOOK_FORMATS = ("xlsx", "xlsm", "ods", "xls")
_DECIMAL_COMMA = re.compile(r"^-?[0-9]+,[0-9]+$")


class UnreadableFile(Exception):
    """The file cannot be parsed at all; the message tells the member why."""


@dataclass
class RawSubmission:
    """One file as read: text cells under the spec's column names, or nothing.

    The cells are kept as plain columns (lists), not as a frame: a year's check builds
    one frame from all its files (`tidy_frame`), and a frame per file would cost more
    than reading the file did. `frame` builds this file's own frame when asked.
    """

    file: str
    format: str
    # column -> its values (stripped text or None), for every spec column; None: unreadable
    cells: dict[str, list[str | None]] | None
    issues: list[Issue] = field(default_factory=list)
    missing_columns: tuple[str, ...] = ()
    # The header's row in the sheet: data row n is sheet row header_row + n (None: JSON).
    header_row: int | None = None
    # Non-empty rows below the header, and those of them left out of `cells` because they
    # carry no figure (a prepared form row): seen == rows + ignored, always.
    seen: int = 0
    ignored: int = 0
    numbers: list[int] = field(default_factory=list)  # each kept row's 1-based data row

    @property
    def readable(self) -> bool:
        return self.cells is not None

    @property
    def rows(self) -> int:
        return len(self.numbers)

    @cached_property
    def frame(self) -> pl.DataFrame | None:
        """This file's tidy frame: `_row`, then the spec's columns, all text."""
        return tidy_frame([self]) if self.cells is not None else None


def tidy_frame(raws: list[RawSubmission], file_column: str | None = None) -> pl.DataFrame:
    """One frame for the readable submissions, in order: `_row` and the spec's columns.

    With `file_column`, a column of that name tells each row's file. The columns are
    concatenated as lists first, so a year of 4,500 files is 16 Series, not 72,000.
    """
    readable = [r for r in raws if r.cells is not None]
    data: dict[str, pl.Series] = {
        ROW: pl.Series(ROW, list(chain.from_iterable(r.numbers for r in readable)), pl.Int64)
    }
    for name in COLUMN_NAMES:
        values = chain.from_iterable(r.cells[name] for r in readable)  # type: ignore[index]
        data[name] = pl.Series(name, list(values), pl.String)
    if file_column is not None:
        files = chain.from_iterable([r.file] * r.rows for r in readable)
        data[file_column] = pl.Series(file_column, list(files), pl.String)
    return pl.DataFrame(data)


def file_format(path: Path | str) -> str:
    """The format a file claims by its extension ('csv', 'xlsx', 'json', ... or other)."""
    return Path(path).suffix.lower().lstrip(".") or "(none)"


def read_submission(data: bytes, file: str, size: int | None = None) -> RawSubmission:
    """Parse the bytes of one submission file; never raises for bad content.

    `size` is the file's real size when `data` was read only up to the limit.

    The extension says which formats are admissible; the bytes say how the file is
    read: an .xls renamed .xlsx is read as the .xls it is.
    """
    fmt = file_format(file)
    try:
        if fmt not in SUPPORTED_FORMATS:
            raise UnreadableFile(_unsupported_message(fmt))
        if (refusal := size_refusal(data, size)) is not None:
            raise UnreadableFile(refusal)
        if not data.strip():
            raise UnreadableFile("The file is empty; send the completed survey form again.")
        actual = content_format(data)
        if actual is not None:
            fmt = actual
            table, decimal_comma = _locate_header(read_workbook(data, actual)), False
        elif fmt in WORKBOOK_FORMATS:
            raise UnreadableFile(
                f"The file is named .{fmt} but is not a spreadsheet workbook; open it in a "
                "spreadsheet program and save it as .xlsx, or send it as .csv."
            )
        elif fmt == "csv":
            delimiter = _csv_delimiter(data)
            table = _locate_header(_read_csv(data, delimiter), delimiter)
            decimal_comma = delimiter == ";"
        else:
            table, decimal_comma = _read_json(data), False
    except (UnreadableFile, WorkbookError) as exc:
        return RawSubmission(file, fmt, None, [_unreadable(file, str(exc))])
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a panic inside a reader library included
        reason = f"The file could not be read ({type(exc).__name__}: {_first_line(exc)})"
        return RawSubmission(file, fmt, None, [_unreadable(file, reason)])
    return _tidy(table, file, fmt, decimal_comma)


def size_refusal(data: bytes, size: int | None) -> str | None:
    """Why a file is too large to be read as a submission, or None when it is not.

    `data` is what was read of it, `size` its size on disk when known: the larger counts
    (a file that grew since it was measured).
    """
    size = max(size or 0, len(data))
    if size <= MAX_FILE_BYTES:
        return None
    return (
        f"The file is {size / 2**20:.1f} MiB, over the limit of {MAX_FILE_BYTES // 2**20} "
        "MiB for one submission; a survey form is a few kilobytes, so send only the survey "
        "sheet."
    )


def _unsupported_message(fmt: str) -> str:
    kind = "Files without an extension" if fmt == "(none)" else f"Files of type '.{fmt}'"
    hint = " (in a spreadsheet program: Save As, Excel Workbook .xlsx)" if fmt == "numbers" else ""
    return (
        f"{kind} are not survey submissions; send the survey as .csv, .xlsx, .xlsm, .ods, "
        f".xls or .json{hint}."
    )


def _unreadable(file: str, message: str) -> Issue:
    return new_issue("unreadable_file", file, "reason", reason=message)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "no detail"


# --- a table of text cells: header row, then data rows with their 1-based numbers ---


@dataclass
class _Table:
    header: list[str | None]
    rows: list[list[Any]]
    numbers: list[int]
    issues: list[tuple[int, str]] = field(default_factory=list)  # (row, message) found by reader
    header_row: int | None = None  # 1-based row of the header in the sheet (not for JSON)
    filled: int = 0  # rows below the header with at least one value


def _decode(data: bytes) -> str:
    # Members export from Excel on Windows as often as from anything else.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            "The file is neither UTF-8 nor Windows-1252 text; save it as 'CSV UTF-8'."
        ) from exc


def _csv_delimiter(data: bytes) -> str:
    first_line = _decode(data).lstrip().split("\n", 1)[0]
    return ";" if first_line.count(";") > first_line.count(",") else ","


_EMPTY: list[Any] = []


def _read_csv(data: bytes, delimiter: str) -> list[list[Any]]:
    """The records of a CSV text; a record spanning several lines is a `_Multiline` list."""
    text = _decode(data)
    if "\x00" in text:
        raise UnreadableFile("The file contains binary data, not CSV text")
    records: list[list[Any]] = []
    filled = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    try:
        for record in reader:
            # A quoted line break makes one record of several lines: only such records
            # can hide an unclosed quote, so only they get the closer look.
            several = reader.line_num - line > 1
            line = reader.line_num
            if any(cell.strip() for cell in record):
                records.append(_Multiline(record) if several else record)
                filled += 1
                if filled > MAX_DATA_ROWS + HEADER_SEARCH_ROWS:
                    raise UnreadableFile(_too_many_rows(filled))
            else:
                records.append(_EMPTY)  # one shared list: blank lines cost no memory
    except csv.Error as exc:
        raise UnreadableFile(f"The CSV text is malformed ({exc})") from exc
    return records


class _Multiline(list):  # type: ignore[type-arg]
    """A CSV record read from several lines (a quoted field holds a line break)."""


def _too_many_rows(count: int) -> str:
    return (
        f"The file has more than {MAX_DATA_ROWS:,} data rows ({count:,} read); a submission "
        "holds at most 105 rows (one per sector and cooperative type), so it is not read."
    )


def _read_json(data: bytes) -> _Table:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise UnreadableFile("The JSON file is not UTF-8 text; save it as UTF-8.") from exc
    except json.JSONDecodeError as exc:
        raise UnreadableFile(
            f"The JSON is malformed at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    if not isinstance(document, dict) or not isinstance(document.get("rows"), list):
        raise UnreadableFile(
            'The JSON must be an object with a "rows" list, e.g. '
            '{"member_id": "IT-X", "reference_year": 2025, "rows": [{"sector": "C", ...}]}'
        )
    shared = {_norm(k): _json_text(v) for k, v in document.items() if k != "rows"}
    entries = document["rows"]
    # The limits of a sheet, checked before a table of entries x names is laid out: an
    # entry that is not an object is a row too (each gets an issue).
    given = sum(
        1
        for e in entries
        if not isinstance(e, dict) or any(_cell(_json_text(v)) for v in e.values())
    )
    if given > MAX_DATA_ROWS:
        raise UnreadableFile(_too_many_rows(given))
    keys = list(dict.fromkeys([*shared, *(_norm(k) for e in entries if isinstance(e, dict)
                                          for k in e)]))  # fmt: skip
    if len(keys) > MAX_SHEET_COLUMNS:
        raise UnreadableFile(
            f"The JSON names {len(keys):,} different columns; a submission has "
            f"{len(COLUMN_NAMES)} (at most {MAX_SHEET_COLUMNS} are read), so it is not read."
        )
    rows: list[list[Any]] = []
    issues: list[tuple[int, str]] = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            issues.append((number, f"Entry {number} of 'rows' is not an object of column values."))
            rows.append([None] * len(keys))
            continue
        values = {_norm(k): _json_text(v) for k, v in entry.items()}
        if not any(_cell(v) for v in values.values()):
            rows.append([None] * len(keys))  # an empty entry is an empty row, ignored
            continue
        rows.append([values.get(k, shared.get(k)) for k in keys])
    filled = sum(1 for r in rows if any(v is not None for v in r))
    return _Table(list(keys), rows, list(range(1, len(rows) + 1)), issues, filled=filled)


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _norm(name: Any) -> str:
    return str(name).strip().lower() if name is not None else ""


def _locate_header(records: list[list[Any]], delimiter: str | None = None) -> _Table:
    """The header is the first row naming all required columns, else the best match.

    `delimiter` is given for CSV text, whose rows must have the header's length: a
    missing or extra field would shift or drop a figure without a word.
    """
    best, best_hits = None, 0
    for index, record in enumerate(records[:HEADER_SEARCH_ROWS]):
        names = {_norm(cell) for cell in record}
        hits = len(names & set(COLUMN_NAMES))
        if hits > best_hits:
            best, best_hits = index, hits
        if set(REQUIRED_COLUMNS) <= names:
            best = index
            break
    if best is None:  # nothing looks like our header: take the first non-empty row
        best = next((i for i, r in enumerate(records) if any(_cell(c) for c in r)), None)
        if best is None:
            raise UnreadableFile("The file has no rows; send the completed survey form again.")
    header = [_cell(c) for c in records[best]]
    width = len(header)
    body = records[best + 1 :]
    filled = sum(1 for record in body if any(_cell(c) for c in record))
    if filled > MAX_DATA_ROWS:
        raise UnreadableFile(_too_many_rows(filled))
    rows, numbers, issues = [], [], []
    for number, record in enumerate(body, start=1):
        problem = None
        if delimiter is not None and record is not _EMPTY:
            if len(record) != width or isinstance(record, _Multiline):
                problem = _csv_row_problem(record, width, delimiter, header)
        elif len(record) > width and any(_cell(c) for c in record[width:]):
            problem = "has values right of the last named column; name their column or delete them."
        if problem:
            issues.append((number, f"Row {number} {problem}"))
        rows.append(list(record[:width]) + [None] * (width - len(record)))
        numbers.append(number)
    return _Table(header, rows, numbers, issues, header_row=best + 1, filled=filled)


def _csv_row_problem(
    record: list[str], width: int, delimiter: str, header: list[str | None]
) -> str | None:
    """Why a CSV row cannot be trusted: an unclosed quote, or fields not matching the header."""
    for index, value in enumerate(record):
        lines = value.split("\n")
        # A quote left open swallows the rows below it into one cell: its later lines
        # then carry a whole row's delimiters (or the row's length is off).
        if len(lines) > 1 and (
            len(record) != width or any(line.count(delimiter) >= width - 1 for line in lines[1:])
        ):
            column = header[index] if index < width and header[index] else f"field {index + 1}"
            return (
                f"opens a quote in {column} that is not closed where the line ends, so the "
                f"{len(lines) - 1} line(s) below were read into that one cell; close the quote "
                "or remove it."
            )
    if len(record) != width:
        fewer = "fewer" if len(record) < width else "more"
        return (
            f"has {len(record)} fields but the header has {width}: {fewer} fields than "
            f"columns, so its figures would land in the wrong columns; check the row for "
            f"a missing or extra '{delimiter}'."
        )
    return None


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


# --- from a table to the tidy frame ---


def _tidy(table: _Table, file: str, fmt: str, decimal_comma: bool) -> RawSubmission:
    issues: list[Issue] = []
    columns: dict[str, int] = {}
    for index, raw_name in enumerate(table.header):
        name = _norm(raw_name)
        if name in COLUMN_NAMES and name not in columns:
            columns[name] = index
        elif name in COLUMN_NAMES:
            issues.append(new_issue("duplicate_column", file, column=name))
        elif name or any(_cell(row[index]) for row in table.rows):
            label = str(raw_name).strip() if name else f"(unnamed column {index + 1})"
            issues.append(new_issue("unknown_column", file, column=label))
    missing = tuple(c for c in REQUIRED_COLUMNS if c not in columns)
    for name in missing:
        issues.append(new_issue("required_column", file, column=name))
    for number, message in table.issues:
        issues.append(new_issue("malformed_row", file, "reason", row=number, reason=message))

    height = len(table.rows)
    cells: dict[str, list[str | None]] = {}
    for name in COLUMN_NAMES:
        if name not in columns:
            cells[name] = [None] * height
            continue
        position = columns[name]
        values = [_cell(row[position]) for row in table.rows]
        for at, value in enumerate(values):
            if value is not None and value.startswith(CELL_FLAG):
                issues.append(_cell_error(file, table.numbers[at], name, value))
                values[at] = None
        if decimal_comma and name in DECIMAL_COLUMNS:
            # With ';' as delimiter the spec allows ',' as decimal mark. Whole-number
            # columns keep the text as typed (`12,0` is read as twelve by the validator),
            # so a message quotes the member's own value.
            values = [
                v.replace(",", ".", 1) if v is not None and _DECIMAL_COMMA.fullmatch(v) else v
                for v in values
            ]
        cells[name] = values
    # Empty rows are ignored (SPEC 2), and so are rows that only repeat the submission's
    # own values (member_id, year, currency...): a prepared form row left unused. A row
    # with an issue of its own stays, so the issue is counted against a row. Cells are
    # non-empty text or None, so `any` tells whether a row carries a figure.
    flagged = {i.row for i in issues if i.row is not None}
    figures = zip(*(cells[c] for c in ROW_DATA_COLUMNS), strict=True)
    keep = [
        at
        for at, (number, row) in enumerate(zip(table.numbers, figures, strict=True))
        if number in flagged or any(row)
    ]
    numbers = list(table.numbers)
    if len(keep) < height:
        numbers = [numbers[at] for at in keep]
        cells = {name: [values[at] for at in keep] for name, values in cells.items()}
    seen = max(table.filled, len(numbers))
    return RawSubmission(
        file,
        fmt,
        cells,
        issues,
        missing,
        table.header_row,
        seen=seen,
        ignored=seen - len(numbers),
        numbers=numbers,
    )


def _cell_error(file: str, row: int, column: str, flagged: str) -> Issue:
    label = flagged[len(CELL_FLAG) :]
    if label == UNCACHED:
        return new_issue("uncached_formula", file, row=row, column=column)
    return new_issue("error_cell", file, row=row, column=column, label=label)


def read_file(path: Path, display: str | None = None) -> RawSubmission:
    """Read a submission from disk (read-only)."""
    return read_submission(path.read_bytes(), display or str(path))
