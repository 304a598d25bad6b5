"""The statistical annex workbooks (en, fr, es), read back with openpyxl and fastexcel.

Hand-made statistics (one region, two countries; WORLD equals EUROPE):
  IT  20 ent, 150 wm, 40 emp, 100 pm -> 190 in cooperatives, 290 employed; women 120
      (share 120/290 = 0.4138); turnover 1,250,000.50 USD; new 3, transfers 1
  FR  10 ent,  50 wm, 10 emp,   0 pm ->  60 in cooperatives,  60 employed; nothing optional
  WORLD/EUROPE 47 registered, 45 reporting (response rate 45/47 = 0.9574)
Submission files: IT accepted + superseded, FR accepted + rejected, XX-FOO rejected (no
such country), one unreadable file with no member: WORLD 6, EUROPE 4, not allocated 2.
Trends, coverage and estimates are frames in the shape of SPEC trends.csv, coverage.csv
and estimates.csv, with the figures worked out in the comments beside them.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from typing import Any

import fastexcel
import polars as pl
import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from cicopa.outputs import csv_bytes
from cicopa.statistics import for_csv
from reports.annex import AnnexData, Release, annex_bytes

LANGS = ("en", "fr", "es")
EUROPE = "Europe (CECOP – CICOPA Europe)"
MARKER = r"\[(?:note|nota) (\d+)\]"
SHORTHANDS = {"[x]", "[z]"}
MEASURES = (
    "enterprises", "worker_members", "employees", "producer_members",
    "employment_in_cooperatives", "employment_total",
)  # fmt: skip
FX_SOURCE = (
    "Annual average exchange rates from the IMF International Financial Statistics "
    "and national central banks, rounded (reference/fx_rates.csv)."
)
HOSTILE = '=HYPERLINK("http://evil.example","x")'


def _by_area() -> pl.DataFrame:
    world = {
        "members_registered": 47, "members_reporting": 45, "response_rate": 0.9574,
        "countries_reporting": 2, "enterprises": 30, "worker_members": 200, "employees": 50,
        "producer_members": 100, "employment_in_cooperatives": 250, "employment_total": 350,
        "women": 120, "women_share": 0.4138, "turnover_usd": 1_250_000.5,
        "new_enterprises": 3, "transfers": 1,
    }  # fmt: skip
    italy = {
        **world, "members_registered": 45, "members_reporting": 44, "response_rate": 0.9778,
        "countries_reporting": 1, "enterprises": 20, "worker_members": 150, "employees": 40,
        "employment_in_cooperatives": 190, "employment_total": 290,
    }  # fmt: skip
    france = {
        "members_registered": 2, "members_reporting": 1, "response_rate": 0.5,
        "countries_reporting": 1, "enterprises": 10, "worker_members": 50, "employees": 10,
        "producer_members": 0, "employment_in_cooperatives": 60, "employment_total": 60,
        "women": None, "women_share": None, "turnover_usd": None,
        "new_enterprises": None, "transfers": None,
    }  # fmt: skip
    rows = [
        {"level": "global", "area_code": "WORLD", "area_name": "World", "parent_code": None}
        | world,
        {"level": "region", "area_code": "EUROPE", "area_name": EUROPE, "parent_code": "WORLD"}
        | world,
        {"level": "country", "area_code": "FR", "area_name": "France", "parent_code": "EUROPE"}
        | france,
        {"level": "country", "area_code": "IT", "area_name": "Italy", "parent_code": "EUROPE"}
        | italy,
    ]
    schema = {
        "level": pl.String, "area_code": pl.String, "area_name": pl.String,
        "parent_code": pl.String, "members_registered": pl.Int64, "members_reporting": pl.Int64,
        "response_rate": pl.Float64, "countries_reporting": pl.Int64,
        **dict.fromkeys(MEASURES, pl.Int64), "women": pl.Int64, "women_share": pl.Float64,
        "turnover_usd": pl.Float64, "new_enterprises": pl.Int64, "transfers": pl.Int64,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def _breakdown(key: str, rows: list[tuple[str, str, str, int, int, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"level": lv, "area_code": area, key: code, "enterprises": ent,
             "worker_members": wm, "employees": emp, "producer_members": pm,
             "employment_in_cooperatives": wm + emp, "employment_total": wm + emp + pm}
            for lv, area, code, ent, wm, emp, pm in rows
        ]
    )  # fmt: skip


def _by_sector() -> pl.DataFrame:
    return _breakdown(
        "sector",
        [
            ("global", "WORLD", "A", 5, 0, 10, 100),
            ("global", "WORLD", "C", 25, 200, 40, 0),
            ("region", "EUROPE", "A", 5, 0, 10, 100),
            ("region", "EUROPE", "C", 25, 200, 40, 0),
            ("country", "FR", "C", 10, 50, 10, 0),
            ("country", "IT", "A", 5, 0, 10, 100),
            ("country", "IT", "C", 15, 150, 30, 0),
        ],
    )


def _by_type() -> pl.DataFrame:
    return _breakdown(
        "cooperative_type",
        [
            ("global", "WORLD", "producer", 5, 0, 10, 100),
            ("global", "WORLD", "worker", 25, 200, 40, 0),
            ("region", "EUROPE", "producer", 5, 0, 10, 100),
            ("region", "EUROPE", "worker", 25, 200, 40, 0),
            ("country", "FR", "worker", 10, 50, 10, 0),
            ("country", "IT", "producer", 5, 0, 10, 100),
            ("country", "IT", "worker", 15, 150, 30, 0),
        ],
    )


def _submissions() -> pl.DataFrame:
    files = [
        ("2025_IT-A.csv", "IT-A", "accepted"),
        ("2025_IT-A_old.csv", "IT-A", "superseded"),
        ("2025_FR-B.json", "FR-B", "accepted"),
        ("2025_FR-C.xlsx", "FR-C", "rejected"),
        ("2025_XX-FOO.csv", "XX-FOO", "rejected"),
        ("broken.xlsx", None, "unreadable"),
    ]
    return pl.DataFrame(
        {
            "file": [f"submissions/2025/{f}" for f, _, _ in files],
            "sha256": ["0" * 64] * len(files),
            "format": [f.rsplit(".", 1)[1] for f, _, _ in files],
            "member_id": [m for _, m, _ in files],
            "submitted_at": ["2026-02-01"] * len(files),
            "status": [s for _, _, s in files],
            "rows": [2, 2, 1, 1, 1, None],
            "errors": [0, 0, 0, 2, 1, 1],
            "warnings": [0] * len(files),
        }
    )


def _trends() -> pl.DataFrame:
    # WORLD enterprises 25 -> 30: continuing 25 -> 28, joined 2; change 30/25 - 1 = 0.2,
    # like for like 28/25 - 1 = 0.12. EUROPE persons employed 0 -> 350: ratios empty ([z]).
    rows = [
        ("global", "WORLD", "enterprises", 2024, 2025, 25, 30, 40, 25, 28, 2, 0, 0, 0, 0.2, 0.12),
        ("region", "EUROPE", "employment_total", 2024, 2025, 0, 350, 0, 0, 0, 350, 0, 0, 0,
         None, None),
    ]  # fmt: skip
    columns = (
        "level", "area_code", "measure", "previous_year", "year", "previous_value", "value",
        "continuing_members", "continuing_previous", "continuing_value", "joined_value",
        "resumed_value", "left_value", "stopped_value", "change", "change_like_for_like",
    )  # fmt: skip
    return pl.DataFrame(rows, schema=columns, orient="row")


def _coverage() -> pl.DataFrame:
    # WORLD women: 290 of 350 persons employed in rows giving women: 0.8286.
    rows = [
        ("global", "WORLD", "women", 45, 44, 350, 290, 0.8286),
        ("country", "FR", "turnover", 1, 0, 60, 0, 0.0),
        ("country", "FR", "women", 1, 0, 0, 0, None),  # nobody employed: [z]
    ]
    columns = (
        "level", "area_code", "item", "members_reporting", "members_reporting_item",
        "employment_total", "employment_total_item", "coverage",
    )  # fmt: skip
    return pl.DataFrame(rows, schema=columns, orient="row")


def _estimates() -> pl.DataFrame:
    # FR: one member imputed with 2 ent, 10 wm -> 12 ent, 70 employed, 10 imputed: 0.1429.
    # WORLD = EUROPE = FR + IT: 32 ent, 360 employed, 10 imputed: 10/360 = 0.0278.
    rows = [
        ("global", "WORLD", 47, 45, 1, 1, 32, 210, 50, 100, 260, 360, 10, 0.0278),
        ("region", "EUROPE", 47, 45, 1, 1, 32, 210, 50, 100, 260, 360, 10, 0.0278),
        ("country", "FR", 2, 1, 1, 0, 12, 60, 10, 0, 70, 70, 10, 0.1429),
        ("country", "IT", 45, 44, 0, 1, 20, 150, 40, 100, 190, 290, 0, 0.0),
    ]
    columns = (
        "level", "area_code", "members_registered", "members_reporting", "members_imputed",
        "members_not_estimated", *MEASURES, "employment_total_imputed", "imputed_share",
    )  # fmt: skip
    return pl.DataFrame(rows, schema=columns, orient="row")


def _data(**overrides: Any) -> AnnexData:
    arguments: dict[str, Any] = {
        "year": 2025,
        "by_area": _by_area(),
        "by_sector": _by_sector(),
        "by_type": _by_type(),
        "submissions": _submissions(),
        "fx_rates": pl.DataFrame(
            {"year": [2025, 2025], "currency": ["USD", "EUR"], "per_usd": [1.0, 0.9234]}
        ),
        "reporting_members": pl.DataFrame(
            {
                "member_id": ["IT-A", "FR-B"],
                "name": ["Legacoop", HOSTILE],
                "country": ["IT", "FR"],
                "country_name": ["Italy", "France"],
                "region": ["EUROPE", "EUROPE"],
            }
        ),
        "fx_source": FX_SOURCE,
        "trends": _trends(),
        "coverage": _coverage(),
        "estimates": _estimates(),
    } | overrides
    return AnnexData(**arguments)


def _annex(lang: str = "en", release: Release | None = None, **overrides: Any) -> bytes:
    return annex_bytes(_data(**overrides), lang=lang, release=release)


@pytest.fixture(scope="module", params=LANGS)
def annex(request: pytest.FixtureRequest) -> tuple[str, bytes]:
    return request.param, _annex(request.param)


@pytest.fixture(scope="module")
def english() -> Workbook:
    return load_workbook(io.BytesIO(_annex("en")))


def _book(annex: tuple[str, bytes]) -> Workbook:
    return load_workbook(io.BytesIO(annex[1]))


TABLES = (
    "by_area", "by_sector", "by_type", "trends", "coverage", "estimates",
    "submission_files", "exchange_rates", "reporting_members",
)  # fmt: skip
SHEET_PREFIX = {"en": "Table_", "fr": "Tableau_", "es": "Cuadro_"}


def _table_sheets(book: Workbook) -> list[Worksheet]:
    return [ws for ws in book.worksheets if ws.title[-1].isdigit()]


def _headers(ws: Worksheet) -> list[str]:
    return [c.value for c in ws[4]]


def _table_cells(ws: Worksheet) -> list[list[Any]]:
    (table,) = ws.tables.values()
    _first, last = table.ref.split(":")
    last_row = int(re.sub(r"[A-Z]", "", last))
    return [[c.value for c in row] for row in ws.iter_rows(min_row=5, max_row=last_row)]


def _row(ws: Worksheet, area_code: str, column: int = 1) -> dict[str, Any]:
    """The data row of an area, keyed by header (without its note markers)."""
    headers = [re.sub(r"\s*" + MARKER, "", h) for h in _headers(ws)]
    for row in ws.iter_rows(min_row=5):
        if row[column].value == area_code:
            return {h: c for h, c in zip(headers, row, strict=True)}
    raise AssertionError(f"{area_code} not in {ws.title}")


# --- every language ----------------------------------------------------------------------


def test_sheets_are_named_in_the_language(annex: tuple[str, bytes]) -> None:
    lang, _ = annex
    book = _book(annex)
    cover, notes = {"en": ("Cover", "Notes"), "fr": ("Couverture", "Notes"),
                    "es": ("Portada", "Notas")}[lang]  # fmt: skip
    tables = [f"{SHEET_PREFIX[lang]}{n}" for n in range(1, 10)]
    assert book.sheetnames == [cover, notes, *tables]


def test_each_table_is_an_excel_table_over_header_and_rows(annex: tuple[str, bytes]) -> None:
    book = _book(annex)
    # rows: 4 areas, 7 sectors, 7 types, 2 trends, 3 coverage, 4 estimates,
    # World + Europe + not allocated, 2 currencies, 2 members
    expected_rows = (4, 7, 7, 2, 3, 4, 3, 2, 2)
    sheets = _table_sheets(book)
    assert [list(ws.tables) for ws in sheets] == [[t] for t in TABLES]
    for ws, rows in zip(sheets, expected_rows, strict=True):
        last_column = ws.cell(row=4, column=ws.max_column).column_letter
        assert ws.tables[next(iter(ws.tables))].ref == f"A4:{last_column}{4 + rows}", ws.title
        assert ws.max_row == 4 + rows  # nothing below the table
        assert all(_headers(ws))  # no blank column inside the table
        assert ws.freeze_panes == "A5"
    assert list(book.worksheets[0].tables) == ["contents"]
    assert list(book.worksheets[1].tables) == ["notes"]
    for ws in book.worksheets:
        assert not ws.merged_cells.ranges, ws.title


def test_only_the_two_shorthands_stand_for_missing_values(annex: tuple[str, bytes]) -> None:
    book = _book(annex)
    seen: set[str] = set()
    for ws in _table_sheets(book):
        rows = _table_cells(ws)
        for index in range(len(rows[0])):
            column = [r[index] for r in rows]
            assert all(v is not None and v != "" for v in column), (ws.title, index)
            numbers = [v for v in column if not isinstance(v, str)]
            texts = {v for v in column if isinstance(v, str)}
            if numbers:  # a figure column: any text in it is a shorthand
                assert texts <= SHORTHANDS, (ws.title, index, texts)
                seen |= texts
            bracketed = {t for t in texts if re.fullmatch(r"\[.*\]", t)}
            assert bracketed <= SHORTHANDS
    assert seen == SHORTHANDS
    notes = " ".join(str(c.value) for c in book.worksheets[1]["B"])
    assert "[x]" in notes and "[z]" in notes


def test_names_no_path(annex: tuple[str, bytes]) -> None:
    book = _book(annex)
    texts = [
        v for ws in book.worksheets for row in ws.iter_rows(values_only=True)
        for v in row if isinstance(v, str)
    ]  # fmt: skip
    props = book.properties
    texts += [props.title, props.subject, props.keywords, props.creator]
    for text in texts:
        assert not re.search(r"\w/\w|\\|\.csv\b|raw_data|reference/", text), text
    # The exchange-rate source is still named, without its file.
    notes = " ".join(str(c.value) for c in book.worksheets[1]["B"])
    assert ("IMF" if annex[0] == "en" else "FMI") in notes


def test_text_cells_are_formula_safe(annex: tuple[str, bytes]) -> None:
    book = _book(annex)
    members = _table_sheets(book)[-1]
    names = [r[1] for r in _table_cells(members)]
    assert "'" + HOSTILE in names
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)


def test_same_inputs_same_bytes(annex: tuple[str, bytes]) -> None:
    lang, data = annex
    assert _annex(lang) == data
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    core = archive.read("docProps/core.xml").decode()
    assert "2026-04-01T00:00:00Z" in core  # the calendar's publication day (1 April)
    assert re.search(rf"<dc:language[^>]*>{lang}</dc:language>", core)


# --- translated ----------------------------------------------------------------------------


HEADERS = {  # Table 1 headers, without note markers, written out by hand
    "fr": ("Niveau", "Code de la zone", "Nom de la zone", "Zone parente",
           "Membres inscrits (nombre)", "Taux de réponse (%)", "Personnes occupées (nombre)",
           "Chiffre d’affaires (dollars US)"),
    "es": ("Nivel", "Código de la zona", "Nombre de la zona", "Zona superior",
           "Miembros registrados (número)", "Tasa de respuesta (%)",
           "Personas ocupadas (número)", "Volumen de negocios (US$)"),
}  # fmt: skip


@pytest.mark.parametrize("lang", ("fr", "es"))
def test_headers_titles_and_names_are_translated(lang: str, english: Workbook) -> None:
    book = load_workbook(io.BytesIO(_annex(lang)))
    english_texts = {
        v for ws in english.worksheets for row in ws.iter_rows(values_only=True)
        for v in row if isinstance(v, str) and " " in v
    }  # fmt: skip
    table_1 = _table_sheets(book)[0]
    headers = [re.sub(r"\s*" + MARKER, "", h) for h in _headers(table_1)]
    for expected in HEADERS[lang]:
        assert expected in headers, (lang, expected)
    for ws in _table_sheets(book):
        for header in _headers(ws):
            assert header not in english_texts or header.startswith(("Description", "Source")), (
                lang, header)  # fmt: skip
        assert ws["A1"].value.startswith({"fr": "Tableau ", "es": "Cuadro "}[lang])
    world = _row(table_1, "WORLD")
    assert world["Nom de la zone" if lang == "fr" else "Nombre de la zona"].value == (
        "Monde" if lang == "fr" else "Mundo"
    )
    italy = _row(table_1, "IT")
    assert italy[HEADERS[lang][2]].value == {"fr": "Italie", "es": "Italia"}[lang]
    notes = [c.value for c in book.worksheets[1]["B"][3:]]
    english_notes = [c.value for c in english.worksheets[1]["B"][3:]]
    assert len(notes) == len(english_notes)
    assert not set(notes) & set(english_notes)
    cover = [c.value for c in book.worksheets[0]["A"] if c.value]
    assert {"fr": "1 avril 2026", "es": "1 de abril de 2026"}[lang] in cover


# --- the figures -----------------------------------------------------------------------------

# Table 1 header (English, no note marker) -> by_area.csv column.
BY_AREA_HEADERS = {
    "Members registered (number)": "members_registered",
    "Members reporting (number)": "members_reporting",
    "Response rate (%)": "response_rate",
    "Countries reporting (number)": "countries_reporting",
    "Enterprises (number)": "enterprises",
    "Worker-members (number)": "worker_members",
    "Employees (number)": "employees",
    "Producer-members (number)": "producer_members",
    "Employment in cooperatives (number)": "employment_in_cooperatives",
    "Persons employed (number)": "employment_total",
    "Women (number)": "women",
    "Women’s share of persons employed (%)": "women_share",
    "Turnover (US$)": "turnover_usd",
    "New enterprises (number)": "new_enterprises",
    "Transfers to employees (number)": "transfers",
}


def test_figures_equal_the_published_csv(english: Workbook) -> None:
    """Every figure of Table 1 is by_area.csv's value; an empty CSV field is [x]."""
    published = list(csv.DictReader(io.StringIO(csv_bytes(for_csv(_by_area())).decode())))
    table_1 = _table_sheets(english)[0]
    for record in published:
        row = _row(table_1, record["area_code"])
        for header, column in BY_AREA_HEADERS.items():
            cell = row[header].value
            if record[column] == "":
                assert cell == "[x]", (record["area_code"], header)
            else:
                assert cell == pytest.approx(float(record[column]), abs=0), (header, cell)
    assert len(published) == 4


def test_values_read_back(english: Workbook) -> None:
    table_1 = _table_sheets(english)[0]
    world = _row(table_1, "WORLD")
    assert world["Level"].value == "World"
    assert world["Parent area"].value == "[z]"  # the World has no parent
    assert world["Response rate (%)"].value == 0.9574
    assert world["Response rate (%)"].number_format == "0.00%"
    assert world["Persons employed (number)"].value == 350
    assert world["Persons employed (number)"].number_format == "#,##0"
    italy = _row(table_1, "IT")
    assert italy["Parent area"].value == EUROPE
    assert italy["Turnover (US$)"].value == 1_250_000.5
    assert italy["Women’s share of persons employed (%)"].value == 0.4138
    france = _row(table_1, "FR")
    for header in ("Women (number)", "Turnover (US$)", "New enterprises (number)"):
        assert france[header].value == "[x]", header  # not reported
    assert france["Producer-members (number)"].value == 0  # a reported zero stays a zero


def test_trends_coverage_and_estimates(english: Workbook) -> None:
    trends, coverage, estimates = _table_sheets(english)[3:6]
    rows = _table_cells(trends)
    assert rows[0][3:] == ["Enterprises", 2024, 2025, 25, 30, 40, 25, 28, 2, 0, 0, 0, 0.2, 0.12]
    assert rows[1][3] == "Persons employed"
    assert rows[1][-2:] == ["[z]", "[z]"]  # change from zero: not applicable
    assert trends.cell(row=5, column=6).number_format == "0"  # a year, not "2,024"
    cov = _table_cells(coverage)
    assert cov[0][3:] == ["Women", 45, 44, 350, 290, 0.8286]
    assert cov[2][-1] == "[z]"
    est = {r[1]: r for r in _table_cells(estimates)}
    assert est["FR"][3:] == [2, 1, 1, 0, 12, 60, 10, 0, 70, 70, 10, 0.1429]
    assert est["WORLD"][-2:] == [10, 0.0278]


def test_survey_files_exchange_rates_and_members(english: Workbook) -> None:
    files, rates, members = _table_sheets(english)[6:]
    rows = {r[1]: r[3:] for r in _table_cells(files)}
    assert rows["WORLD"] == [47, 45, 0.9574, 6, 2, 2, 1, 1]
    assert rows["EUROPE"] == [47, 45, 0.9574, 4, 2, 1, 1, 0]
    assert rows["[z]"] == ["[z]", "[z]", "[z]", 2, 0, 1, 0, 1]  # files of no known member
    assert _table_cells(rates) == [["EUR", "Euro", 0.9234], ["USD", "US Dollar", 1]]
    # Sorted by country name: France before Italy.
    assert [r[0] for r in _table_cells(members)] == ["FR-B", "IT-A"]
    assert _table_cells(members)[1] == ["IT-A", "Legacoop", "IT", "Italy", EUROPE]


def test_optional_tables_are_left_out_when_not_given() -> None:
    book = load_workbook(io.BytesIO(_annex("en", trends=None, coverage=None, estimates=None)))
    assert [next(iter(ws.tables)) for ws in _table_sheets(book)] == [
        "by_area", "by_sector", "by_type", "submission_files", "exchange_rates",
        "reporting_members",
    ]  # fmt: skip
    assert book.sheetnames[-1] == "Table_6"
    assert book["Table_4"]["A1"].value.startswith("Table 4: Survey response")


def test_cover_release_metadata_and_contents(english: Workbook) -> None:
    cover = english.worksheets[0]
    texts = [c.value for c in cover["A"] if c.value]
    assert cover["A1"].value == "CICOPA annual statistics 2025: statistical annex"
    for expected in (
        "Published",
        "1 April 2026",
        "Next release",
        "1 April 2027",
        "Revisions",
        "First edition: no figure has been revised.",
        "statistics@cicopa.coop",
    ):
        assert expected in texts, expected  # fmt: skip
    (contents,) = cover.tables.values()
    first = int(re.findall(r"\d+", contents.ref)[0])
    links = [cover.cell(row=r, column=1) for r in range(first + 1, cover.max_row + 1)]
    assert [c.value for c in links] == english.sheetnames[1:]
    for link in links:
        assert link.hyperlink.location == f"'{link.value}'!A1"


def test_a_revised_edition_says_so_and_dates_come_from_the_release() -> None:
    revisions = pl.DataFrame(
        {"revision": [1, 1, 1], "level": ["global"] * 3, "area_code": ["WORLD"] * 3,
         "measure": ["enterprises", "employment_total", "members_reporting"],
         "previous": [29, 340, 44], "revised": [30, 350, 45], "reason": ["added"] * 3}
    )  # fmt: skip
    release = Release(date(2026, 6, 30), date(2027, 5, 1), revisions)
    book = load_workbook(io.BytesIO(_annex("en", release)))
    texts = [c.value for c in book.worksheets[0]["A"] if c.value]
    assert "30 June 2026" in texts and "1 May 2027" in texts
    assert any(t.startswith("Edition 2: 3 figures") for t in texts)
    assert book.properties.created == datetime(2026, 6, 30)


def test_every_note_marker_is_a_note(english: Workbook) -> None:
    notes = english.worksheets[1]
    numbered = {c.value for c in notes["A"][3:]}
    assert numbered == {f"note {n}" for n in range(1, len(numbered) + 1)}
    cells = [v for ws in english.worksheets for row in ws.iter_rows(values_only=True) for v in row]
    used = {f"note {n}" for v in cells if isinstance(v, str) for n in re.findall(MARKER, v)}
    assert used and used <= numbered


def test_empty_breakdown_still_a_valid_table() -> None:
    book = load_workbook(io.BytesIO(_annex("en", by_sector=_by_sector().clear())))
    assert book["Table_2"].tables["by_sector"].ref == "A4:K5"
    assert {c.value for c in book["Table_2"][5]} == {"[z]"}


def test_decimal_columns_as_written_to_csv_give_the_same_workbook() -> None:
    assert _annex("en", by_area=for_csv(_by_area())) == _annex("en")


def test_fastexcel_reads_it() -> None:
    reader = fastexcel.read_excel(_annex("es"))
    assert set(TABLES) <= set(reader.table_names())
    by_area = reader.load_table("by_area").to_polars()
    assert by_area["Código de la zona"].to_list() == ["WORLD", "EUROPE", "FR", "IT"]
