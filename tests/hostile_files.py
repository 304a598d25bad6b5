"""Small workbooks crafted byte by byte for the hardening tests: no committed binaries."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import openpyxl
import xlwt

from tests.builders import HEADER

GOOD_ROW: list[Any] = ["IT-ONE", 2025, "C", "worker", 1, 10, 2, 0]


def xlsx_bytes(rows: Sequence[Sequence[Any]], edit: Callable[[str], str] | None = None) -> bytes:
    """An .xlsx written by openpyxl, its sheet XML optionally edited as text."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "submission"
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    if edit is None:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            part = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                part = edit(part.decode()).encode()
            archive.writestr(name, part)
    return out.getvalue()


@dataclass(frozen=True)
class XlsError:
    """An error value held by an .xls cell, as Excel saves `#DIV/0!` (a BOOLERR record)."""

    text: str


def xls_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    """An Excel 97-2003 workbook (BIFF8 in OLE2), written by xlwt; a date is written with
    a date format, as a spreadsheet program saves one."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("submission")
    dated = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, XlsError):
                sheet.row(r).set_cell_error(c, value.text)
            elif isinstance(value, date):
                sheet.write(r, c, value, dated)
            elif value is not None:
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
)


def ods_cell(value: Any) -> str:
    """One ODF table cell as LibreOffice writes it (a raw `<table:...>` string passes)."""
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, str) and value.startswith("<table:"):
        return value
    if isinstance(value, int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    )


def ods_bytes(rows: Sequence[Sequence[Any]], tail: str = "") -> bytes:
    """A LibreOffice-style .ods: mimetype first and stored, then manifest and content."""
    body = "".join(
        "<table:table-row>" + "".join(ods_cell(v) for v in row) + "</table:table-row>"
        for row in rows
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_NS} '
        'office:version="1.3"><office:body><office:spreadsheet>'
        f'<table:table table:name="submission">{body}{tail}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return out.getvalue()


def table(*rows: Sequence[Any]) -> list[list[Any]]:
    """The header, then the given rows (each padded to the header's width)."""
    return [list(HEADER)] + [list(r) + [None] * (len(HEADER) - len(r)) for r in rows]
