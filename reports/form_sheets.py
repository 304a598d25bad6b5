"""The sheets of the survey form: submission (with its checks), instructions, previous
year and lists. reports/forms.py assembles them into one workbook per member.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import polars as pl
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from cicopa.columns import (
    COLUMN_NAMES,
    COOPERATIVE_TYPES,
    DECIMAL_COLUMNS,
    INTEGER_COLUMNS,
    SECTORS,
    SUBMISSION_COLUMNS,
)
from reports.form_texts import (
    CODE,
    COLUMN,
    COLUMN_HELP,
    COLUMNS_HEADING,
    DEADLINE,
    DEFINITION_DATE,
    DEFINITION_IN,
    DEFINITION_SCOPE,
    DEFINITION_TOTAL,
    DEFINITION_WOMEN,
    DEFINITIONS,
    ERROR_AMOUNT,
    ERROR_CURRENCY,
    ERROR_DATE,
    ERROR_MEMBER,
    ERROR_SECTOR,
    ERROR_TYPE,
    ERROR_WHOLE,
    ERROR_YEAR,
    HOW_TO,
    MEANING,
    ONLINE,
    PREVIOUS_NONE,
    PREVIOUS_TITLE,
    REQUIRED,
    REQUIRED_NO,
    REQUIRED_WITH_TURNOVER,
    REQUIRED_YES,
    SECTORS_HEADING,
    STEP_CLEAR,
    STEP_DATE,
    STEP_EMPTY,
    STEP_FILL,
    STEP_NEW_ROW,
    STEP_NUMBERS,
    STEP_PREPARED,
    STEP_SEND,
    TITLE,
    TYPE_DESCRIPTIONS,
    TYPES_HEADING,
    WHAT_TO_ENTER,
)
from reports.i18n import ISIC_NAMES
from reports.i18n import translations as report_translations

LAST_ROW = 200  # rows 2..200 are open for data: far more than any member reports
EMPTY_ROWS = 10  # prepared rows when the member has no accepted year to start from
COLUMN_WIDTHS: dict[str, float] = {
    "member_id": 16, "reference_year": 15, "sector": 9, "cooperative_type": 19,
    "enterprises": 13, "worker_members": 17, "employees": 12, "producer_members": 18,
    "women": 10, "turnover": 16, "currency": 10, "new_enterprises": 16, "transfers": 11,
    "submitted_at": 14, "comment": 40,
}  # fmt: skip
TEXT_COLUMNS = ("member_id", "sector", "cooperative_type", "currency", "comment")
CENTRED = ("reference_year", "sector", "currency")
# Prepared in every row: what identifies the submission, so a new row copies it.
PREPARED = ("member_id", "reference_year", "currency")

ACCENT = "1F4E79"  # the report's dark blue
TINT = "DDE6EF"
PREPARED_FILL = PatternFill("solid", fgColor="F2F2F2")
HEADER_FILL = PatternFill("solid", fgColor=ACCENT)
# Named in full: a bare Font(bold=True) has no face and LibreOffice falls back to serif.
FONT = Font(name="Calibri", size=11)
BOLD = Font(name="Calibri", size=11, bold=True)
HEADER_FONT = Font(name="Calibri", size=11, bold=True, color="FFFFFF")
TITLE_FONT = Font(name="Calibri", size=16, bold=True, color=ACCENT)
HEADING_FONT = Font(name="Calibri", size=12, bold=True, color=ACCENT)
THIN = Side(style="thin", color="B3B3B3")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
UNLOCKED = Protection(locked=False)


def _text(cell: Cell, value: Any) -> None:
    """A cell that is text whatever it says: '=...' from a member is never a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def write_submission(
    ws: Worksheet,
    member_id: str,
    year: int,
    currency: str | None,
    pairs: list[tuple[str, str]],
    currencies: list[str],
    say: Any,
) -> None:
    index = {name: i for i, name in enumerate(COLUMN_NAMES, start=1)}
    for name, col in index.items():
        cell = ws.cell(1, col, name)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, GRID
        cell.alignment = Alignment(vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = COLUMN_WIDTHS[name]
    ws.row_dimensions[1].height = 20
    rows = pairs or [(None, None)] * EMPTY_ROWS
    formats = {
        **{c: "0" for c in INTEGER_COLUMNS},
        **{c: "0.00" for c in DECIMAL_COLUMNS},
        **{c: "@" for c in TEXT_COLUMNS},
        "submitted_at": "yyyy-mm-dd",
    }
    for r in range(2, LAST_ROW + 1):
        for name, col in index.items():
            cell = ws.cell(r, col)
            cell.protection = UNLOCKED
            cell.number_format = formats[name]
            cell.font = FONT
            if r - 2 < len(rows) + EMPTY_ROWS:  # the grid invites a few new rows too
                cell.border = GRID
            if name in CENTRED:
                cell.alignment = Alignment(horizontal="center")
    for offset, (sector, cooperative_type) in enumerate(rows):
        r = offset + 2
        values = {
            "member_id": member_id,
            "reference_year": year,
            "currency": currency,
            "sector": sector,
            "cooperative_type": cooperative_type,
        }
        for name, value in values.items():
            if value is not None:
                _text(ws.cell(r, index[name]), value)
        for name in PREPARED:
            ws.cell(r, index[name]).fill = PREPARED_FILL
    _validations(ws, index, member_id, year, currencies, say)
    ws.freeze_panes = "A2"
    ws.sheet_view.zoomScale = 100
    ws.print_title_rows = "1:1"
    ws.print_area = f"A1:{get_column_letter(len(index))}{len(rows) + EMPTY_ROWS + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _protect(ws)


def _validations(
    ws: Worksheet,
    index: dict[str, int],
    member_id: str,
    year: int,
    currencies: list[str],
    say: Any,
) -> None:
    """One validation per column: a check where there is one, and an input message."""

    def span(name: str) -> str:
        letter = get_column_letter(index[name])
        return f"{letter}2:{letter}{LAST_ROW}"

    def add(name: str, error: tuple[str, str] | None, style: str = "stop", **rule: Any) -> None:
        validation = DataValidation(
            allow_blank=True,
            showInputMessage=True,
            promptTitle=name,
            prompt=say(COLUMN_HELP[name]),
            **rule,
        )
        if error is not None:
            validation.showErrorMessage = True
            validation.errorStyle = style
            validation.errorTitle, validation.error = say(error[0]), say(error[1])
        validation.add(span(name))
        ws.add_data_validation(validation)

    last_currency = max(len(currencies), 1) + 1
    add("member_id", ERROR_MEMBER, type="list", formula1=f'"{member_id}"')
    add("reference_year", ERROR_YEAR, type="whole", operator="equal", formula1=str(year))
    add("sector", ERROR_SECTOR, type="list", formula1=f"lists!$A$2:$A${len(SECTORS) + 1}")
    add(
        "cooperative_type",
        ERROR_TYPE,
        type="list",
        formula1=f"lists!$B$2:$B${len(COOPERATIVE_TYPES) + 1}",
    )
    for name in INTEGER_COLUMNS:
        if name != "reference_year":
            add(name, ERROR_WHOLE, type="whole", operator="greaterThanOrEqual", formula1="0")
    for name in DECIMAL_COLUMNS:
        add(name, ERROR_AMOUNT, type="decimal", operator="greaterThanOrEqual", formula1="0")
    # A warning, not a stop: the list may be last year's while this year's rates are pending.
    add(
        "currency",
        ERROR_CURRENCY,
        style="warning",
        type="list",
        formula1=f"lists!$C$2:$C${last_currency}",
    )
    add(
        "submitted_at",
        ERROR_DATE,
        type="date",
        operator="between",
        formula1=str(int(to_excel(date(year, 1, 1)))),
        formula2=str(int(to_excel(date(year + 2, 12, 31)))),
    )
    add("comment", None)


def _protect(ws: Worksheet) -> None:
    """Locked cells cannot be changed; widths and heights still can (no password)."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _estimated_height(cells: Sequence[tuple[str, float]], size: float = 11) -> float:
    """Points for a row of wrapped text: Excel does not grow such a row on opening a file.

    `cells` are (text, column width); prose averages about 0.9 of the width unit ('0').
    """
    lines = max(
        sum(max(1, math.ceil(len(part) * 0.9 / width)) for part in text.split("\n"))
        for text, width in cells
    )
    return lines * size * 1.36


def write_instructions(
    ws: Worksheet, member: Mapping[str, Any], *, pairs: bool, say: Any, lang: str, link: bool
) -> None:
    widths = {"A": 20, "B": 18, "C": 86}
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    full = sum(widths.values())
    fill = PatternFill("solid", fgColor=TINT)
    row = 1

    def paragraph(text: str, font: Font = FONT) -> None:
        nonlocal row
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        cell = ws.cell(row, 1)
        _text(cell, text)
        cell.font, cell.alignment = font, WRAP
        ws.row_dimensions[row].height = _estimated_height([(text, full)], font.size)
        row += 1

    def table_row(values: Sequence[str], font: Font = FONT, header: bool = False) -> None:
        """Three cells (column, required, what to enter), or two with B:C merged."""
        nonlocal row
        spans = (
            [(values[0], widths["A"]), (values[1], widths["B"]), (values[2], widths["C"])]
            if len(values) == 3
            else [(values[0], widths["A"]), (values[1], widths["B"] + widths["C"])]
        )
        if len(values) == 2:
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=3)
        for col in range(1, 4):
            cell = ws.cell(row, col)
            cell.font, cell.alignment, cell.border = font, WRAP, GRID
            if header:
                cell.fill = fill
        for col, (value, _width) in enumerate(spans, start=1):
            _text(ws.cell(row, col), value)
        ws.row_dimensions[row].height = _estimated_height(spans)
        row += 1

    def gap() -> None:
        nonlocal row
        row += 1

    paragraph(say(TITLE), TITLE_FONT)
    paragraph(f"{member.get('name') or ''} ({member['member_id']})", BOLD)
    paragraph(say(DEADLINE), BOLD)
    if link:
        paragraph(say(ONLINE), BOLD)
    gap()
    paragraph(say(HOW_TO), HEADING_FONT)
    steps = [
        STEP_FILL,
        STEP_PREPARED if pairs else STEP_EMPTY,
        STEP_CLEAR,
        STEP_NEW_ROW,
        STEP_NUMBERS,
        STEP_DATE,
        STEP_SEND,
    ]
    for number, step in enumerate(steps, start=1):
        paragraph(f"{number}. {say(step)}")
    gap()
    paragraph(say(DEFINITIONS), HEADING_FONT)
    definitions = (DEFINITION_DATE, DEFINITION_IN, DEFINITION_SCOPE, DEFINITION_TOTAL)
    for definition in (*definitions, DEFINITION_WOMEN):
        paragraph(f"• {say(definition)}")
    gap()
    paragraph(say(COLUMNS_HEADING), HEADING_FONT)
    table_row([say(COLUMN), say(REQUIRED), say(WHAT_TO_ENTER)], BOLD, header=True)
    for column in SUBMISSION_COLUMNS:
        required = (
            REQUIRED_YES
            if column.required
            else REQUIRED_WITH_TURNOVER
            if column.name == "currency"
            else REQUIRED_NO
        )
        table_row([column.name, say(required), say(COLUMN_HELP[column.name])])
    gap()
    paragraph(say(SECTORS_HEADING), HEADING_FONT)
    table_row([say(CODE), say(MEANING)], BOLD, header=True)
    for code in SECTORS:
        # ISIC section names are the report's: one translation for both.
        table_row([code, report_translations(lang).gettext(ISIC_NAMES[code])])
    gap()
    paragraph(say(TYPES_HEADING), HEADING_FONT)
    table_row([say(CODE), say(MEANING)], BOLD, header=True)
    for code in COOPERATIVE_TYPES:
        table_row([code, say(TYPE_DESCRIPTIONS[code])])
    ws.sheet_view.showGridLines = False
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.protection.sheet = True


def write_previous(ws: Worksheet, previous: pl.DataFrame | None, say: Any) -> None:
    if previous is None or previous.is_empty():
        cell = ws.cell(1, 1)
        _text(cell, say(PREVIOUS_NONE))
        cell.font = BOLD
        ws.column_dimensions["A"].width = 110
        ws.protection.sheet = True
        return
    note = ws.cell(1, 1)
    _text(note, say(PREVIOUS_TITLE))
    note.font = BOLD
    for col, name in enumerate(COLUMN_NAMES, start=1):
        cell = ws.cell(3, col, name)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, GRID
        ws.column_dimensions[get_column_letter(col)].width = COLUMN_WIDTHS[name]
    for r, record in enumerate(previous.select(COLUMN_NAMES).iter_rows(named=True), start=4):
        for col, name in enumerate(COLUMN_NAMES, start=1):
            cell = ws.cell(r, col)
            _text(cell, record[name])
            cell.font, cell.border = FONT, GRID
            if name in DECIMAL_COLUMNS:
                cell.number_format = "0.00"
    ws.freeze_panes = "A4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.protection.sheet = True


def write_lists(ws: Worksheet, currencies: list[str]) -> None:
    columns = (
        ("sector", list(SECTORS)),
        ("cooperative_type", list(COOPERATIVE_TYPES)),
        ("currency", currencies),
    )
    for col, (name, values) in enumerate(columns, start=1):
        ws.cell(1, col, name).font = BOLD
        for r, value in enumerate(values, start=2):
            _text(ws.cell(r, col), value)
        ws.column_dimensions[get_column_letter(col)].width = 18
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
