"""Write small, hand-made raw-data folders for tests: reference tables and submissions."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import polars as pl

if TYPE_CHECKING:
    from reports.model import ReportData

HEADER = [
    "member_id", "reference_year", "sector", "cooperative_type", "enterprises",
    "worker_members", "employees", "producer_members", "women", "turnover", "currency",
    "new_enterprises", "transfers", "submitted_at", "comment",
]  # fmt: skip

REGIONS = [
    ("country", "country_name", "region", "sub_region"),
    ("IT", "Italy", "EUROPE", ""),
    ("FR", "France", "EUROPE", ""),
    ("US", "United States", "AMERICAS", "NORTH_AMERICA"),
    ("CA", "Canada", "AMERICAS", "NORTH_AMERICA"),
    ("BR", "Brazil", "AMERICAS", "MERCOSUR"),
    ("CO", "Colombia", "AMERICAS", ""),
    ("KE", "Kenya", "AFRICA", ""),
    ("JP", "Japan", "ASIA_PACIFIC", ""),
]

MEMBERS = [
    ("member_id", "name", "country", "membership", "kind", "joined", "left", "language"),
    ("IT-ONE", "Sample federation 1 of Italy", "IT", "full", "representative", "2000", "", "en"),
    ("IT-TWO", "Sample federation 2 of Italy", "IT", "full", "representative", "2010", "", ""),
    ("FR-ONE", "Sample federation 1 of France", "FR", "full", "representative", "2005", "", "fr"),
    ("FR-OLD", "Former federation of France", "FR", "associated", "support", "2001", "2025", ""),
    ("US-ONE", "Sample federation 1 of the USA", "US", "full", "representative", "2012", "", ""),
    ("BR-ONE", "Sample federation 1 of Brazil", "BR", "full", "development", "2015", "", "es"),
    ("CO-ONE", "Sample federation 1 of Colombia", "CO", "associated", "support", "2020", "", ""),
    ("KE-ONE", "Sample federation 1 of Kenya", "KE", "full", "representative", "2018", "", ""),
]

FX_RATES = [
    ("year", "currency", "per_usd"),
    ("2024", "USD", "1"),
    ("2024", "EUR", "0.9"),
    ("2024", "BRL", "4.0"),
    ("2025", "USD", "1"),
    ("2025", "EUR", "0.8"),
    ("2025", "BRL", "5.0"),
]


# Every blocking check of the code location, (asset, check), written out by hand from
# pipelines/assets: each runs in its asset's step and stops the build when it fails.
BLOCKING_CHECKS = frozenset(
    {
        ("area_statistics", "world_equals_sum_of_regions"),
        ("area_statistics", "regions_equal_sum_of_countries"),
        ("area_statistics", "sub_regions_equal_sum_of_countries"),
        ("area_statistics", "employment_identities_hold"),
        ("sector_statistics", "sectors_tie_out_to_areas"),
        ("type_statistics", "types_tie_out_to_areas"),
        ("trend_statistics", "trend_parts_add_up"),
        ("estimate_statistics", "estimates_tie_out"),
        ("estimate_statistics", "estimates_reported_part_is_by_area"),
    }
)


# Every file a full build of 2025 writes under out/2025 (SPEC section 5): the PDF and the
# annex in each language, provenance, the statistics with their SDMX export, validation.
FULL_BUILD_2025 = frozenset(
    {
        "annual_report_2025_en.pdf",
        "annual_report_2025_es.pdf",
        "annual_report_2025_fr.pdf",
        "provenance.json",
        "statistical_annex_2025_en.xlsx",
        "statistical_annex_2025_es.xlsx",
        "statistical_annex_2025_fr.xlsx",
        "statistics/by_area.csv",
        "statistics/by_sector.csv",
        "statistics/by_type.csv",
        "statistics/coverage.csv",
        "statistics/estimates.csv",
        "statistics/imputations.csv",
        "statistics/sdmx/CICOPA_COOP_2025.csv",
        "statistics/sdmx/CICOPA_COOP_2025_structure.xml",
        "statistics/trends.csv",
        "validation/issues.csv",
        "validation/submissions.csv",
    }
)


def file_states(folder: Path) -> dict[str, tuple[str, int]]:
    """Each file under `folder` with its SHA-256 and modification time: a write shows."""
    return {
        p.relative_to(folder).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def write_rows(path: Path, rows: list[tuple[str, ...]] | list[list[Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def make_reference(raw_data: Path) -> Path:
    """The reference tables above under raw_data/reference/."""
    write_rows(raw_data / "reference" / "regions.csv", REGIONS)
    write_rows(raw_data / "reference" / "members.csv", MEMBERS)
    write_rows(raw_data / "reference" / "fx_rates.csv", FX_RATES)
    return raw_data


def row(**values: Any) -> dict[str, Any]:
    """A submission row with valid defaults for the required columns."""
    base: dict[str, Any] = {
        "member_id": "IT-ONE",
        "reference_year": 2025,
        "sector": "C",
        "cooperative_type": "worker",
        "enterprises": 1,
        "worker_members": 10,
        "employees": 2,
        "producer_members": 0,
    }
    base.update(values)
    return base


def _table(rows: list[dict[str, Any]], header: list[str] | None) -> list[list[Any]]:
    columns = header or [c for c in HEADER if any(c in r for r in rows)]
    return [columns, *[[r.get(c) for c in columns] for r in rows]]


def write_csv(
    path: Path,
    rows: list[dict[str, Any]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    header: list[str] | None = None,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for record in _table(rows, header):
        writer.writerow(["" if v is None else v for v in record])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(
    path: Path,
    rows: list[dict[str, Any]],
    *,
    sheet: str = "submission",
    title: str | None = None,
    header: list[str] | None = None,
    trailing_empty_rows: int = 0,
    extra_sheet_first: bool = False,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    first = book.active
    if extra_sheet_first:
        first.title = "read me"
        first.append(["Please fill in the sheet 'submission'."])
        target = book.create_sheet(sheet)
    else:
        first.title = sheet
        target = first
    if title:
        target.append([title])
        target.append([])
    for record in _table(rows, header):
        target.append(record)
    for _ in range(trailing_empty_rows):
        target.append([None])
    book.save(path)
    return path


def write_json(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def json_submission(rows: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    """A JSON submission: top-level keys apply to every row."""
    return {"member_id": "IT-ONE", "reference_year": 2025, **top, "rows": rows}


def write_statistics_fixture(raw_data: Path) -> Path:
    """Reference year 2025 for the statistics tests: 7 registered members, 6 reporting.

    IT-ONE resubmits (the older CSV is superseded by the XLSX), FR-ONE sends a
    Windows-1252 semicolon CSV with decimal commas, BR-ONE reports turnover in
    BRL, KE-ONE's file is rejected (negative employees), FR-OLD left in 2025.
    The expected figures are worked out by hand in tests/test_statistics.py.
    """
    year = raw_data / "submissions" / "2025"
    write_csv(
        year / "IT-ONE_first.csv",
        [row(enterprises=99, worker_members=999, employees=0, currency="EUR",
             submitted_at="2026-01-15")],
    )  # fmt: skip
    write_xlsx(
        year / "IT-ONE_final.xlsx",
        [
            row(enterprises=10, worker_members=100, employees=20, producer_members=0, women=40,
                turnover=1000000, currency="EUR", submitted_at="2026-02-01"),
            row(sector="Q", cooperative_type="social", enterprises=5, worker_members=30,
                employees=10, producer_members=0, women=26, turnover=200000,
                new_enterprises=2, transfers=1, submitted_at="2026-02-01"),
        ],
        title="Annual survey 2025 – Sample federation 1 of Italy",
    )  # fmt: skip
    write_json(
        year / "IT-TWO.json",
        json_submission(
            [{"sector": "A", "cooperative_type": "producer", "enterprises": 3,
              "worker_members": 0, "employees": 5, "producer_members": 300,
              "new_enterprises": 1, "transfers": 0}],
            member_id="IT-TWO",
        ),
    )  # fmt: skip
    write_csv(
        year / "FR-ONE.csv",
        [row(member_id="FR-ONE", enterprises=8, worker_members=60, employees=15, women=20,
             turnover="500000,0", currency="eur", new_enterprises=2, transfers=1,
             comment="Données consolidées, année complète")],
        delimiter=";",
        encoding="cp1252",
    )  # fmt: skip
    write_csv(
        year / "US-ONE.csv",
        [row(member_id="US-ONE", sector="F", enterprises=4, worker_members=40, employees=4,
             women=10, turnover=2000000, currency="USD")],
    )  # fmt: skip
    write_json(
        year / "BR-ONE.json",
        json_submission(
            [{"sector": "A", "cooperative_type": "producer", "enterprises": 6,
              "worker_members": 0, "employees": 10, "producer_members": 500, "women": 150,
              "turnover": 5000000},
             {"sector": "C", "cooperative_type": "worker", "enterprises": 1,
              "worker_members": 9, "employees": 1, "producer_members": 0}],
            member_id="BR-ONE",
            currency="BRL",
        ),
    )  # fmt: skip
    write_csv(
        year / "CO-ONE.csv",
        [row(member_id="CO-ONE", sector="I", enterprises=2, worker_members=12, employees=0,
             women=6)],
    )  # fmt: skip
    write_csv(
        year / "KE-ONE.csv",
        [row(member_id="KE-ONE", enterprises=1, worker_members=5, employees=-1)],
    )
    return raw_data


def accepted_before(raw_data: Path, year: int, years: int = 3) -> dict[int, pl.DataFrame]:
    """The accepted figures of the years before `year`, by year, as the graph passes them."""
    from cicopa.outcomes import validate_year, year_folder
    from cicopa.reference import load_reference

    reference = load_reference(raw_data)
    return {
        y: validate_year(raw_data, reference, y).accepted_rows
        for y in range(year - years, year)
        if year_folder(raw_data, y).is_dir()
    }


SERIES_MEMBERS = [
    ("member_id", "name", "country", "membership", "kind", "joined", "left", "language"),
    ("IT-ONE", "Continuing federation of Italy", "IT", "full", "representative", "2000", "", ""),
    ("IT-NEW", "New federation of Italy", "IT", "full", "representative", "2024", "", ""),
    ("FR-ONE", "Federation of France that skips 2024", "FR", "full", "representative", "2000",
     "", "fr"),
    ("FR-OLD", "Former federation of France", "FR", "full", "support", "2000", "2025", ""),
    ("US-ONE", "Federation of the USA, silent in 2025", "US", "full", "representative", "2000",
     "", ""),
    ("BR-ONE", "Federation of Brazil", "BR", "full", "development", "2000", "", "es"),
    ("CO-ONE", "Federation of Colombia that never reports", "CO", "associated", "support",
     "2000", "", ""),
    ("KE-ONE", "Federation of Kenya, last heard of in 2023", "KE", "full", "representative",
     "2000", "", ""),
    ("JP-ONE", "Federation of Japan, last heard of in 2022", "JP", "full", "representative",
     "2000", "", ""),
]  # fmt: skip

# (member, year) -> (enterprises, worker_members, employees, producer_members) of one row.
SERIES_FIGURES: dict[tuple[str, int], tuple[int, int, int, int]] = {
    ("US-ONE", 2022): (2, 20, 5, 0),
    ("JP-ONE", 2022): (3, 30, 0, 10),
    ("IT-ONE", 2023): (10, 100, 20, 0),
    ("FR-ONE", 2023): (5, 40, 10, 0),
    ("FR-OLD", 2023): (2, 15, 5, 0),
    ("US-ONE", 2023): (4, 30, 6, 4),
    ("BR-ONE", 2023): (6, 0, 10, 200),
    ("KE-ONE", 2023): (3, 20, 20, 6),
    ("IT-ONE", 2024): (11, 110, 22, 0),
    ("IT-NEW", 2024): (4, 40, 8, 5),
    ("FR-OLD", 2024): (2, 16, 4, 0),
    ("US-ONE", 2024): (5, 33, 7, 0),
    ("BR-ONE", 2024): (7, 30, 12, 0),
    ("FR-ONE", 2025): (6, 44, 11, 0),
    ("IT-NEW", 2025): (5, 42, 9, 6),
    ("BR-ONE", 2025): (8, 33, 13, 3),
}


def write_series_fixture(raw_data: Path) -> Path:
    """Reference years 2022..2025 for the series tests (tests/test_series.py works them out).

    IT-NEW joins in 2024, FR-OLD leaves in 2025, FR-ONE skips 2024 and comes back,
    CO-ONE never reports, US-ONE, KE-ONE and JP-ONE fall silent after 2024, 2023 and
    2022. IT-ONE's 2025 answer has two rows, one of them giving the optional items.
    """
    write_rows(raw_data / "reference" / "members.csv", SERIES_MEMBERS)
    for (member, year), (ent, wm, emp, pm) in SERIES_FIGURES.items():
        write_csv(
            raw_data / "submissions" / str(year) / f"{member}.csv",
            [row(member_id=member, reference_year=year, enterprises=ent, worker_members=wm,
                 employees=emp, producer_members=pm)],
        )  # fmt: skip
    extras = {
        "FR-ONE": {"women": 20, "new_enterprises": 0},
        "BR-ONE": {"turnover": 500000, "currency": "BRL"},
        "IT-NEW": {},
    }
    for member, values in extras.items():
        ent, wm, emp, pm = SERIES_FIGURES[(member, 2025)]
        write_csv(
            raw_data / "submissions" / "2025" / f"{member}.csv",
            [row(member_id=member, reference_year=2025, enterprises=ent, worker_members=wm,
                 employees=emp, producer_members=pm, **values)],
        )  # fmt: skip
    write_csv(
        raw_data / "submissions" / "2025" / "IT-ONE.csv",
        [
            row(reference_year=2025, enterprises=10, worker_members=100, employees=20,
                producer_members=0, women=60, turnover=1000000, currency="EUR",
                new_enterprises=1, transfers=0),
            row(reference_year=2025, sector="Q", cooperative_type="social", enterprises=2,
                worker_members=15, employees=5, producer_members=0),
        ],
    )  # fmt: skip
    return raw_data


def with_kenya(data: ReportData) -> ReportData:
    """`data` plus Kenya (Africa), a copy of Japan's row with women 79,347 of 185,620.

    Its women's share, 79,347 / 185,620 = 42.747 %, prints 42.7 %; by_area.csv's 0.4275
    rounded a second time would print 42.8 %. Every member of Kenya reports women.
    """
    kenya = data.by_area.filter(pl.col("area_code") == "JP").with_columns(
        area_code=pl.lit("KE"), area_name=pl.lit("Kenya"), parent_code=pl.lit("AFRICA"),
        women=pl.lit(79_347, pl.Int64), employment_total=pl.lit(185_620, pl.Int64),
        women_share=pl.lit(0.4275),
    )  # fmt: skip
    coverage = pl.DataFrame(
        [("country", "KE", "women", 1, 1, 185_620, 185_620, 1.0)],
        schema=["level", "area_code", "item", "members_reporting", "members_reporting_item",
                "employment_total", "employment_total_item", "coverage"],
        orient="row",
    )  # fmt: skip
    return dataclasses.replace(data, by_area=pl.concat([data.by_area, kenya]), coverage=coverage)
