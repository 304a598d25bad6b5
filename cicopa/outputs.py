"""Write tables the way SPEC section 3 says: CSV and workbooks, byte-stable and safe from
formulas (written atomically and hashed by ``cicopa.files``)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from cicopa.files import write_atomic

if TYPE_CHECKING:
    from openpyxl import Workbook


# A spreadsheet runs a cell beginning with one of these as a formula (OWASP "CSV
# injection"); such text is written with a leading ', unless it is a plain number
# (`-12`, `+1.5e3`; not `-inf`, which a spreadsheet would read as a name).
_FORMULA_START = r"^[=+\-@\t\r]"
_NUMBER = r"^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$"
_NUMBER_RE = re.compile(_NUMBER)
_FORMULA_START_RE = re.compile(_FORMULA_START)


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text a spreadsheet would run as a formula gets a leading `'` (SPEC section 3)."""
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_FORMULA_START) & ~pl.col(name).str.contains(_NUMBER))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


def formula_safe(text: str) -> str:
    """One text cell as `neutralise_formulas` writes it: for workbooks, cell by cell."""
    if _FORMULA_START_RE.match(text) and not _NUMBER_RE.match(text):
        return "'" + text
    return text


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """UTF-8, comma, header, '.' decimals, empty for missing, '\\n' line endings.

    Every CSV the project writes goes through here, so no text cell of any of them can
    run as a formula (SPEC section 3).
    """
    safe = neutralise_formulas(frame)
    return safe.write_csv(line_terminator="\n", null_value="", quote_style="necessary").encode()


def write_csv(path: Path, frame: pl.DataFrame) -> str:
    return write_atomic(path, csv_bytes(frame))


ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def workbook_bytes(workbook: Workbook) -> bytes:
    """The one way the project writes a workbook (annex, forms): formula-safe, byte-stable.

    Every text cell is passed through `formula_safe` and stored as text, so no member
    name or comment becomes a live formula; nothing the project writes is a formula.
    """
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = formula_safe(cell.value)
                    cell.data_type = "s"
    # Imported here: most users of this module write CSV and hashes, not workbooks.
    from openpyxl.writer.excel import ExcelWriter

    raw = io.BytesIO()
    # ExcelWriter rather than Workbook.save: save() stamps `modified` with the clock.
    ExcelWriter(workbook, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    return stable_zip(raw.getvalue())


def stable_zip(data: bytes) -> bytes:
    """Rewrite a zip (an .xlsx) with fixed entry times and attributes.

    openpyxl writes some parts with the current time, so the archive would differ run
    to run even when every part is the same; workbooks must be byte-stable too.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 0
            fixed.external_attr = 0
            archive.writestr(fixed, source.read(info.filename), compresslevel=6)
    return out.getvalue()
