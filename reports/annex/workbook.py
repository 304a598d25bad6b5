"""Writing the annex workbook: cover with release metadata, notes, one table per sheet."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
from babel.dates import format_date
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from cicopa.outputs import formula_safe, workbook_bytes
from cicopa.settings import BABEL_LOCALES, BUILD_AFTER, CONTACT, publication_date
from reports.annex.model import AnnexData, Kind, TableSheet
from reports.annex.tables import table_sheets
from reports.annex.text import NOT_APPLICABLE, NOT_AVAILABLE, Notes, gettext
from reports.i18n import check_language

NUMBER_FORMATS: dict[Kind, str] = {
    "text": "General",
    "count": "#,##0",
    # Stored as the fraction (0.9574); shown with the two decimals it carries.
    "percent": "0.00%",
    # Cents are kept in the cell; whole dollars are enough to read.
    "usd": "#,##0",
    "year": "0",
    "rate": "#,##0.00##",
}
# Named in full: a bare Font(bold=True) has no face, and LibreOffice then falls back to serif.
BOLD = Font(name="Calibri", size=11, bold=True)
HEADER_ROW = 4  # title, "this worksheet contains...", notes line, then the header


@dataclass(frozen=True)
class Release:
    """When this annex is published, when the next one is due, and what was revised.

    ``revisions`` has the columns of SPEC ``revisions.csv`` (revision, level, area_code,
    measure, previous, revised, reason); None or empty for a first edition.
    """

    published: date
    next_release: date
    revisions: pl.DataFrame | None = None


def default_release(year: int, revised: pl.DataFrame | None = None) -> Release:
    """Published on the report's day (settings.publication_date); next year's on the
    calendar's build day; `revised` the rows of revisions.csv this edition adds."""
    return Release(
        published=publication_date(year),
        next_release=BUILD_AFTER.in_year_after(year + 1),
        revisions=revised,
    )


def _revision_text(release: Release, lang: str) -> str:
    _ = gettext(lang)
    revisions = release.revisions
    if revisions is None or revisions.is_empty():
        return _("First edition: no figure has been revised.")
    latest = int(revisions["revision"].max())  # type: ignore[arg-type]
    figures = revisions.filter(pl.col("revision") == latest).height
    return _(
        "Edition %(edition)s: %(figures)s figures of the previous edition were revised "
        "because the submissions changed."
    ) % {"edition": latest + 1, "figures": figures}


# --- cells -----------------------------------------------------------------------------


def _set(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    """Write a cell; text is always text, never a formula (SPEC CSV conventions)."""
    if isinstance(value, Decimal):
        # polars hands back Decimal for the CSV-rounded columns; Excel stores doubles anyway.
        value = float(value)
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = formula_safe(value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def _shown(value: Any, kind: Kind) -> str:
    """Roughly what Excel will display, to size the column."""
    if value is None:
        return NOT_AVAILABLE
    if isinstance(value, str):
        return value
    if kind == "percent":
        return f"{float(value):.2%}"
    if kind in ("count", "usd"):
        return f"{float(value):,.0f}"
    return str(value)


def _write_title_block(ws: Worksheet, title: str, *lines: str) -> None:
    _set(ws, 1, 1, title).style = "Headline 1"  # Excel's "Heading 1": screen readers announce it
    for row, line in enumerate(lines, 2):
        _set(ws, row, 1, line)


def _add_table(ws: Worksheet, name: str, first_row: int, n_columns: int, n_rows: int) -> None:
    # An Excel Table needs a data row; an empty breakdown gets one row of shorthands.
    last_row = first_row + max(n_rows, 1)
    table = Table(displayName=name, ref=f"A{first_row}:{get_column_letter(n_columns)}{last_row}")
    table.tableStyleInfo = TableStyleInfo(
        name="TableStyleLight1", showRowStripes=True, showColumnStripes=False
    )
    ws.add_table(table)


def _print_setup(ws: Worksheet, header_row: int | None) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if header_row is not None:
        ws.print_title_rows = f"{header_row}:{header_row}"


def _cells(spec: TableSheet) -> list[tuple[Any, ...]]:
    """The table's rows, every missing value already its shorthand."""
    frame = spec.frame
    values = frame.select(pl.col(c.source) for c in spec.columns).rows()
    flag_names = [f"__not_applicable_{i}" for i in range(len(spec.columns))]
    # with_columns, not select: a literal flag is broadcast to every row.
    flags = (
        frame.with_columns(
            (c.not_applicable if c.not_applicable is not None else pl.lit(False))
            .fill_null(False)
            .alias(name)
            for name, c in zip(flag_names, spec.columns, strict=True)
        )
        .select(flag_names)
        .rows()
    )
    rows = [
        tuple(
            v if v is not None else (NOT_APPLICABLE if z else NOT_AVAILABLE)
            for v, z in zip(row, flag, strict=True)
        )
        for row, flag in zip(values, flags, strict=True)
    ]
    # A table with no row still shows one, saying there is nothing to show.
    return rows or [(NOT_APPLICABLE,) * len(spec.columns)]


def _write_table_sheet(ws: Worksheet, spec: TableSheet, lang: str, year: int) -> None:
    _ = gettext(lang)
    _write_title_block(
        ws,
        spec.title,
        _("This worksheet contains one table. Source: annual survey of CICOPA member "
          "organisations, reference year %(year)s.") % {"year": year},
        spec.notes_line,
    )  # fmt: skip
    rows = _cells(spec)
    for index, column in enumerate(spec.columns, 1):
        numeric = column.kind != "text"
        header = _set(ws, HEADER_ROW, index, column.header)
        header.font = BOLD
        # Numbers are right-aligned, so their headers are too.
        header.alignment = Alignment(
            wrap_text=True, vertical="bottom", horizontal="right" if numeric else "left"
        )
        for offset, row in enumerate(rows, 1):
            cell = _set(ws, HEADER_ROW + offset, index, row[index - 1])
            if numeric and not isinstance(row[index - 1], str):
                cell.number_format = NUMBER_FORMATS[column.kind]
            elif numeric:
                cell.alignment = Alignment(horizontal="right")  # a shorthand among numbers
    lines = []
    for index, column in enumerate(spec.columns, 1):
        longest = max(len(_shown(r[index - 1], column.kind)) for r in rows)
        # Headers wrap; a long header gets a moderate width and more lines.
        # Capitals and digits are wider than the average character, hence the 1.2.
        width = min(round(max(longest * 1.2, min(len(column.header), 18), 8)) + 2, 50)
        ws.column_dimensions[get_column_letter(index)].width = width
        lines.append(max(1, len(textwrap.wrap(column.header, max(width - 2, 1)))))
    ws.row_dimensions[HEADER_ROW].height = 15 * max(lines)
    _add_table(ws, spec.key, HEADER_ROW, len(spec.columns), len(rows))
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    _print_setup(ws, HEADER_ROW)


def _write_notes_sheet(ws: Worksheet, notes: Notes) -> None:
    _ = gettext(notes.lang)
    _write_title_block(
        ws,
        _("Notes"),
        _("This worksheet contains one table. Tables refer to these notes as [note 1], "
          "[note 2] and so on, in their column headers and above the table."),
    )  # fmt: skip
    header_row = 3
    for column, header in enumerate((_("Note number"), _("Note text")), 1):
        _set(ws, header_row, column, header).font = BOLD
    text_width = 100
    for offset, (_key, text) in enumerate(notes.items, 1):
        row = header_row + offset
        marker = _("note %(number)s") % {"number": offset}
        _set(ws, row, 1, marker).alignment = Alignment(vertical="top")
        _set(ws, row, 2, text).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 15 * len(textwrap.wrap(text, text_width - 5))
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = text_width
    _add_table(ws, "notes", header_row, 2, len(notes.items))
    ws.freeze_panes = f"A{header_row + 1}"
    _print_setup(ws, header_row)


def _write_cover(
    ws: Worksheet,
    *,
    year: int,
    lang: str,
    release: Release,
    contents: Sequence[tuple[str, str]],
) -> None:
    _ = gettext(lang)
    locale = BABEL_LOCALES[lang]
    _write_title_block(
        ws,
        _("CICOPA annual statistics %(year)s: statistical annex") % {"year": year},
        _("This workbook contains the statistical annex to CICOPA's annual statistics: "
          "members, affiliated enterprises, employment, women and turnover by area, by "
          "economic sector and by cooperative type, with trends, coverage, estimates for "
          "non-response, exchange rates and the reporting members."),
    )  # fmt: skip
    facts = [
        (_("Reference year"), _("%(year)s (calendar year)") % {"year": year}),
        (_("Source"), _("Annual survey of CICOPA member organisations")),
        (_("Publisher"),
         _("CICOPA – International Organisation of Industrial and Service Cooperatives")),
        (_("Published"), format_date(release.published, format="long", locale=locale)),
        (_("Next release"), format_date(release.next_release, format="long", locale=locale)),
        (_("Revisions"), _revision_text(release, lang)),
        (_("Contact"), CONTACT),
        (_("Shorthand"), _("[x] = not available (not reported); [z] = not applicable. "
                           "Definitions and notes are on the Notes sheet.")),
    ]  # fmt: skip
    row = 3
    for heading, text in facts:
        _set(ws, row, 1, heading).style = "Headline 2"
        _set(ws, row + 1, 1, text)
        row += 2
    _set(ws, row, 1, _("Table of contents")).style = "Headline 2"
    _set(ws, row + 1, 1, _("This table lists the worksheets in this workbook; select a name "
                           "to go there."))  # fmt: skip
    header_row = row + 2
    for column, header in enumerate((_("Worksheet name"), _("Description")), 1):
        _set(ws, header_row, column, header).font = BOLD
    for offset, (sheet, description) in enumerate(contents, 1):
        link = _set(ws, header_row + offset, 1, sheet)
        # An in-workbook link (location, no target) needs no external relationship.
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{sheet}'!A1", display=sheet)
        link.style = "Hyperlink"  # underlined, so not colour alone
        _set(ws, header_row + offset, 2, description)
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = max(len(d) for _s, d in contents) + 2
    _add_table(ws, "contents", header_row, 2, len(contents))
    _print_setup(ws, None)


def annex_bytes(data: AnnexData, *, lang: str, release: Release | None = None) -> bytes:
    """The annex workbook of `data.year` in `lang` (en, fr, es), as the bytes of an .xlsx.

    `release` defaults to the calendar's dates (`default_release`); its published date is
    also the workbook's creation time, so the same inputs give the same bytes.
    """
    check_language(lang)
    _ = gettext(lang)
    release = release or default_release(data.year)
    notes, tables = table_sheets(data, lang)
    sheet_names = [_("Table_%(number)s") % {"number": n} for n in range(1, len(tables) + 1)]
    contents = [
        (_("Notes"), _("Numbered notes: definitions, sources and what [x] and [z] mean")),
        *zip(sheet_names, (t.description for t in tables), strict=True),
    ]

    workbook = Workbook()
    cover = workbook.active
    assert cover is not None
    cover.title = _("Cover")
    _write_cover(cover, year=data.year, lang=lang, release=release, contents=contents)
    _write_notes_sheet(workbook.create_sheet(_("Notes")), notes)
    for name, table in zip(sheet_names, tables, strict=True):
        _write_table_sheet(workbook.create_sheet(name), table, lang, data.year)

    stamp = datetime.combine(release.published, datetime.min.time())
    properties = workbook.properties
    properties.title = _("CICOPA annual statistics %(year)s: statistical annex") % {
        "year": data.year
    }
    properties.subject = _("Statistical annex, reference year %(year)s") % {"year": data.year}
    properties.creator = "CICOPA"
    properties.lastModifiedBy = "CICOPA"
    properties.language = lang
    properties.keywords = _("CICOPA; cooperatives; statistics; employment")
    properties.created = stamp
    properties.modified = stamp

    return workbook_bytes(workbook)
