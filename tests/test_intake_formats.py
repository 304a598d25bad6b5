"""`.ods`, `.xls` and a renamed `.xls` through the intake (issue 12, item 5).

The readers choose the engine by the file's bytes (cicopa/spreadsheets.py); the `.xls`
files are written with xlwt, a pinned development dependency.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

import xlwt

from cicopa.intake import receive
from cicopa.readers import read_submission
from tests.builders import HEADER, row

ROWS = [row(member_id="FR-ONE"), row(member_id="FR-ONE", sector="F", cooperative_type="social")]
COLUMNS = HEADER[:8]


def _ods(rows: list[dict]) -> bytes:
    """A minimal OpenDocument spreadsheet (what LibreOffice saves), sheet `submission`."""

    def cell(value: object) -> str:
        if isinstance(value, int):
            return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                    f"<text:p>{value}</text:p></table:table-cell>")  # fmt: skip
        return (f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}'
                "</text:p></table:table-cell>")  # fmt: skip

    lines = [COLUMNS, *[[r[c] for c in COLUMNS] for r in rows]]
    body = "".join("<table:table-row>" + "".join(cell(v) for v in line) + "</table:table-row>"
                   for line in lines)  # fmt: skip
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        '<office:body><office:spreadsheet><table:table table:name="submission">'
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
        '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)  # fmt: skip
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _xls(rows: list[dict]) -> bytes:
    book = xlwt.Workbook()
    sheet = book.add_sheet("submission")
    for c, name in enumerate(COLUMNS):
        sheet.write(0, c, name)
    for r, record in enumerate(rows, start=1):
        for c, name in enumerate(COLUMNS):
            sheet.write(r, c, record[name])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_ods_file_is_read(tmp_path):
    raw = read_submission(_ods(ROWS), "submissions/2025/FR-ONE.ods")
    assert raw.readable and raw.rows == 2
    assert raw.frame["sector"].to_list() == ["C", "F"]


def test_an_ods_upload_is_accepted(raw_data, reference):
    receipt = receive(raw_data, reference, 2025, _ods(ROWS), "enquete.ods", "FR-ONE")
    assert receipt.status == "accepted" and receipt.stored.endswith(".ods")


def test_an_xls_upload_is_accepted(raw_data, reference):
    receipt = receive(raw_data, reference, 2025, _xls(ROWS), "enquete.xls", "FR-ONE")
    assert receipt.status == "accepted"


def test_an_xls_renamed_xlsx_is_read_by_its_content(raw_data, reference):
    raw = read_submission(_xls(ROWS), "submissions/2025/FR-ONE.xlsx")
    assert raw.readable and raw.rows == 2
