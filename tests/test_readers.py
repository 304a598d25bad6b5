"""Readers: every accepted way of sending a submission gives the same tidy frame (SPEC 2)."""

from __future__ import annotations

import io
import json
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cicopa.readers import read_file, read_submission
from cicopa.reference import Reference
from cicopa.validation import check_submissions
from tests.builders import HEADER, json_submission, row, write_csv, write_json, write_xlsx

# The same two-row submission, sent in every format below.
CONTENT = [
    row(turnover=1234.5, currency="EUR", submitted_at="2026-02-15", comment="Coopérative año"),
    row(
        sector="A",
        cooperative_type="social",
        enterprises=3,
        worker_members=0,
        employees=40,
        producer_members=5,
        women=20,
    ),
]

# What a reader must make of CONTENT: text cells, empty cells null, `_row` from 1.
TIDY = pl.DataFrame(
    {
        "_row": [1, 2],
        "member_id": ["IT-ONE", "IT-ONE"],
        "reference_year": ["2025", "2025"],
        "sector": ["C", "A"],
        "cooperative_type": ["worker", "social"],
        "enterprises": ["1", "3"],
        "worker_members": ["10", "0"],
        "employees": ["2", "40"],
        "producer_members": ["0", "5"],
        "women": [None, "20"],
        "turnover": ["1234.5", None],
        "currency": ["EUR", None],
        "new_enterprises": [None, None],
        "transfers": [None, None],
        "submitted_at": ["2026-02-15", None],
        "comment": ["Coopérative año", None],
    },
    schema={"_row": pl.Int64, **{name: pl.String for name in HEADER}},
)

# The same rows once validated: integers and decimals typed.
TYPED = TIDY.with_columns(
    pl.col(
        "reference_year",
        "enterprises",
        "worker_members",
        "employees",
        "producer_members",
        "women",
        "new_enterprises",
        "transfers",
    ).cast(pl.Int64),
    pl.col("turnover").cast(pl.Float64),
)


def _renamed_header(path: Path, rename: Callable[[str], str]) -> Path:
    """Write CONTENT as CSV, then rewrite the header names only."""
    write_csv(path, CONTENT)
    head, rest = path.read_bytes().decode("utf-8").split("\r\n", 1)
    header = ",".join(rename(name) for name in head.split(","))
    path.write_bytes((header + "\r\n" + rest).encode("utf-8"))
    return path


def _as_floats(rows: list[dict]) -> list[dict]:
    return [{k: float(v) if isinstance(v, int) else v for k, v in r.items()} for r in rows]


def _json_content() -> dict:
    # member_id and reference_year only at the top level: they apply to every row.
    rows = [
        {k: v for k, v in r.items() if k not in ("member_id", "reference_year")} for r in CONTENT
    ]
    return json_submission(rows, member_id="IT-ONE", reference_year=2025)


def _decimal_comma_rows() -> list[dict]:
    return [{**CONTENT[0], "turnover": "1234,5"}, CONTENT[1]]


VARIANTS: dict[str, Callable[[Path], Path]] = {
    "csv-comma-utf8": lambda d: write_csv(d / "s.csv", CONTENT),
    "csv-utf8-bom": lambda d: write_csv(d / "s.csv", CONTENT, encoding="utf-8-sig"),
    "csv-semicolon-cp1252-decimal-comma": lambda d: write_csv(
        d / "s.csv", _decimal_comma_rows(), delimiter=";", encoding="cp1252"
    ),
    "csv-header-case-and-spaces": lambda d: _renamed_header(
        d / "s.csv", lambda name: f" {name.title()} "
    ),
    "xlsx-header-in-row-1": lambda d: write_xlsx(d / "s.xlsx", CONTENT),
    "xlsx-title-above-header": lambda d: write_xlsx(
        d / "s.xlsx", CONTENT, title="CICOPA annual survey 2025"
    ),
    "xlsx-submission-sheet-not-first": lambda d: write_xlsx(
        d / "s.xlsx", CONTENT, extra_sheet_first=True
    ),
    "xlsx-trailing-empty-rows": lambda d: write_xlsx(d / "s.xlsx", CONTENT, trailing_empty_rows=5),
    "xlsx-integers-as-floats": lambda d: write_xlsx(d / "s.xlsx", _as_floats(CONTENT)),
    "json-top-level-keys-and-numbers": lambda d: write_json(d / "s.json", _json_content()),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_variant_gives_the_same_tidy_frame(
    variant: str, tmp_path: Path, reference: Reference
) -> None:
    """Format, encoding, delimiter, header spelling and sheet layout do not change the rows."""
    path = VARIANTS[variant](tmp_path)
    raw = read_file(path, path.name)

    assert raw.readable
    assert raw.issues == []
    assert raw.missing_columns == ()
    assert_frame_equal(raw.frame, TIDY)

    checked = check_submissions([raw], reference, {raw.file: 2025})[0]
    assert checked.issues == []
    assert_frame_equal(checked.rows, TYPED)


def test_semicolon_csv_keeps_accents_and_reads_decimal_comma(
    tmp_path: Path, reference: Reference
) -> None:
    """Windows-1252 accents survive and `1234,5` becomes 1234.5 (not 12345, not an error)."""
    path = write_csv(tmp_path / "s.csv", _decimal_comma_rows(), delimiter=";", encoding="cp1252")
    assert "Coopérative año".encode("cp1252") in path.read_bytes()  # really not UTF-8

    checked = check_submissions([read_file(path)], reference, {str(path): 2025})[0]

    assert checked.errors == 0
    assert checked.rows["comment"].to_list() == ["Coopérative año", None]
    assert checked.rows["turnover"].to_list() == [1234.5, None]


def test_unknown_column_is_a_warning_not_an_error(tmp_path: Path, reference: Reference) -> None:
    """An extra column is reported once as a warning and its values are dropped."""
    rows = [{**r, "notes": "internal"} for r in CONTENT]
    path = write_csv(tmp_path / "s.csv", rows, header=[*HEADER, "notes"])
    raw = read_file(path, "s.csv")

    assert [(i.rule, i.severity, i.column, i.row) for i in raw.issues] == [
        ("unknown_column", "warning", "notes", None)
    ]
    assert "notes" in raw.issues[0].message
    assert_frame_equal(raw.frame, TIDY)
    checked = check_submissions([raw], reference, {"s.csv": 2025})[0]
    assert (checked.errors, checked.warnings) == (0, 1)


def _blank_line_csv(d: Path) -> Path:
    path = write_csv(d / "s.csv", [row(), row(sector="A"), row(sector="B", employees=-5)])
    lines = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"\r\n".join([*lines[:2], b"", *lines[2:]]))  # blank line as data row 2
    return path


def _empty_xlsx_row(d: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "submission"
    columns = list(row())
    sheet.append(columns)
    for values in (row(), None, row(sector="A"), row(sector="B", employees=-5)):
        sheet.append([values[c] for c in columns] if values else [])
    book.save(d / "s.xlsx")
    return d / "s.xlsx"


EMPTY_ROW_VARIANTS: dict[str, Callable[[Path], Path]] = {
    "csv-delimiters-only": lambda d: write_csv(
        d / "s.csv", [row(), {}, row(sector="A"), row(sector="B", employees=-5)]
    ),
    "csv-blank-line": _blank_line_csv,
    "xlsx-blank-row": _empty_xlsx_row,
    # No top-level keys here: they would fill the empty object (see the report).
    "json-empty-object": lambda d: write_json(
        d / "s.json", {"rows": [row(), {}, row(sector="A"), row(sector="B", employees=-5)]}
    ),
}


@pytest.mark.parametrize("variant", list(EMPTY_ROW_VARIANTS))
def test_empty_row_is_ignored_but_still_counted(
    variant: str, tmp_path: Path, reference: Reference
) -> None:
    """A fully empty row is dropped, yet later rows keep their number in the file."""
    path = EMPTY_ROW_VARIANTS[variant](tmp_path)
    raw = read_file(path, path.name)

    assert raw.issues == []
    assert raw.rows == 3
    assert raw.frame["_row"].to_list() == [1, 3, 4]
    checked = check_submissions([raw], reference, {raw.file: 2025})[0]
    assert [(i.rule, i.row, i.column) for i in checked.issues] == [("non_negative", 4, "employees")]


def test_row_with_more_values_than_header_is_an_error_naming_the_row(
    reference: Reference,
) -> None:
    """An extra value (e.g. a shifted cell) rejects the file and says which row."""
    header = ",".join(row())  # the eight required columns
    lines = [header, "IT-ONE,2025,C,worker,1,10,2,0", "IT-ONE,2025,A,worker,1,10,2,0,7", ""]
    data = "\r\n".join(lines).encode()
    raw = read_submission(data, "s.csv")

    assert raw.readable
    assert [(i.rule, i.severity, i.row) for i in raw.issues] == [("malformed_row", "error", 2)]
    assert "Row 2" in raw.issues[0].message
    checked = check_submissions([raw], reference, {"s.csv": 2025})[0]
    assert checked.errors == 1


def _xlsx_bytes(tmp_path: Path) -> bytes:
    return write_xlsx(tmp_path / "valid.xlsx", CONTENT).read_bytes()


def _truncated_xlsx(tmp_path: Path) -> bytes:
    data = _xlsx_bytes(tmp_path)
    return data[: len(data) // 2]


def _plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a workbook")
    return buffer.getvalue()


UNREADABLE: dict[str, tuple[str, Callable[[Path], bytes]]] = {
    "empty-csv": ("s.csv", lambda d: b""),
    "whitespace-only-csv": ("s.csv", lambda d: b" \r\n\r\n"),
    "empty-xlsx": ("s.xlsx", lambda d: b""),
    "truncated-xlsx": ("s.xlsx", _truncated_xlsx),
    "random-bytes-xlsx": ("s.xlsx", lambda d: random.Random(7).randbytes(4096)),
    "malformed-json": ("s.json", lambda d: b'{"member_id": "IT-ONE", "rows": [}'),
    "json-without-rows": ("s.json", lambda d: b'{"member_id": "IT-ONE", "reference_year": 2025}'),
    "json-rows-not-a-list": ("s.json", lambda d: b'{"rows": {"sector": "C"}}'),
    "json-list": ("s.json", lambda d: b'[{"sector": "C"}]'),
    "text-named-xls": ("s.xls", lambda d: b"member_id,reference_year\nIT-ONE,2025\n"),
    "zip-not-a-workbook": ("s.xlsx", lambda d: _plain_zip()),
    "txt": ("notes.txt", lambda d: b"member_id,reference_year\nIT-ONE,2025\n"),
    "pdf": ("s.pdf", lambda d: b"%PDF-1.7\n"),
    "no-extension": ("README", lambda d: b"hello"),
    "neither-utf8-nor-cp1252": ("s.csv", lambda d: b"\x81\x8d"),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_unreadable_file_gives_one_issue_and_never_raises(case: str, tmp_path: Path) -> None:
    """A file that cannot be parsed is unreadable, with exactly one `unreadable_file` error."""
    name, make = UNREADABLE[case]
    raw = read_submission(make(tmp_path), name)

    assert not raw.readable
    assert raw.frame is None
    assert raw.rows == 0
    assert len(raw.issues) == 1
    issue = raw.issues[0]
    assert (issue.rule, issue.severity, issue.file, issue.row) == (
        "unreadable_file",
        "error",
        name,
        None,
    )
    assert issue.message


def test_malformed_json_message_names_line_and_column() -> None:
    """The member is told where the JSON breaks."""
    data = b'{\n  "member_id": "IT-ONE",\n  "rows": [\n    {"sector": "C",}\n  ]\n}'
    raw = read_submission(data, "s.json")

    assert not raw.readable
    # Line 4 is `    {"sector": "C",}`: the stray `}` is its 20th character.
    assert "line 4" in raw.issues[0].message
    assert "column 20" in raw.issues[0].message


@pytest.mark.parametrize("extension", ["numbers", "txt", "pdf"])
def test_unsupported_extension_names_the_type(extension: str) -> None:
    """The message says which file type was refused and what to send instead."""
    raw = read_submission(b"member_id\nIT-ONE\n", f"s.{extension}")

    assert raw.format == extension
    assert f".{extension}" in raw.issues[0].message
    assert ".xlsx" in raw.issues[0].message


def test_json_row_values_override_top_level_keys(reference: Reference) -> None:
    """A row's own value wins over the top-level default; others inherit the default."""
    doc = json_submission([row(turnover=5), row(sector="A", currency="usd")], currency="EUR")
    raw = read_submission(json.dumps(doc).encode(), "s.json")

    assert raw.frame["currency"].to_list() == ["EUR", "usd"]
    checked = check_submissions([raw], reference, {"s.json": 2025})[0]
    assert [(i.rule, i.row, i.column) for i in checked.issues] == [
        ("one_value_per_submission", 2, "currency")
    ]
