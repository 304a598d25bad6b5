"""The survey form: one .xlsx per member and year, ready to fill and send back as is.

The sheet ``submission`` comes first and has the spec's column names in row 1, so the
file the member returns is read by ``cicopa.readers`` without any mapping. The rows the
member reported in its last accepted year are prepared (member_id, reference_year,
sector, cooperative_type, currency filled, figures empty); dropdowns and number checks
catch typing errors while the member types, in the member's language; the header row is
locked so the columns cannot be renamed. ``previous_year`` shows the last accepted
figures, ``instructions`` says what to enter, ``lists`` (hidden) holds the dropdowns.

The same inputs give the same bytes: fixed document dates and fixed zip entry times.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from openpyxl import Workbook
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
from cicopa.links import member_link, portal_secret
from cicopa.outputs import neutralise_formulas, workbook_bytes, write_atomic, write_csv
from cicopa.reference import Reference
from cicopa.settings import CONTACT, default_deadline
from reports.i18n import ISIC_NAMES
from reports.i18n import translations as report_translations
from reports.member_texts import N_, format_day, member_language, translations

SHEETS: tuple[str, ...] = ("submission", "instructions", "previous_year", "lists")
LINKS_FILE = "links.csv"
LINK_COLUMNS: tuple[str, ...] = ("member_id", "name", "language", "link")
LAST_ROW = 200  # rows 2..200 are open for data: far more than any member reports
EMPTY_ROWS = 10  # prepared rows when the member has no accepted year to start from
# Euro-area members and the year they adopted the euro: their default currency is EUR.
EURO_AREA: dict[str, int] = {
    "AT": 1999, "BE": 1999, "DE": 1999, "ES": 1999, "FI": 1999, "FR": 1999, "IE": 1999,
    "IT": 1999, "LU": 1999, "NL": 1999, "PT": 1999, "GR": 2001, "SI": 2007, "CY": 2008,
    "MT": 2008, "SK": 2009, "EE": 2011, "LV": 2014, "LT": 2015, "HR": 2023, "BG": 2026,
}  # fmt: skip
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

# --- member-facing texts (domain "collection") -----------------------------------------

COLUMN_HELP: dict[str, str] = {
    "member_id": N_(
        "Your member identifier in the CICOPA registry: %(member_id)s. Already filled in; "
        "repeat it in every row you add."
    ),
    "reference_year": N_(
        "The calendar year the figures describe: %(year)s. Already filled in; repeat it in "
        "every row you add."
    ),
    "sector": N_(
        "Economic activity of the cooperatives of the row: one ISIC Rev.4 section letter, "
        "A to U (see the list below), e.g. C for manufacturing."
    ),
    "cooperative_type": N_(
        "Type of the cooperatives of the row: worker, social, producer, multi_stakeholder or "
        "other (see the list below)."
    ),
    "enterprises": N_(
        "Number of cooperatives you affiliate in this sector and type. At least 1 when the "
        "row counts any person employed."
    ),
    "worker_members": N_(
        "Members who work in their own cooperative. Worker-members plus employees make up "
        "employment in cooperatives."
    ),
    "employees": N_(
        "Employees of the cooperatives who are not members. Enter 0 if there are none."
    ),
    "producer_members": N_(
        "Self-employed producers who are members of the cooperatives: employment within the "
        "scope of cooperatives. Do not count them again as employees."
    ),
    "women": N_(
        "Women among all the persons of the row (worker-members, employees and "
        "producer-members); not more than their sum. Leave empty if not known."
    ),
    "turnover": N_(
        "Annual turnover of the cooperatives of the row, in full units of the currency given "
        "in the column currency. Leave empty if not known."
    ),
    "currency": N_(
        "ISO 4217 code of the turnover, chosen from the list, e.g. EUR; the same in every "
        "row. Needed when a turnover is given."
    ),
    "new_enterprises": N_("Cooperatives created during %(year)s. Leave empty if not known."),
    "transfers": N_(
        "Of these new cooperatives, the businesses transferred to their employees; not more "
        "than new_enterprises."
    ),
    "submitted_at": N_(
        "The date you send the file, e.g. %(example)s; the same in every row. A corrected "
        "file needs a later date."
    ),
    "comment": N_("Anything we should know about the figures of the row (optional)."),
}
REQUIRED_YES = N_("yes")
REQUIRED_NO = N_("no")
REQUIRED_WITH_TURNOVER = N_("when turnover is given")

# (title, message) of the data-validation error boxes; Excel allows 32 / 255 characters.
ERROR_WHOLE = (
    N_("Whole number"),
    N_(
        "Enter a whole number, 0 or more, without spaces or separators, e.g. 12. Enter 0 "
        "where there are none."
    ),
)
ERROR_AMOUNT = (
    N_("Amount"),
    N_(
        "Enter an amount of 0 or more, without thousands separators or currency sign, "
        "e.g. 250000.50."
    ),
)
ERROR_SECTOR = (N_("Sector"), N_("Choose the ISIC Rev.4 section letter, A to U, from the list."))
ERROR_TYPE = (
    N_("Cooperative type"),
    N_("Choose worker, social, producer, multi_stakeholder or other from the list."),
)
ERROR_CURRENCY = (
    N_("Currency"),
    N_(
        "Choose the ISO 4217 code of the turnover from the list. If your currency is not in "
        "it, write to %(contact)s."
    ),
)
ERROR_MEMBER = (
    N_("Member"),
    N_("This form is for %(member_id)s: keep this identifier in every row."),
)
ERROR_YEAR = (N_("Reference year"), N_("This form is for the reference year %(year)s."))
ERROR_DATE = (
    N_("Date"),
    N_("Enter the date you send the file as year-month-day, e.g. %(example)s."),
)

TITLE = N_("CICOPA annual survey %(year)s")
DEADLINE = N_("Please send the completed form by %(deadline)s.")
ONLINE = N_(
    "Or upload it at your organisation's own address, which checks it at once and lists "
    "anything to correct (keep this link to yourselves): %(link)s"
)
HOW_TO = N_("How to answer")
STEP_FILL = N_(
    "Fill in the sheet 'submission': one row per sector and type of cooperative, with the "
    "figures for the calendar year %(year)s."
)
STEP_PREPARED = N_(
    "The rows you reported for %(previous)s are prepared (their figures are in the sheet "
    "'previous_year'): enter this year's figures in them."
)
STEP_EMPTY = N_(
    "Ten rows are prepared with your member identifier; use as many as you need and add "
    "more below if necessary."
)
STEP_CLEAR = N_(
    "Clear every prepared row you do not use (select its cells and press Delete): an empty "
    "row is ignored, but a row without figures is an error."
)
STEP_NEW_ROW = N_(
    "In a new row, repeat member_id, reference_year and currency as in the rows above. "
    "Leave the column names in row 1 as they are."
)
STEP_NUMBERS = N_(
    "Enter figures as numbers, without thousands separators or currency signs; enter 0 "
    "where there are none."
)
STEP_DATE = N_(
    "Enter in submitted_at the date you send the file. If you send a corrected file later, "
    "give it a later date: the latest file replaces the earlier ones."
)
STEP_SEND = N_(
    "Save the workbook as .xlsx, keeping its name, and send it by e-mail to %(contact)s."
)
DEFINITIONS = N_("Definitions")
DEFINITION_IN = N_(
    "Employment in cooperatives: worker-members plus employees (ILO Guidelines concerning "
    "statistics of cooperatives, 2018)."
)
DEFINITION_SCOPE = N_(
    "Employment within the scope of cooperatives: producer-members, who are self-employed "
    "and work in their own enterprise."
)
DEFINITION_TOTAL = N_(
    "Persons employed, CICOPA's headline figure: employment in cooperatives plus employment "
    "within the scope of cooperatives."
)
DEFINITION_WOMEN = N_(
    "Women are counted among all these persons; transfers are counted among the new enterprises."
)
COLUMNS_HEADING = N_("The columns of the sheet 'submission'")
COLUMN = N_("Column")
REQUIRED = N_("Required")
WHAT_TO_ENTER = N_("What to enter")
SECTORS_HEADING = N_("Sectors (ISIC Rev.4 sections)")
TYPES_HEADING = N_("Cooperative types")
CODE = N_("Code")
MEANING = N_("Meaning")
PREVIOUS_TITLE = N_(
    "Figures accepted for %(previous)s (file %(file)s), for reference only: enter this year's "
    "figures in the sheet 'submission'."
)
PREVIOUS_NONE = N_(
    "No accepted figures in the last three years: please fill in the sheet 'submission' from "
    "the start."
)

TYPE_DESCRIPTIONS: dict[str, str] = {
    "worker": N_("Worker cooperatives: enterprises owned and run by the members who work in them."),
    "social": N_(
        "Social cooperatives: services of general interest such as care, health or "
        "education, or the work integration of disadvantaged persons."
    ),
    "producer": N_(
        "Producers' cooperatives: self-employed producers (farmers, artisans, fishers) who "
        "share services such as processing or marketing."
    ),
    "multi_stakeholder": N_(
        "Multi-stakeholder cooperatives: several kinds of members, e.g. workers, users and "
        "supporters, in one cooperative."
    ),
    "other": N_("Other cooperatives affiliated to your organisation."),
}
assert set(TYPE_DESCRIPTIONS) == set(COOPERATIVE_TYPES)


# --- choosing what to prepare ---------------------------------------------------------


def default_currency(country: str | None, year: int, currencies: Sequence[str]) -> str | None:
    """EUR in the euro area, USD elsewhere; None when that code has no rate to offer."""
    adopted = EURO_AREA.get(str(country or "").upper())
    code = "EUR" if adopted is not None and adopted <= year else "USD"
    return code if code in currencies else None


def currencies_for(reference: Reference, year: int) -> list[str]:
    """The currency codes with a rate for `year`.

    A collection opens before the year's average rates are known: until then the codes of
    the latest earlier year are offered (the secretariat adds the rates before validating).
    """
    rates = reference.fx_rates.filter(pl.col("year") <= year)
    if rates.is_empty():
        return []
    latest = rates.filter(pl.col("year") == rates["year"].max())
    return sorted(set(latest["currency"].to_list()))


def previous_accepted(earlier: dict[int, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Each member's accepted rows from its latest year among `earlier` (figures by year)."""
    found: dict[str, pl.DataFrame] = {}
    for year in sorted(earlier, reverse=True):
        for (member,), part in earlier[year].partition_by("member_id", as_dict=True).items():
            found.setdefault(str(member), part.sort("_row"))  # latest year first: keep it
    return found


# --- the workbook ---------------------------------------------------------------------


def form_bytes(
    *,
    member: Mapping[str, Any],
    year: int,
    previous: pl.DataFrame | None,
    currency: str | None,
    currencies: Sequence[str],
    lang: str,
    deadline: date | None = None,
    link: str | None = None,
) -> bytes:
    """The survey form of one member for reference year `year`, as .xlsx bytes.

    `member` is a row of members.csv; `previous` the member's accepted rows of its last
    accepted year (spec columns, as in ``YearValidation.accepted_rows``) or None; `currency`
    the code prepared in every row; `currencies` the dropdown's codes; `lang` en/fr/es;
    `link` the member's upload address (cicopa/links.py), written into the instructions.
    """
    lang = member_language(lang)
    gettext = translations(lang).gettext
    deadline = deadline or default_deadline(year)
    member_id = str(member["member_id"])
    context = {
        "member_id": member_id,
        "year": year,
        "previous": _previous_year(previous),
        "example": date(year + 1, 2, 15).isoformat(),
        "contact": CONTACT,
        "deadline": format_day(deadline, lang),
        "file": _previous_file(previous),
        "link": link or "",
    }

    def say(message: str) -> str:
        return gettext(message) % context if "%(" in message else gettext(message)

    workbook = Workbook()
    submission = workbook.active
    assert submission is not None
    submission.title = "submission"
    pairs = _pairs(previous)
    _write_submission(submission, member_id, year, currency, pairs, list(currencies), say)
    _write_instructions(
        workbook.create_sheet("instructions"),
        member,
        pairs=bool(pairs),
        say=say,
        lang=lang,
        link=bool(link),
    )
    _write_previous(workbook.create_sheet("previous_year"), previous, say)
    _write_lists(workbook.create_sheet("lists"), list(currencies))

    stamp = datetime(year + 1, 1, 1)
    properties = workbook.properties
    properties.title = f"{say(TITLE)} – {member_id}"
    properties.subject = f"CICOPA annual survey {year}"
    properties.creator = "CICOPA"
    properties.lastModifiedBy = "CICOPA"
    properties.language = lang
    properties.created = stamp
    properties.modified = stamp
    workbook.active = 0

    return workbook_bytes(workbook)


def _previous_year(previous: pl.DataFrame | None) -> int | None:
    if previous is None or previous.is_empty():
        return None
    return int(previous["reference_year"].drop_nulls().max())  # type: ignore[arg-type]


def _previous_file(previous: pl.DataFrame | None) -> str:
    if previous is None or previous.is_empty() or "file" not in previous.columns:
        return "–"
    return Path(str(previous["file"][0])).name


def _pairs(previous: pl.DataFrame | None) -> list[tuple[str, str]]:
    """(sector, cooperative_type) of the previous answer, in its row order, once each."""
    if previous is None or previous.is_empty():
        return []
    pairs = previous.select("sector", "cooperative_type").rows()
    return list(dict.fromkeys((str(s), str(t)) for s, t in pairs))


def _text(cell: Cell, value: Any) -> None:
    """A cell that is text whatever it says: '=...' from a member is never a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _write_submission(
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


def _write_instructions(
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
    for definition in (DEFINITION_IN, DEFINITION_SCOPE, DEFINITION_TOTAL, DEFINITION_WOMEN):
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


def _write_previous(ws: Worksheet, previous: pl.DataFrame | None, say: Any) -> None:
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


def _write_lists(ws: Worksheet, currencies: list[str]) -> None:
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


# --- one form per active member -------------------------------------------------------


def open_collection(
    reference: Reference,
    out: Path,
    year: int,
    *,
    earlier: dict[int, pl.DataFrame] | None = None,
    deadline: date | None = None,
    secret: bytes | None = None,
) -> list[Path]:
    """Write ``<out>/forms/<year>/<member_id>.xlsx`` for every member active in `year`,
    and ``links.csv`` beside them: each member's upload link, for staff to send.

    `earlier` is the accepted figures of earlier years, by year: each member's latest
    rows are prepared in its form. Returns the forms' paths.
    """
    currencies = currencies_for(reference, year)
    previous = previous_accepted(earlier or {})
    secret = secret if secret is not None else portal_secret()
    folder = out / "forms" / str(year)
    # Every form is made before the first is written: a bad member row stops the
    # collection before it has half-written the forms.
    forms: dict[Path, bytes] = {}
    links = []
    for member in reference.members_active_in(year).sort("member_id").iter_rows(named=True):
        rows = previous.get(member["member_id"])
        link = member_link(secret, member["member_id"], year)
        lang = member_language(member.get("language"))
        links.append({"member_id": member["member_id"], "name": member["name"],
                      "language": lang, "link": link})  # fmt: skip
        forms[folder / f"{member['member_id']}.xlsx"] = form_bytes(
            member=member,
            year=year,
            previous=rows,
            currency=_currency(rows, member, year, currencies),
            currencies=currencies,
            lang=lang,
            deadline=deadline,
            link=link,
        )
    for path, data in forms.items():
        write_atomic(path, data)
    table = pl.DataFrame(links, schema=dict.fromkeys(LINK_COLUMNS, pl.String()))
    write_csv(folder / LINKS_FILE, neutralise_formulas(table))
    return list(forms)


def _currency(
    previous: pl.DataFrame | None, member: Mapping[str, Any], year: int, currencies: list[str]
) -> str | None:
    """Last year's currency of the member when it is still offered, else the default."""
    if previous is not None:
        used = previous["currency"].drop_nulls()
        if used.len() and used[0] in currencies:
            return str(used[0])
    return default_currency(member.get("country"), year, currencies)
