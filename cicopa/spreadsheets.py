"""Workbooks read safely: .xlsx, .xlsm and .ods through calamine (fastexcel), made safe
first; .xls (Excel 97-2003) through xlrd.

calamine is fast but native: a cell placed at XFD1048576 makes it allocate the whole
grid and abort the process, a zip bomb makes it inflate gigabytes, and a file that is
not what its name says raises a `PanicException` (a `BaseException`). So the bytes are
checked before calamine sees them: what the file is (its magic bytes, not its name),
the zip directory (entry count, unpacked sizes, CRCs), and the extent of every sheet.
Each check is a byte search over XML that is small for a real submission, so a clean
year reads in about the same time as without them (benchmarks/parse_year.py).

calamine reads an error value (`#DIV/0!`) or a formula without a saved result as an
empty cell. Before reading, such cells are rewritten as text carrying `CELL_FLAG`, so
the reader can name their row and column instead of publishing an empty figure.

An .xls is a sequence of binary records (BIFF8), where calamine reads an error cell as
empty too and lays the whole grid out up to the farthest cell (a single cell at IV65536
is 16 million). xlrd, pure Python, gives every cell its type, error codes included, and
with ragged rows keeps each row only as wide as its last cell (the worst an .xls can
hold, 65,536 rows reaching column IV, is about 140 MiB, then refused for its extent);
its cells are then written as text the way calamine writes them, so an .xls reads like
the same sheet saved as .xlsx. A formula in an .xls always carries the result it was
saved with (BIFF has no formula without one): an error result is an error cell, any
other the value.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from decimal import Decimal
from typing import Any

from cicopa.settings import MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, MAX_UNPACKED_BYTES

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# A workbook has a dozen parts; thousands of entries is an archive, not a survey form.
MAX_ZIP_ENTRIES = 1_000
PREFERRED_SHEET = "submission"
# A private-use character no survey value holds: "this cell was an error or uncached".
CELL_FLAG = "\ue000"
UNCACHED = "formula"


class WorkbookError(Exception):
    """The workbook cannot be read safely; the message tells the member why."""


def content_format(data: bytes) -> str | None:
    """What the bytes are: 'xlsx', 'xlsm', 'ods' or 'xls'; None for anything else.

    Names of zip parts are stored in clear, so a byte search tells the formats apart
    without parsing the archive twice; `read_workbook` checks the archive itself.
    """
    if data.startswith(OLE2_MAGIC):
        return "xls"
    if not data.startswith(ZIP_MAGIC):
        return None
    # ODF puts an uncompressed `mimetype` part first (ODF 1.2, part 3, section 3.3).
    if data[30:38] == b"mimetype" and data[38:].startswith(ODS_MIMETYPE):
        return "ods"
    if b"xl/workbook.xml" in data:
        return "xlsm" if b"xl/vbaProject.bin" in data else "xlsx"
    if b"mimetype" in data and ODS_MIMETYPE in data:
        return "ods"  # a writer that did not put the mimetype first
    return None


def read_workbook(data: bytes, fmt: str) -> list[list[Any]]:
    """The cells of the 'submission' sheet (else the first), as rows of text or None."""
    if fmt == "xls":
        return _xls_rows(data)
    return _calamine_rows(_checked_zip(data, fmt))


# --- zip workbooks: directory, sizes, extents, flagged cells ----------------------------


def _checked_zip(data: bytes, fmt: str) -> bytes:
    """The archive after every check; rewritten only when it holds cells to flag."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise WorkbookError(_damaged(fmt)) from exc
    if len(entries) > MAX_ZIP_ENTRIES:
        raise WorkbookError(
            f"The workbook holds {len(entries):,} parts (at most {MAX_ZIP_ENTRIES:,}); "
            "it is not a survey form. Save the survey sheet alone as a new workbook."
        )
    declared = sum(e.file_size for e in entries)
    if declared > MAX_UNPACKED_BYTES:
        raise WorkbookError(_too_big_unpacked(declared))
    # A part may understate its size. zipfile stops each part at its declared size and
    # checks its CRC, so unpacking it here catches the lie before calamine inflates it.
    # Deflate expands at most ~1,032 times, so when the compressed parts cannot reach
    # the limit even then (every real survey form), only the sheets are unpacked.
    opened = [e for e in entries if _read_by_calamine(e.filename, fmt)]
    sheets = [e.filename for e in opened if _is_sheet(e.filename, fmt)]
    bound = sum(e.compress_size * (1 if e.compress_type == 0 else 1_032) for e in opened)
    parts = _unpack(archive, opened if bound > MAX_UNPACKED_BYTES else sheets, fmt)
    changed = False
    for name in sheets:
        xml = parts[name]
        if fmt == "ods":
            _check_ods_extent(xml)
            flagged = _flag_ods_cells(xml)
        else:
            _check_xlsx_extent(xml)
            flagged = _flag_xlsx_cells(xml)
        if flagged is not None:
            parts[name], changed = flagged, True
    if not changed:
        return data
    parts = {**_unpack(archive, [e for e in opened if e.filename not in parts], fmt), **parts}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as rewritten:
        for entry in entries:
            if entry.filename in parts:
                rewritten.writestr(entry.filename, parts[entry.filename])
    return out.getvalue()


def _unpack(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo] | list[str], fmt: str
) -> dict[str, bytes]:
    parts: dict[str, bytes] = {}
    try:
        for entry in entries:
            name = entry if isinstance(entry, str) else entry.filename
            parts[name] = archive.read(entry)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise WorkbookError(_damaged(fmt)) from exc
    except RuntimeError as exc:  # an encrypted part
        raise WorkbookError(
            "The workbook is password-protected; remove the password and send it again."
        ) from exc
    if sum(len(p) for p in parts.values()) > MAX_UNPACKED_BYTES:
        raise WorkbookError(_too_big_unpacked(sum(len(p) for p in parts.values())))
    return parts


def _is_sheet(name: str, fmt: str) -> bool:
    if fmt == "ods":
        return name == "content.xml"
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _read_by_calamine(name: str, fmt: str) -> bool:
    if fmt == "ods":
        return name in ("content.xml", "mimetype", "META-INF/manifest.xml")
    return name.endswith((".xml", ".rels")) and not name.startswith(("xl/theme/", "docProps/"))


def _damaged(fmt: str) -> str:
    return (
        f"The workbook is damaged or is not a valid .{fmt} file; open it in a spreadsheet "
        f"program and save it again as .{fmt}."
    )


def _too_big_unpacked(size: int) -> str:
    return (
        f"The workbook unpacks to {size / 2**20:,.0f} MiB, over the limit of "
        f"{MAX_UNPACKED_BYTES // 2**20} MiB for a survey form; send only the survey sheet."
    )


def _too_large_sheet(rows: int, columns: int) -> WorkbookError:
    return WorkbookError(
        f"A sheet of the workbook reaches row {rows:,} and column {columns:,}; a survey "
        f"sheet has at most {MAX_SHEET_ROWS:,} rows and {MAX_SHEET_COLUMNS} columns. "
        "Delete the cells far below or right of the table and save again."
    )


# Literal first, so the search is fast; an `sqref="AB1"` only costs the full scan.
_XLSX_FAR_REF = re.compile(rb'r="(?:[A-Z]{2,}|[A-Z][0-9]{5,})')
_XLSX_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_XLSX_CELL_WITHOUT_REF = re.compile(rb"<(?:\w+:)?(?:c|row)(?=[\s/>])(?![^>]*\br=)")
_XLSX_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_XLSX_CELL_START = re.compile(rb"<(?:\w+:)?c(?=[\s/>])")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _without_references(xml: bytes) -> bool:
    """Whether some cell or row has no `r` reference (counted fast for plain markup)."""
    if b":c " in xml or b":row " in xml:  # namespace-prefixed markup: take the slow road
        return bool(_XLSX_CELL_WITHOUT_REF.search(xml))
    cells = xml.count(b"<c ") + xml.count(b"<c>") + xml.count(b"<c/>")
    rows = xml.count(b"<row ") + xml.count(b"<row>") + xml.count(b"<row/>")
    return cells != xml.count(b'<c r="') or rows != xml.count(b'<row r="')


def _check_xlsx_extent(xml: bytes) -> None:
    # calamine allocates rows x columns up to the farthest cell: check it first. Only
    # a sheet with a reference past Z or row 99999 needs the full scan.
    if _XLSX_FAR_REF.search(xml):
        rows = columns = 0
        for match in _XLSX_REF.finditer(xml):
            rows = max(rows, int(match.group(2)))
            columns = max(columns, _column_number(match.group(1)))
        if rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS:
            raise _too_large_sheet(rows, columns)
    if _without_references(xml):
        # Cells and rows without a reference are placed one after another: count them.
        row_bodies = [m.group(1) or b"" for m in _XLSX_ROW.finditer(xml)]
        columns = max((len(_XLSX_CELL_START.findall(b)) for b in row_bodies), default=0)
        if len(row_bodies) > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS:
            raise _too_large_sheet(len(row_bodies), columns)


_XLSX_CELL = re.compile(
    r"<(?P<p>(?:\w+:)?)c(?P<attrs>(?:\s[^>]*?)?)(?:/>|>(?P<body>.*?)</(?P=p)c>)", re.S
)
_XLSX_SUSPECTS = (b't="e"', b"<f>", b"<f ", b"<f/>", b":f>", b":f ")


def _flag_xlsx_cells(xml: bytes) -> bytes | None:
    """Error cells and formulas without a saved value as flagged text; None if none."""
    if not any(suspect in xml for suspect in _XLSX_SUSPECTS):
        return None
    text = xml.decode("utf-8", errors="replace")
    found = False

    def flag(match: re.Match[str]) -> str:
        nonlocal found
        attrs, body, p = match.group("attrs") or "", match.group("body") or "", match.group("p")
        value = re.search(rf"<{p}v(?:\s[^>]*)?>(.*?)</{p}v>", body, re.S)
        if re.search(r'\bt="e"', attrs):
            label = value.group(1).strip() if value else "#ERROR"
        elif re.search(rf"<{p}f[\s>/]", body) and (
            value is None or (not value.group(1).strip() and 't="str"' not in attrs)
        ):
            label = UNCACHED
        else:
            return match.group(0)
        found = True
        kept = re.sub(r'\s\bt="[^"]*"', "", attrs)
        return (
            f'<{p}c{kept} t="inlineStr"><{p}is><{p}t>{CELL_FLAG}{_xml_text(label)}'
            f"</{p}t></{p}is></{p}c>"
        )

    rewritten = _XLSX_CELL.sub(flag, text)
    return rewritten.encode() if found else None


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_ODS_REPEAT = re.compile(rb'number-(?:rows|columns)-repeated="([0-9]+)"')
_ODS_ROW = re.compile(
    rb"<table:table-row\b(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</table:table-row>)", re.S
)
_ODS_CELL = re.compile(
    r"<table:(?:covered-)?table-cell\b(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)"
    r"</table:(?:covered-)?table-cell>)",
    re.S,
)
_ODS_CELL_BYTES = re.compile(_ODS_CELL.pattern.encode(), re.S)
_REPEAT_ROWS = re.compile(rb'number-rows-repeated="([0-9]+)"')
_REPEAT_COLUMNS = re.compile(rb'number-columns-repeated="([0-9]+)"')


def _check_ods_extent(xml: bytes) -> None:
    # LibreOffice ends every sheet with a repeated empty row; only a repeat past the
    # limits needs the full count, where empty repeats do not count.
    limit = max(MAX_SHEET_ROWS, MAX_SHEET_COLUMNS)
    if all(int(m.group(1)) <= limit for m in _ODS_REPEAT.finditer(xml)):
        return
    rows = columns = 0
    position = 0
    for row in _ODS_ROW.finditer(xml):
        repeat = _REPEAT_ROWS.search(row.group("attrs"))
        count = int(repeat.group(1)) if repeat else 1
        column, last = 0, 0
        for cell in _ODS_CELL_BYTES.finditer(row.group("body") or b""):
            span = _REPEAT_COLUMNS.search(cell.group("attrs"))
            width = int(span.group(1)) if span else 1
            column += width
            if b"value-type" in cell.group("attrs") or (cell.group("body") or b"").strip():
                last = column
        if last:
            rows, columns = position + count, max(columns, last)
        position += count
        if rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS:
            raise _too_large_sheet(rows, columns)


def _flag_ods_cells(xml: bytes) -> bytes | None:
    if b'value-type="error"' not in xml and b"table:formula=" not in xml:
        return None
    text = xml.decode("utf-8", errors="replace")
    found = False

    def flag(match: re.Match[str]) -> str:
        nonlocal found
        attrs, body = match.group("attrs"), match.group("body") or ""
        if 'calcext:value-type="error"' in attrs:
            shown = re.sub(r"<[^>]+>", "", body).strip()
            label = shown or "#ERROR"
        elif "table:formula=" in attrs and "office:value-type=" not in attrs:
            label = UNCACHED
        else:
            return match.group(0)
        found = True
        repeat = re.search(r'\stable:number-columns-repeated="[0-9]+"', attrs)
        kept = repeat.group(0) if repeat else ""
        return (
            f'<table:table-cell{kept} office:value-type="string">'
            f"<text:p>{CELL_FLAG}{_xml_text(label)}</text:p></table:table-cell>"
        )

    rewritten = _ODS_CELL.sub(flag, text)
    return rewritten.encode() if found else None


# --- .xls: xlrd ---------------------------------------------------------------------


def _xls_rows(data: bytes) -> list[list[Any]]:
    """The chosen sheet's used range, as calamine gives it: rows of text or None."""
    import xlrd  # imported here: only .xls files pay for it

    try:
        book = xlrd.open_workbook(
            file_contents=data, on_demand=True, ragged_rows=True, logfile=io.StringIO()
        )
        names = book.sheet_names()
        if not names:
            raise WorkbookError("The workbook has no sheet.")
        wanted = [i for i, n in enumerate(names) if n.strip().lower() == PREFERRED_SHEET]
        sheet = book.sheet_by_index(wanted[0] if wanted else 0)
    except WorkbookError:
        raise
    except Exception as exc:  # xlrd.XLRDError and the errors of a damaged file
        if "encrypt" in str(exc).lower():
            raise WorkbookError(
                "The workbook is password-protected; remove the password and send it again."
            ) from exc
        raise WorkbookError(_damaged("xls")) from exc
    columns = max((sheet.row_len(r) for r in range(sheet.nrows)), default=0)
    if sheet.nrows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS:
        raise _too_large_sheet(sheet.nrows, columns)
    rows = [
        [_xls_text(sheet.cell(r, c), book.datemode) for c in range(sheet.row_len(r))]
        for r in range(sheet.nrows)
    ]
    # The used range, every row as wide as the widest: from the first row and column
    # holding a value to the last.
    filled = [r for r, row in enumerate(rows) if any(v is not None for v in row)]
    if not filled:
        return []
    left = min(next(c for c, v in enumerate(rows[r]) if v is not None) for r in filled)
    right = max(max(c for c, v in enumerate(rows[r]) if v is not None) for r in filled) + 1
    return [
        row[left:right] + [None] * (right - max(len(row), left))
        for row in rows[filled[0] : filled[-1] + 1]
    ]


def _xls_text(cell: Any, datemode: int) -> str | None:
    """One xlrd cell as calamine's text: '12' for a whole number, '0.0000001' (never an
    exponent), '2026-01-15 00:00:00' for a date, 'true', and an error as flagged text."""
    import xlrd

    kind, value = cell.ctype, cell.value
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_ERROR:
        return CELL_FLAG + xlrd.error_text_from_code.get(value, "#ERROR")
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "true" if value else "false"
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(value, datemode).strftime("%Y-%m-%d %H:%M:%S")
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            kind = xlrd.XL_CELL_NUMBER  # not a date after all: its number
    if kind == xlrd.XL_CELL_NUMBER:
        if not math.isfinite(value):
            return CELL_FLAG + "#NUM!"
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


# --- calamine -----------------------------------------------------------------------


def _calamine_rows(data: bytes) -> list[list[Any]]:
    import fastexcel  # imported here: only workbooks pay for it

    try:
        reader = fastexcel.read_excel(data)
        names = reader.sheet_names
        if not names:
            raise WorkbookError("The workbook has no sheet.")
        wanted = [n for n in names if n.strip().lower() == PREFERRED_SHEET]
        sheet = reader.load_sheet(wanted[0] if wanted else 0, header_row=None, dtypes="string")
        frame = sheet.to_polars()
    except WorkbookError:
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine's PanicException derives from BaseException
        raise WorkbookError(
            "The workbook is damaged or not a spreadsheet this survey reads; open it in a "
            "spreadsheet program and save it again as .xlsx."
        ) from exc
    return [list(row) for row in frame.iter_rows()] if frame.width else []
