"""The statistical annex workbook, `statistical_annex_<year>.xlsx`.

Laid out the way government statistical spreadsheets are (UK Government Analysis
Function, "Releasing statistics in spreadsheets"): a cover sheet, a notes sheet and
one table per sheet. Each table sits under a short title block, is marked up as an
Excel Table, carries its units in the column headers and stores numbers as numbers
with a number format. No merged cells, no blank rows or columns inside a table, no
meaning carried by colour alone; a figure nobody reported is an empty cell, which the
notes explain. The same inputs give the same bytes.
"""

from __future__ import annotations

import io
import re
import textwrap
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from cicopa.outputs import stable_zip
from cicopa.settings import CONTACT

SOURCE = "Annual survey of CICOPA member organisations"
PUBLISHER = "CICOPA – International Organisation of Industrial and Service Cooperatives"

LEVEL_WORDS: dict[str, str] = {
    "global": "World",
    "region": "Region",
    "sub_region": "Sub-region",
    "country": "Country",
}
STATUSES: tuple[str, ...] = ("accepted", "rejected", "superseded", "unreadable")
NOT_ALLOCATED = "Not allocated"

Kind = Literal["text", "count", "percent", "usd"]
NUMBER_FORMATS: dict[Kind, str] = {
    "text": "General",
    "count": "#,##0",
    # Stored as the fraction (0.9574); shown with the two decimals it carries.
    "percent": "0.00%",
    # Cents are kept in the cell; whole dollars are enough to read.
    "usd": "#,##0",
}
# Named in full: a bare Font(bold=True) has no face, and LibreOffice then falls back to serif.
BOLD = Font(name="Calibri", size=11, bold=True)
HEADER_ROW = 4  # title, "this worksheet contains...", notes line, then the header


# --- notes ---------------------------------------------------------------------------


def _notes(fx_source: str) -> tuple[tuple[str, str], ...]:
    """(key, text) in the order they are numbered.

    Tables refer to notes by key, so the numbers in their headers cannot drift from
    the Notes sheet.
    """
    return (
        ("source", f"The figures come from the {SOURCE[0].lower()}{SOURCE[1:]}. Each member "
         "reports, for the reference year (a calendar year), its affiliated cooperatives by "
         "economic sector and cooperative type."),
        ("accepted", "Only accepted submissions count. A submission with any error is rejected "
         "as a whole; when a member sent several files, only the latest counts and the others "
         "are superseded; a file that cannot be read at all is unreadable. None of these enter "
         "the figures."),
        ("employment_in", "Employment in cooperatives follows the ILO Guidelines concerning "
         "statistics of cooperatives (20th International Conference of Labour Statisticians, "
         "2018): worker-members (members who work in their cooperative) plus employees who "
         "are not members."),
        ("employment_scope", "Employment within the scope of cooperatives (ILO, 20th ICLS, "
         "2018) is the producer-members: self-employed producers who are members of a "
         "cooperative."),
        ("persons_employed", "Persons employed, CICOPA's headline figure, is employment in "
         "cooperatives plus employment within the scope of cooperatives: worker-members + "
         "employees + producer-members."),
        ("response_rate", "Response rate is the number of members with an accepted submission "
         "divided by the number of members registered (active in the reference year) in the "
         "area. It is stored as a fraction rounded to 4 decimal places and shown as a "
         "percentage."),
        ("women", "Women and women's share of persons employed count only the rows that "
         "report women: the share divides women by the persons employed in those rows. The "
         "share is stored as a fraction rounded to 4 decimal places and shown as a "
         "percentage; it is empty when no row in the area reports women."),
        ("turnover", "Turnover is converted from the currency of each submission to US dollars "
         "at the annual average exchange rate of the reference year (source: "
         f"{fx_source}), rounded to the cent, and summed over the rows that report turnover."),
        ("new", "New enterprises are cooperatives created during the reference year; "
         "transfers are those of them that were businesses transferred to their employees. "
         "Both are summed over the rows that report them."),
        ("levels", "Areas are the World; the four ICA regions (Africa, Americas, Asia-Pacific, "
         "Europe); CICOPA's sub-regional organisations within the Americas (North America, "
         "Mercosur); and countries. The parent of a country is its sub-region where there is "
         "one, else its region. A region includes its sub-regions and countries, so rows at "
         "different levels must not be added together. Every area with at least one "
         "registered member appears, reporting or not."),
        ("sectors", "Economic sectors are the sections of the International Standard "
         "Industrial Classification of All Economic Activities, Revision 4 (ISIC Rev.4); "
         "NACE Rev.2 sections are the same letters. A sector appears for an area when at "
         "least one accepted row in the area reports it."),
        ("types", "Cooperative types are the kinds of cooperative CICOPA's members federate: "
         "worker, social, producers', multi-stakeholder and other cooperatives. A type "
         "appears for an area when at least one accepted row in the area reports it."),
        ("coverage", "Submission files are counted by status: accepted, rejected (any error), "
         "superseded (replaced by a later file from the same member) and unreadable. A file "
         "is placed in an area by the country code that begins its member identifier (for "
         f"example IT- for Italy). Files that cannot be placed are counted as '{NOT_ALLOCATED}', "
         "whose member columns are empty as they do not apply, and in the World row, which "
         "counts every file."),
        ("empty", "An empty cell means the figure was not reported: no accepted row in the "
         "area gives it. A zero is a reported zero."),
    )  # fmt: skip


@dataclass(frozen=True)
class _Notes:
    items: tuple[tuple[str, str], ...]

    def ref(self, *keys: str) -> str:
        """'[note 3]' markers for the given note keys, in the notes' own order."""
        numbers = sorted(self.number(k) for k in keys)
        return " ".join(f"[note {n}]" for n in numbers)

    def number(self, key: str) -> int:
        return next(i for i, (k, _) in enumerate(self.items, 1) if k == key)


# --- tables ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    source: str  # column of the frame handed to the sheet writer
    header: str  # with its unit, and note markers where a definition applies
    kind: Kind = "text"


@dataclass(frozen=True)
class TableSheet:
    sheet: str
    table_name: str
    title: str
    description: str  # one line for the table of contents
    notes_line: str
    columns: tuple[Column, ...]
    frame: pl.DataFrame


def _headcount_columns(notes: _Notes) -> tuple[Column, ...]:
    return (
        Column("enterprises", "Enterprises (number)", "count"),
        Column("worker_members", "Worker-members (number)", "count"),
        Column("employees", "Employees (number)", "count"),
        Column(
            "producer_members",
            f"Producer-members (number) {notes.ref('employment_scope')}",
            "count",
        ),
        Column(
            "employment_in_cooperatives",
            f"Employment in cooperatives (number) {notes.ref('employment_in')}",
            "count",
        ),
        Column(
            "employment_total",
            f"Persons employed (number) {notes.ref('persons_employed')}",
            "count",
        ),
    )


def _area_lookup(by_area: pl.DataFrame) -> pl.DataFrame:
    return by_area.select("level", "area_code", "area_name")


def _with_level_words(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("level").replace_strict(LEVEL_WORDS, default=pl.col("level")).alias("level_words")
    )


def _table_1(year: int, by_area: pl.DataFrame, notes: _Notes) -> TableSheet:
    names = dict(zip(by_area["area_code"], by_area["area_name"], strict=True))
    frame = _with_level_words(by_area).with_columns(
        # A parent's name reads better than its code; every parent is itself a row.
        pl.col("parent_code")
        .replace_strict(names, default=pl.col("parent_code"))
        .alias("parent_name")
    )
    columns = (
        Column("level_words", "Level"),
        Column("area_code", "Area code"),
        Column("area_name", "Area name"),
        Column("parent_name", "Parent area"),
        Column("members_registered", "Members registered (number)", "count"),
        Column("members_reporting", "Members reporting (number)", "count"),
        Column("response_rate", f"Response rate (%) {notes.ref('response_rate')}", "percent"),
        Column("countries_reporting", "Countries reporting (number)", "count"),
        *_headcount_columns(notes),
        Column("women", f"Women (number) {notes.ref('women')}", "count"),
        Column(
            "women_share",
            f"Women's share of persons employed (%) {notes.ref('women')}",
            "percent",
        ),
        Column("turnover_usd", f"Turnover (US$) {notes.ref('turnover')}", "usd"),
        Column("new_enterprises", f"New enterprises (number) {notes.ref('new')}", "count"),
        Column("transfers", f"Transfers to employees (number) {notes.ref('new')}", "count"),
    )
    return TableSheet(
        sheet="Table_1",
        table_name="table_1_by_area",
        title=f"Table 1: Members, enterprises and employment by area, {year}",
        description="Members, response rate, enterprises, employment, women, turnover and "
        "new enterprises for the World, regions, sub-regions and countries",
        notes_line=_notes_line(notes, "source", "accepted", "levels"),
        columns=columns,
        frame=frame,
    )


def _breakdown_sheet(
    *,
    number: int,
    year: int,
    frame: pl.DataFrame,
    by_area: pl.DataFrame,
    key: str,
    names: Mapping[str, str],
    notes: _Notes,
) -> TableSheet:
    named = (
        _with_level_words(frame)
        .join(_area_lookup(by_area), on=["level", "area_code"], how="left", maintain_order="left")
        .with_columns(
            pl.col(key)
            .replace_strict(dict(names), default=None, return_dtype=pl.String)
            .alias("key_name")
        )
    )
    if key == "sector":
        key_columns = (
            Column("sector", f"ISIC Rev.4 section {notes.ref('sectors')}"),
            Column("key_name", "Sector name"),
        )
        what, table_name, note = "economic sector", f"table_{number}_by_sector", "sectors"
    else:
        key_columns = (
            Column("cooperative_type", f"Cooperative type code {notes.ref('types')}"),
            Column("key_name", "Cooperative type"),
        )
        what, table_name, note = "cooperative type", f"table_{number}_by_type", "types"
    return TableSheet(
        sheet=f"Table_{number}",
        table_name=table_name,
        title=f"Table {number}: Enterprises and employment by {what} and area, {year}",
        description=f"Enterprises and employment by {what}, for the World, regions, "
        "sub-regions and countries",
        notes_line=_notes_line(notes, "source", "accepted", "levels", note),
        columns=(
            Column("level_words", "Level"),
            Column("area_code", "Area code"),
            Column("area_name", "Area name"),
            *key_columns,
            *_headcount_columns(notes),
        ),
        frame=named,
    )


def _coverage(by_area: pl.DataFrame, submissions: pl.DataFrame) -> pl.DataFrame:
    """Members and submission files by status for the World, regions and sub-regions."""
    parents = dict(zip(by_area["area_code"], by_area["parent_code"], strict=True))
    levels = dict(zip(by_area["area_code"], by_area["level"], strict=True))

    def areas_of(member_id: str | None) -> list[str]:
        # SPEC: a member_id starts with its country's ISO code ("IT-LEGACOOP").
        match = re.match(r"\s*([A-Za-z]{2})-", member_id or "")
        country = match.group(1).upper() if match else None
        if country is None or levels.get(country) != "country":
            return [NOT_ALLOCATED]
        placed, area = [], parents.get(country)
        while area is not None and levels.get(area) in ("region", "sub_region"):
            placed.append(area)
            area = parents.get(area)
        return placed or [NOT_ALLOCATED]

    counts: dict[str, dict[str, int]] = {}
    for member_id, status in zip(submissions["member_id"], submissions["status"], strict=True):
        for area in ("WORLD", *areas_of(member_id)):
            tally = counts.setdefault(area, dict.fromkeys(("files", *STATUSES), 0))
            tally["files"] += 1
            if status in STATUSES:
                tally[status] += 1

    def tallies(codes: pl.Series) -> dict[str, list[int]]:
        empty = dict.fromkeys(("files", *STATUSES), 0)
        return {
            f"submissions_{k}": [counts.get(code, empty)[k] for code in codes]
            for k in ("files", *STATUSES)
        }

    areas = by_area.filter(pl.col("level").is_in(["global", "region", "sub_region"])).select(
        "level", "area_code", "area_name",
        "members_registered", "members_reporting", "response_rate",
    )  # fmt: skip
    areas = areas.with_columns(**{k: pl.Series(v) for k, v in tallies(areas["area_code"]).items()})
    if NOT_ALLOCATED in counts:
        tally = counts[NOT_ALLOCATED]
        # Files whose member cannot be placed; the member columns do not apply to them.
        extra = pl.DataFrame(
            {
                "level": [NOT_ALLOCATED],
                "area_code": [None],
                "area_name": ["Member not identified or not registered"],
                **{f"submissions_{k}": [tally[k]] for k in ("files", *STATUSES)},
            }
        )
        areas = pl.concat([areas, extra], how="diagonal_relaxed")
    return _with_level_words(areas)


def _table_4(
    year: int, by_area: pl.DataFrame, submissions: pl.DataFrame, notes: _Notes
) -> TableSheet:
    cov = notes.ref("coverage")
    columns = (
        Column("level_words", "Level"),
        Column("area_code", "Area code"),
        Column("area_name", "Area name"),
        Column("members_registered", "Members registered (number)", "count"),
        Column("members_reporting", "Members reporting (number)", "count"),
        Column("response_rate", f"Response rate (%) {notes.ref('response_rate')}", "percent"),
        Column("submissions_files", f"Submission files received (number) {cov}", "count"),
        *(Column(f"submissions_{s}", f"Files {s} (number)", "count") for s in STATUSES),
    )
    return TableSheet(
        sheet="Table_4",
        table_name="table_4_coverage",
        title=f"Table 4: Survey coverage by region, {year}",
        description="Members registered and reporting, response rate, and submission files by "
        "status (accepted, rejected, superseded, unreadable), for the World, regions and "
        "sub-regions",
        notes_line=_notes_line(notes, "accepted", "levels", "coverage"),
        columns=columns,
        frame=_coverage(by_area, submissions),
    )


def _notes_line(notes: _Notes, *keys: str) -> str:
    return (
        f"Notes: see the Notes sheet {notes.ref(*keys)}. "
        f"Empty cells mean the figure was not reported {notes.ref('empty')}."
    )


# --- writing ---------------------------------------------------------------------------


def _cell_value(value: Any) -> Any:
    # polars hands back Decimal for the CSV-rounded columns; Excel stores doubles anyway.
    return float(value) if isinstance(value, Decimal) else value


def _shown(value: Any, kind: Kind) -> str:
    """Roughly what Excel will display, to size the column."""
    if value is None:
        return ""
    if kind == "percent":
        return f"{float(value):.2%}"
    if kind in ("count", "usd"):
        return f"{float(value):,.0f}"
    return str(value)


def _header_lines(header: str, width: float) -> int:
    return max(1, len(textwrap.wrap(header, max(int(width) - 2, 1))))


def _write_title_block(ws: Worksheet, title: str, *lines: str) -> None:
    ws["A1"] = title
    ws["A1"].style = "Headline 1"  # Excel's "Heading 1": screen readers announce it
    for row, line in enumerate(lines, 2):
        ws.cell(row=row, column=1, value=line)


def _add_table(ws: Worksheet, name: str, first_row: int, n_columns: int, n_rows: int) -> None:
    # An Excel Table needs a data row; an empty breakdown gets one empty row.
    last_row = first_row + max(n_rows, 1)
    ref = f"A{first_row}:{get_column_letter(n_columns)}{last_row}"
    table = Table(displayName=name, ref=ref)
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


def _write_table_sheet(ws: Worksheet, spec: TableSheet, year: int) -> None:
    _write_title_block(
        ws,
        spec.title,
        f"This worksheet contains one table. Source: {SOURCE}, reference year {year}.",
        spec.notes_line,
    )
    rows = spec.frame.select(c.source for c in spec.columns).rows()
    for index, column in enumerate(spec.columns, 1):
        numeric = column.kind != "text"
        header = ws.cell(row=HEADER_ROW, column=index, value=column.header)
        header.font = BOLD
        # Numbers are right-aligned, so their headers are too.
        header.alignment = Alignment(
            wrap_text=True, vertical="bottom", horizontal="right" if numeric else "left"
        )
        for offset, row in enumerate(rows, 1):
            value = _cell_value(row[index - 1])
            if value is None:
                continue  # not reported: an empty cell, explained in the notes
            cell = ws.cell(row=HEADER_ROW + offset, column=index, value=value)
            if numeric:
                cell.number_format = NUMBER_FORMATS[column.kind]
    widths = []
    for index, column in enumerate(spec.columns, 1):
        longest = max((len(_shown(r[index - 1], column.kind)) for r in rows), default=0)
        # Headers wrap; a long header gets a moderate width and more lines.
        # Capitals and digits are wider than the average character, hence the 1.2.
        width = min(round(max(longest * 1.2, min(len(column.header), 18), 8)) + 2, 50)
        ws.column_dimensions[get_column_letter(index)].width = width
        widths.append(_header_lines(column.header, width))
    ws.row_dimensions[HEADER_ROW].height = 15 * max(widths)
    _add_table(ws, spec.table_name, HEADER_ROW, len(spec.columns), len(rows))
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    _print_setup(ws, HEADER_ROW)


def _write_notes_sheet(ws: Worksheet, notes: _Notes) -> None:
    _write_title_block(
        ws,
        "Notes",
        "This worksheet contains one table. Tables refer to these notes as [note 1], "
        "[note 2] and so on, in their column headers and above the table.",
    )
    header_row = 3
    for column, header in enumerate(("Note number", "Note text"), 1):
        cell = ws.cell(row=header_row, column=column, value=header)
        cell.font = BOLD
    text_width = 100
    for offset, (_key, text) in enumerate(notes.items, 1):
        row = header_row + offset
        ws.cell(row=row, column=1, value=f"note {offset}").alignment = Alignment(vertical="top")
        ws.cell(row=row, column=2, value=text).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 15 * len(textwrap.wrap(text, text_width - 5))
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = text_width
    _add_table(ws, "notes_table", header_row, 2, len(notes.items))
    ws.freeze_panes = f"A{header_row + 1}"
    _print_setup(ws, header_row)


def _write_cover(
    ws: Worksheet,
    *,
    year: int,
    published: datetime | None,
    contents: Sequence[tuple[str, str]],
) -> None:
    _write_title_block(
        ws,
        f"CICOPA annual statistics {year}: statistical annex",
        "This workbook contains the statistical annex to CICOPA's annual statistics: members, "
        "affiliated enterprises,",
        "employment, women and turnover by area, by economic sector and by cooperative type, "
        "and the coverage of the annual survey.",
    )
    facts = [
        ("Reference year", f"{year} (calendar year)"),
        ("Source", SOURCE),
        ("Publisher", PUBLISHER),
    ]
    if published is not None:
        facts.append(("Publication date", f"{published.day} {published:%B %Y}"))
    facts += [
        ("Contact", CONTACT),
        ("Notes", "Definitions and notes are on the Notes sheet. An empty cell in a table means "
         "the figure was not reported."),
    ]  # fmt: skip
    row = 4
    for heading, text in facts:
        ws.cell(row=row, column=1, value=heading).style = "Headline 2"
        ws.cell(row=row + 1, column=1, value=text)
        row += 2
    ws.cell(row=row, column=1, value="Table of contents").style = "Headline 2"
    ws.cell(
        row=row + 1,
        column=1,
        value="This table lists the worksheets in this workbook; select a name to go there.",
    )
    header_row = row + 2
    for column, header in enumerate(("Worksheet name", "Description"), 1):
        ws.cell(row=header_row, column=column, value=header).font = BOLD
    for offset, (sheet, description) in enumerate(contents, 1):
        link = ws.cell(row=header_row + offset, column=1, value=sheet)
        # An in-workbook link (location, no target) needs no external relationship.
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{sheet}'!A1", display=sheet)
        link.style = "Hyperlink"  # underlined, so not colour alone
        ws.cell(row=header_row + offset, column=2, value=description)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = max(len(d) for _, d in contents) + 2
    _add_table(ws, "table_of_contents", header_row, 2, len(contents))
    _print_setup(ws, None)


def _fixed_time(year: int, published: str | None) -> datetime:
    if published is None:
        return datetime(year + 1, 1, 1)
    moment = datetime.fromisoformat(published)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def annex_bytes(
    *,
    year: int,
    by_area: pl.DataFrame,
    by_sector: pl.DataFrame,
    by_type: pl.DataFrame,
    submissions: pl.DataFrame,
    sector_names: Mapping[str, str],
    type_names: Mapping[str, str],
    fx_source: str,
    published: str | None = None,
) -> bytes:
    """The annex workbook for `year`, as the bytes of an .xlsx file.

    `by_area`, `by_sector`, `by_type` and `submissions` have the columns of SPEC section 3;
    `published` is an ISO date (or datetime) for the cover and the document properties,
    which otherwise carry 1 January of the following year.
    """
    notes = _Notes(_notes(fx_source))
    tables = (
        _table_1(year, by_area, notes),
        _breakdown_sheet(
            number=2, year=year, frame=by_sector, by_area=by_area, key="sector",
            names=sector_names, notes=notes,
        ),
        _breakdown_sheet(
            number=3, year=year, frame=by_type, by_area=by_area, key="cooperative_type",
            names=type_names, notes=notes,
        ),
        _table_4(year, by_area, submissions, notes),
    )  # fmt: skip
    contents = [
        ("Notes", "Numbered notes: definitions, sources and what empty cells mean"),
        *((t.sheet, t.description) for t in tables),
    ]
    stamp = _fixed_time(year, published)

    workbook = Workbook()
    cover = workbook.active
    assert cover is not None
    cover.title = "Cover"
    _write_cover(cover, year=year, published=stamp if published else None, contents=contents)
    _write_notes_sheet(workbook.create_sheet("Notes"), notes)
    for table in tables:
        _write_table_sheet(workbook.create_sheet(table.sheet), table, year)

    properties = workbook.properties
    properties.title = f"CICOPA annual statistics {year}: statistical annex"
    properties.subject = f"Statistical annex, reference year {year}"
    properties.creator = "CICOPA"
    properties.lastModifiedBy = "CICOPA"
    properties.language = "en"
    properties.keywords = "CICOPA; cooperatives; statistics; employment"
    properties.created = stamp
    properties.modified = stamp

    raw = io.BytesIO()
    # ExcelWriter rather than Workbook.save: save() stamps `modified` with the clock.
    ExcelWriter(workbook, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    return stable_zip(raw.getvalue())
