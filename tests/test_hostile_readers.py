"""No file can stop a run or null a figure (issue 11, "Why"): each case its own small file."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
import xlwt

from cicopa.readers import RawSubmission, read_submission
from cicopa.reference import Reference
from cicopa.validation import CheckedSubmission, check_submissions
from tests.builders import HEADER
from tests.hostile_files import GOOD_ROW, XlsError, ods_bytes, table, xls_bytes, xlsx_bytes

EMPLOYEES = HEADER.index("employees")


def _check(raw: RawSubmission, reference: Reference) -> CheckedSubmission:
    return check_submissions([raw], reference, {raw.file: 2025})[0]


def _csv(*lines: str) -> bytes:
    return ("\n".join([",".join(HEADER), *lines]) + "\n").encode()


GOOD_LINE = "IT-ONE,2025,C,worker,1,10,2,0,,,,,,,"


# --- one file stops the year ----------------------------------------------------------


def test_xls_renamed_xlsx_is_read_by_its_content(reference: Reference) -> None:
    """calamine panicked (a BaseException) on this; now the bytes decide the reader."""
    data = xls_bytes(table(GOOD_ROW))
    raw = read_submission(data, "renamed.xlsx")
    assert raw.format == "xls"
    checked = _check(raw, reference)
    assert checked.errors == 0
    assert checked.rows is not None
    assert checked.rows["employees"].to_list() == [2]


@pytest.mark.parametrize("name", ["s.xls", "s.ods", "s.xlsm"])
def test_other_workbook_formats_are_read(name: str, reference: Reference) -> None:
    rows = table(GOOD_ROW, ["IT-ONE", 2025, "A", "social", 3, 0, 40, 5])
    data = {"s.xls": xls_bytes, "s.ods": ods_bytes, "s.xlsm": xlsx_bytes}[name](rows)
    checked = _check(read_submission(data, name), reference)
    assert checked.errors == 0, checked.issues
    assert checked.rows is not None
    assert checked.rows["employees"].to_list() == [2, 40]
    assert checked.rows["producer_members"].to_list() == [0, 5]


def _in_child(data: bytes, name: str) -> subprocess.CompletedProcess[str]:
    """Read in a child process under a 3 GB address-space limit: an abort cannot kill us."""
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n"
        "from cicopa.readers import read_submission\n"
        "raw = read_submission(sys.stdin.buffer.read(), sys.argv[1])\n"
        "print(raw.readable, raw.issues[0].message if raw.issues else '')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, name],
        input=data.decode("latin-1"),
        capture_output=True,
        text=True,
        encoding="latin-1",
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )


def test_far_cell_is_unreadable_not_an_abort() -> None:
    """One cell at XFD1048576 made calamine allocate 56 GB and abort (exit 134)."""
    far = '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>'
    data = xlsx_bytes(table(GOOD_ROW), lambda xml: xml.replace("</sheetData>", far))
    done = _in_child(data, "far.xlsx")
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.startswith("False")
    assert "row 1,048,576" in done.stdout and "16,384" in done.stdout


def test_zip_bomb_is_unreadable() -> None:
    """A part that unpacks to 200 MiB is refused from the zip directory, never inflated."""
    base = xlsx_bytes(table(GOOD_ROW))
    source = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            archive.writestr(name, source.read(name))
        archive.writestr("xl/media/padding.xml", b"\0" * (200 * 2**20))
    data = out.getvalue()
    assert len(data) < 2**20  # the bomb itself is small
    raw = read_submission(data, "bomb.xlsx")
    assert not raw.readable
    assert "64 MiB" in raw.issues[0].message


def test_part_lying_about_its_size_is_unreadable() -> None:
    """A central directory that understates a part's size fails its CRC, not inflates."""
    base = bytearray(xlsx_bytes(table(GOOD_ROW)))
    info = next(
        i
        for i in zipfile.ZipFile(io.BytesIO(bytes(base))).infolist()
        if i.filename == "xl/worksheets/sheet1.xml"
    )
    # The central directory entry's uncompressed size sits 24 bytes after its signature.
    name = info.filename.encode()
    central = base.rfind(b"PK\x01\x02", 0, base.rfind(name))
    base[central + 24 : central + 28] = (10).to_bytes(4, "little")
    raw = read_submission(bytes(base), "liar.xlsx")
    assert not raw.readable


def test_over_ten_mib_is_unreadable_with_the_limit() -> None:
    data = _csv(GOOD_LINE) + b"#" * (10 * 2**20)
    raw = read_submission(data, "big.csv")
    assert not raw.readable
    assert "10 MiB" in raw.issues[0].message


def test_over_ten_thousand_rows_is_unreadable_with_the_limit() -> None:
    data = _csv(*[GOOD_LINE] * 10_001)
    raw = read_submission(data, "rows.csv")
    assert not raw.readable
    assert "10,000 data rows" in raw.issues[0].message
    # 10,000 rows are still read: the limit is "over".
    assert read_submission(_csv(*[GOOD_LINE] * 10_000), "ok.csv").rows == 10_000


def test_json_over_ten_thousand_rows_or_with_hundreds_of_names_is_unreadable() -> None:
    """JSON is a submission like the others: the rows limit, and a sheet's column limit
    before entries x names are laid out (10 MiB of one-key entries would be millions)."""
    entry = dict(zip(HEADER, GOOD_ROW, strict=False))
    many = json.dumps({"reference_year": 2025, "rows": [entry] * 10_001}).encode()
    raw = read_submission(many, "rows.json")
    assert not raw.readable and "10,000 data rows" in raw.issues[0].message
    not_objects = json.dumps({"reference_year": 2025, "rows": [1] * 10_001}).encode()
    assert not read_submission(not_objects, "ints.json").readable
    wide = json.dumps({"rows": [{f"column {i}": 1} for i in range(257)]}).encode()
    raw = read_submission(wide, "wide.json")
    assert not raw.readable and "257 different columns" in raw.issues[0].message
    fine = json.dumps({"reference_year": 2025, "rows": [entry] * 10_000}).encode()
    assert read_submission(fine, "ok.json").rows == 10_000


def test_a_file_of_a_gigabyte_is_hashed_whole_and_refused_unread(raw_data: Path) -> None:
    """Only the bytes up to the limit are kept; the inventory's hash is of every byte. The
    year is scanned in a child process that may not hold the file in memory (800 MiB of
    address space for a 1 GiB file): the whole file was read there before."""
    folder = raw_data / "submissions" / "2025"
    folder.mkdir(parents=True)
    big = folder / "IT-ONE.csv"
    with big.open("wb") as handle:
        handle.write(_csv(GOOD_LINE))
        handle.truncate(2**30)  # a sparse file: 1 GiB that takes no disk
    code = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from cicopa.outcomes import scan_year\n"
        "resource.setrlimit(resource.RLIMIT_AS, (800 << 20, 800 << 20))\n"
        "files, (raw,) = scan_year(Path(sys.argv[1]), 2025)\n"
        "row = files.row(0, named=True)\n"
        "print(row['sha256'], row['bytes'], raw.readable, raw.issues[0].message)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(raw_data)],
        capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    digest = hashlib.sha256()
    with big.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            digest.update(chunk)
    sha, size, readable, message = done.stdout.split(" ", 3)
    assert (sha, size, readable) == (digest.hexdigest(), str(2**30), "False")
    assert "1024.0 MiB, over the limit of 10 MiB" in message


# --- figures nulled or shifted without a word -----------------------------------------


def test_full_width_digits_are_an_error_that_says_so(reference: Reference) -> None:
    line = "IT-ONE,2025,C,worker,1,10,\uff11\uff12\uff10,0,,,,,,,"
    checked = _check(read_submission(_csv(line), "wide.csv"), reference)
    assert [(i.rule, i.row, i.column) for i in checked.issues] == [("whole_number", 1, "employees")]
    assert "0-9" in checked.issues[0].message


def test_unclosed_quote_is_an_error_naming_its_row(reference: Reference) -> None:
    """An open quote in a comment swallowed every later row ("OK, 1 data row")."""
    lines = [GOOD_LINE, 'IT-ONE,2025,A,worker,1,10,2,0,,,,,,,"left open', GOOD_LINE, GOOD_LINE]
    checked = _check(read_submission(_csv(*lines), "quote.csv"), reference)
    malformed = [i for i in checked.issues if i.rule == "malformed_row"]
    assert [i.row for i in malformed] == [2]
    assert "quote" in malformed[0].message and "comment" in malformed[0].message
    assert checked.errors >= 1


@pytest.mark.parametrize(
    ("line", "fields"),
    [("IT-ONE,2025,A,worker,1,10,2", 7), ("IT-ONE,2025,A,worker,1,10,2,0,,,,,,,,,", 17)],
)
def test_row_length_differing_from_header_is_an_error(
    line: str, fields: int, reference: Reference
) -> None:
    """Rows shorter than the header were padded silently: 769 of 3,808 were accepted."""
    checked = _check(read_submission(_csv(GOOD_LINE, line), "short.csv"), reference)
    malformed = [i for i in checked.issues if i.rule == "malformed_row"]
    assert [i.row for i in malformed] == [2]
    assert f"has {fields} fields but the header has 15" in malformed[0].message


def _error_cell(xml: str) -> str:
    # openpyxl wrote employees of row 2 (sheet cell G2) as a number: make it #DIV/0!.
    return xml.replace(
        '<c r="G2" t="n"><v>2</v></c>', '<c r="G2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
    )


def test_xlsx_error_cell_is_an_error_naming_row_and_column(reference: Reference) -> None:
    data = xlsx_bytes(table(GOOD_ROW), _error_cell)
    assert b"#DIV/0!" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    checked = _check(read_submission(data, "err.xlsx"), reference)
    assert [(i.rule, i.row, i.column) for i in checked.issues] == [("error_cell", 1, "employees")]
    assert "#DIV/0!" in checked.issues[0].message


def test_xls_error_cell_is_an_error_naming_row_and_column(reference: Reference) -> None:
    """calamine read an .xls error cell as empty: the figure would have been left out."""
    rows = table(
        ["IT-ONE", 2025, "C", "worker", 1, 10, XlsError("#DIV/0!"), 0],
        ["IT-ONE", 2025, "F", "worker", 1, 10, 2, XlsError("#REF!")],
    )
    checked = _check(read_submission(xls_bytes(rows), "err.xls"), reference)
    assert [(i.rule, i.row, i.column) for i in checked.issues] == [
        ("error_cell", 1, "employees"),
        ("error_cell", 2, "producer_members"),
    ]
    assert "#DIV/0!" in checked.issues[0].message and "#REF!" in checked.issues[1].message


def test_xls_reads_as_the_same_sheet_in_xlsx(reference: Reference) -> None:
    """A title above the header, a blank first column, a decimal, a date, a note right of
    the table: an .xls gives the cells and issues an .xlsx of the same sheet gives
    (calamine writes a date cell as below)."""
    title: list[list[object]] = [["Survey 2025"], []]
    body = [[None, *r] for r in table(GOOD_ROW)]
    body[-1][1 + HEADER.index("turnover")] = 1234.5
    body[-1][1 + HEADER.index("currency")] = "EUR"
    body[-1].append("checked by the treasurer")
    dated, written = [r.copy() for r in body], [r.copy() for r in body]
    dated[-1][1 + HEADER.index("submitted_at")] = date(2026, 1, 15)
    written[-1][1 + HEADER.index("submitted_at")] = "2026-01-15 00:00:00"
    as_xls = read_submission(xls_bytes([*title, *dated]), "s.xls")
    as_xlsx = read_submission(xlsx_bytes([*title, *written]), "s.xlsx")

    def found(raw: RawSubmission) -> list[tuple[str, int | None, str | None, str]]:
        return [(i.rule, i.row, i.column, i.severity) for i in raw.issues]

    assert (
        found(as_xls)
        == found(as_xlsx)
        == [("unknown_column", None, f"(unnamed column {len(HEADER) + 2})", "warning")]
    )
    assert as_xls.cells == as_xlsx.cells
    assert as_xls.cells is not None and as_xls.cells["turnover"] == ["1234.5"]
    checked = _check(as_xls, reference)
    assert checked.errors == 0, checked.issues
    assert checked.rows is not None and checked.rows["employees"].to_list() == [2]


def test_xls_cell_far_away_is_unreadable_not_a_grid() -> None:
    """One value at IV65536 is refused for the sheet's extent (calamine laid out the
    16.7 million cells before it and read the file)."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("submission")
    for c, name in enumerate(HEADER):
        sheet.write(0, c, name)
    sheet.write(65535, 255, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    raw = read_submission(buffer.getvalue(), "far.xls")
    assert not raw.readable
    assert "row 65,536" in raw.issues[0].message


def test_xlsx_uncached_formula_is_an_error(reference: Reference) -> None:
    """openpyxl saves formulas without a result: calamine read them as empty."""
    rows = table(["IT-ONE", 2025, "C", "worker", 1, 10, 2, 0, "=1+1"])
    checked = _check(read_submission(xlsx_bytes(rows), "f.xlsx"), reference)
    assert [(i.rule, i.row, i.column) for i in checked.issues] == [("uncached_formula", 1, "women")]


def test_ods_error_cell_and_uncached_formula(reference: Reference) -> None:
    error = (
        '<table:table-cell table:formula="of:=1/0" office:value-type="string" '
        'office:string-value="" calcext:value-type="error"><text:p>#DIV/0!</text:p>'
        "</table:table-cell>"
    )
    uncached = '<table:table-cell table:formula="of:=1+1"/>'
    rows = table(
        ["IT-ONE", 2025, "C", "worker", 1, 10, error, 0],
        ["IT-ONE", 2025, "A", "worker", 1, 10, 2, 0, uncached],
    )
    checked = _check(read_submission(ods_bytes(rows), "e.ods"), reference)
    assert [(i.rule, i.row, i.column) for i in checked.issues] == [
        ("error_cell", 1, "employees"),
        ("uncached_formula", 2, "women"),
    ]


def test_ods_repeated_cells_past_the_limits_are_unreadable() -> None:
    tail = (
        '<table:table-row table:number-rows-repeated="20000">'
        '<table:table-cell office:value-type="float" office:value="1" '
        'table:number-columns-repeated="300"><text:p>1</text:p></table:table-cell>'
        "</table:table-row>"
    )
    raw = read_submission(ods_bytes(table(GOOD_ROW), tail), "rep.ods")
    assert not raw.readable
    assert "at most 10,100 rows" in raw.issues[0].message


def test_trailing_empty_repeat_of_libreoffice_is_fine(reference: Reference) -> None:
    tail = (
        '<table:table-row table:number-rows-repeated="1048574">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )
    checked = _check(read_submission(ods_bytes(table(GOOD_ROW), tail), "lo.ods"), reference)
    assert checked.errors == 0


def test_every_row_seen_is_accounted_for(reference: Reference) -> None:
    """Rows below the header with a value: validated, or ignored as a prepared row."""
    prepared = "IT-ONE,2025,,,,,,,,,,,,,"  # member and year only: an unused form row
    raw = read_submission(_csv(GOOD_LINE, prepared, "", GOOD_LINE.replace(",C,", ",A,")), "a.csv")
    assert (raw.seen, raw.rows, raw.ignored) == (3, 2, 1)
    checked = _check(raw, reference)
    assert checked.rows is not None and checked.rows.height == raw.rows
