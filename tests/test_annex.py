"""The statistical annex workbook, read back with openpyxl and fastexcel.

Hand-made statistics (one region, two countries; WORLD equals EUROPE):
  IT  20 ent, 150 wm, 40 emp, 100 pm -> 190 in cooperatives, 290 employed; women 120
      (share 120/290 = 0.4138); turnover 1,250,000.50 USD; new 3, transfers 1
  FR  10 ent,  50 wm, 10 emp,   0 pm ->  60 in cooperatives,  60 employed; nothing optional
  WORLD/EUROPE 47 registered, 45 reporting (response rate 45/47 = 0.9574)
Submission files: IT accepted + superseded, FR accepted + rejected, XX-FOO rejected (no
such country), one unreadable file with no member: WORLD 6, EUROPE 4, not allocated 2.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from typing import Any

import fastexcel
import polars as pl
import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from cicopa.annex import annex_bytes
from cicopa.columns import COOPERATIVE_TYPES, ISIC_SECTIONS
from cicopa.statistics import for_csv

TABLE_SHEETS = {
    "Table_1": "table_1_by_area",
    "Table_2": "table_2_by_sector",
    "Table_3": "table_3_by_type",
    "Table_4": "table_4_coverage",
}
EUROPE = "Europe (CECOP – CICOPA Europe)"
MARKER = r"\[note (\d+)\]"
MEASURES = (
    "enterprises", "worker_members", "employees", "producer_members",
    "employment_in_cooperatives", "employment_total",
)  # fmt: skip


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


def _annex(**overrides: Any) -> bytes:
    arguments: dict[str, Any] = {
        "year": 2025,
        "by_area": _by_area(),
        "by_sector": _by_sector(),
        "by_type": _by_type(),
        "submissions": _submissions(),
        "sector_names": ISIC_SECTIONS,
        "type_names": COOPERATIVE_TYPES,
        "fx_source": "IMF International Financial Statistics",
    } | overrides
    return annex_bytes(**arguments)


@pytest.fixture(scope="module")
def annex() -> bytes:
    return _annex()


@pytest.fixture(scope="module")
def workbook(annex: bytes) -> Workbook:
    return load_workbook(io.BytesIO(annex))


def _headers(ws: Worksheet) -> list[str]:
    return [c.value for c in ws[4]]


def _row(ws: Worksheet, area_code: str) -> dict[str, Any]:
    """The data row of an area, keyed by header (without its note markers)."""
    headers = [re.sub(r"\s*" + MARKER, "", h) for h in _headers(ws)]
    for row in ws.iter_rows(min_row=5):
        if row[1].value == area_code:
            return {h: c for h, c in zip(headers, row, strict=True)}
    raise AssertionError(f"{area_code} not in {ws.title}")


def test_sheets_in_order(workbook: Workbook) -> None:
    assert workbook.sheetnames == ["Cover", "Notes", "Table_1", "Table_2", "Table_3", "Table_4"]


def test_no_merged_cells(workbook: Workbook) -> None:
    for ws in workbook.worksheets:
        assert not ws.merged_cells.ranges, ws.title


def test_each_table_sheet_has_one_table_covering_header_and_rows(workbook: Workbook) -> None:
    expected_rows = {"Table_1": 4, "Table_2": 7, "Table_3": 7, "Table_4": 3}
    for sheet, name in TABLE_SHEETS.items():
        ws = workbook[sheet]
        assert list(ws.tables) == [name]
        last_column = ws.cell(row=4, column=ws.max_column).column_letter
        assert ws.tables[name].ref == f"A4:{last_column}{4 + expected_rows[sheet]}"
        assert ws.max_row == 4 + expected_rows[sheet]  # nothing below the table
        assert all(h for h in _headers(ws))  # no blank column inside the table
        assert ws.freeze_panes == "A5"
        assert ws["A1"].value.startswith(f"Table {sheet[-1]}: ")
        assert ws["A1"].value.endswith(", 2025")
        assert ws["A2"].value.startswith("This worksheet contains one table. Source: ")
        assert ws["A3"].value.startswith("Notes: see the Notes sheet [note ")


def test_table_titles(workbook: Workbook) -> None:
    assert workbook["Table_1"]["A1"].value == (
        "Table 1: Members, enterprises and employment by area, 2025"
    )


def test_headers_carry_units(workbook: Workbook) -> None:
    table_1 = " | ".join(_headers(workbook["Table_1"]))
    units = (
        "Persons employed (number)", "Response rate (%)", "Turnover (US$)",
        "Women's share of persons employed (%)", "Employment in cooperatives (number)",
    )  # fmt: skip
    for unit in units:
        assert unit in table_1
    for sheet in ("Table_2", "Table_3"):
        assert "Persons employed (number)" in " | ".join(_headers(workbook[sheet]))


def test_values_read_back(workbook: Workbook) -> None:
    world = _row(workbook["Table_1"], "WORLD")
    assert world["Level"].value == "World"
    assert world["Parent area"].value is None
    assert world["Response rate (%)"].value == 0.9574
    assert "%" in world["Response rate (%)"].number_format
    assert world["Members registered (number)"].value == 47
    assert world["Persons employed (number)"].value == 350
    assert world["Persons employed (number)"].number_format == "#,##0"

    italy = _row(workbook["Table_1"], "IT")
    assert italy["Level"].value == "Country"
    assert italy["Parent area"].value == EUROPE
    assert italy["Turnover (US$)"].value == 1_250_000.5
    assert italy["Women's share of persons employed (%)"].value == 0.4138
    assert italy["Employment in cooperatives (number)"].value == 190

    europe = _row(workbook["Table_1"], "EUROPE")
    assert europe["Level"].value == "Region"
    assert europe["Area name"].value == EUROPE


def test_not_reported_is_an_empty_cell(workbook: Workbook) -> None:
    france = _row(workbook["Table_1"], "FR")
    unreported = (
        "Women (number)", "Women's share of persons employed (%)", "Turnover (US$)",
        "New enterprises (number)", "Transfers to employees (number)",
    )  # fmt: skip
    for header in unreported:
        assert france[header].value is None, header
    # A reported zero stays a zero.
    assert france["Producer-members (number)"].value == 0


def test_breakdowns_name_sectors_types_and_areas(workbook: Workbook) -> None:
    table_2 = list(workbook["Table_2"].iter_rows(min_row=5, values_only=True))
    world_a = ("World", "WORLD", "World", "A", ISIC_SECTIONS["A"], 5, 0, 10, 100, 10, 110)
    assert table_2[0] == world_a
    assert table_2[4][:5] == ("Country", "FR", "France", "C", "Manufacturing")
    table_3 = list(workbook["Table_3"].iter_rows(min_row=5, values_only=True))
    assert table_3[-1][:5] == ("Country", "IT", "Italy", "worker", "Worker cooperatives")
    assert table_3[-1][-1] == 180


def test_coverage_counts_files_by_status(workbook: Workbook) -> None:
    ws = workbook["Table_4"]
    # area name -> registered, reporting, rate, files, accepted, rejected, superseded, unreadable
    rows = {r[2]: r[3:] for r in ws.iter_rows(min_row=5, values_only=True)}
    assert rows["World"] == (47, 45, 0.9574, 6, 2, 2, 1, 1)
    assert rows[EUROPE] == (47, 45, 0.9574, 4, 2, 1, 1, 0)
    not_allocated = next(r for r in ws.iter_rows(min_row=5, values_only=True) if r[1] is None)
    assert not_allocated[0] == "Not allocated"
    assert not_allocated[3:] == (None, None, None, 2, 0, 1, 0, 1)


def test_cover_and_contents(workbook: Workbook) -> None:
    cover = workbook["Cover"]
    assert cover["A1"].value == "CICOPA annual statistics 2025: statistical annex"
    texts = [c.value for c in cover["A"] if c.value]
    assert "Annual survey of CICOPA member organisations" in texts
    assert "statistics@cicopa.coop" in texts
    (contents,) = cover.tables.values()
    first = int(re.findall(r"\d+", contents.ref)[0])
    links = [cover.cell(row=r, column=1) for r in range(first + 1, cover.max_row + 1)]
    assert [c.value for c in links] == workbook.sheetnames[1:]
    for link in links:
        assert link.hyperlink.location == f"'{link.value}'!A1"


def test_every_note_marker_is_a_note(workbook: Workbook) -> None:
    notes = workbook["Notes"]
    numbered = {c.value for c in notes["A"][3:]}
    assert numbered == {f"note {n}" for n in range(1, len(numbered) + 1)}
    cells = [v for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for v in row]
    used = {f"note {n}" for v in cells if isinstance(v, str) for n in re.findall(MARKER, v)}
    assert used and used <= numbered
    texts = " ".join(c.value for c in notes["B"][3:])
    phrases = ("worker-members", "producer-members", "20th", "IMF International", "not reported")
    for phrase in phrases:
        assert phrase in texts


def test_same_inputs_same_bytes(annex: bytes) -> None:
    assert _annex() == annex
    archive = zipfile.ZipFile(io.BytesIO(annex))
    # The clock is the only thing that could vary: zip entry times and the core properties.
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    core = archive.read("docProps/core.xml").decode()
    assert "2026-01-01T00:00:00Z" in core


def test_published_date_on_cover_and_in_properties() -> None:
    data = _annex(published="2026-06-30")
    book = load_workbook(io.BytesIO(data))
    assert book.properties.created == datetime(2026, 6, 30)
    assert book.properties.modified == datetime(2026, 6, 30)
    assert "30 June 2026" in [c.value for c in book["Cover"]["A"]]


def test_decimal_columns_as_written_to_csv_give_the_same_workbook(annex: bytes) -> None:
    assert _annex(by_area=for_csv(_by_area())) == annex


def test_empty_breakdown_still_a_valid_table() -> None:
    book = load_workbook(io.BytesIO(_annex(by_sector=_by_sector().clear())))
    assert book["Table_2"].tables["table_2_by_sector"].ref == "A4:K5"


def test_fastexcel_reads_it(annex: bytes) -> None:
    reader = fastexcel.read_excel(annex)
    assert reader.sheet_names == ["Cover", "Notes", "Table_1", "Table_2", "Table_3", "Table_4"]
    assert set(TABLE_SHEETS.values()) <= set(reader.table_names())
    table_1 = reader.load_table("table_1_by_area").to_polars()
    assert table_1["Area code"].to_list() == ["WORLD", "EUROPE", "FR", "IT"]
    rate = next(c for c in table_1.columns if c.startswith("Response rate (%)"))
    assert table_1[rate].to_list() == [0.9574, 0.9574, 0.5, 0.9778]
    sheet_2 = reader.load_sheet("Table_2", header_row=3).to_polars()
    assert sheet_2.height == 7
