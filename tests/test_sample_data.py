"""The committed sample data: reproducible from its generator, and tied to the headline."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest

from cicopa import statistics
from cicopa.outcomes import YearValidation, validate_year
from cicopa.reference import load_reference
from tools.generate_sample_data import generate

RAW_DATA = Path(__file__).resolve().parents[1] / "raw_data"


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_generator_reproduces_the_committed_sample_byte_for_byte(tmp_path: Path):
    generate(tmp_path)
    assert _digests(tmp_path) == _digests(RAW_DATA)


@pytest.fixture(scope="module")
def sample_2025() -> tuple[pl.DataFrame, YearValidation]:
    reference = load_reference(RAW_DATA)
    outcome = validate_year(RAW_DATA, reference, 2025)
    return statistics.by_area(outcome.accepted_rows, reference, 2025), outcome


def _area(table: pl.DataFrame, code: str) -> dict:
    return table.filter(pl.col("area_code") == code).row(0, named=True)


@pytest.mark.parametrize(
    ("area", "members", "countries", "enterprises", "persons"),
    [
        # CICOPA's public headline figures.
        ("WORLD", 45, 29, 68_000, 3_000_000),
        ("EUROPE", 26, 15, 50_000, 1_300_000),
    ],
)
def test_2025_ties_to_the_public_headline(sample_2025, area, members, countries, enterprises,
                                          persons):  # fmt: skip
    row = _area(sample_2025[0], area)
    assert row["members_reporting"] == members
    assert row["countries_reporting"] == countries
    assert row["enterprises"] == enterprises
    assert row["employment_total"] == persons


def test_americas_and_its_sub_regions(sample_2025):
    table = sample_2025[0]
    americas = _area(table, "AMERICAS")
    assert (americas["members_reporting"], americas["countries_reporting"]) == (12, 9)
    regions = pl.read_csv(RAW_DATA / "reference" / "regions.csv", infer_schema=False)
    by_sub_region = {
        sub: sorted(regions.filter(pl.col("sub_region") == sub)["country"].to_list())
        for sub in ("NORTH_AMERICA", "MERCOSUR")
    }
    assert by_sub_region == {
        "NORTH_AMERICA": ["CA", "MX", "US"],
        "MERCOSUR": ["AR", "BR", "PY", "UY"],
    }


def test_2025_has_one_superseded_one_rejected_one_unreadable_outside_the_headline(sample_2025):
    outcome = sample_2025[1]
    counts = outcome.status_counts()
    assert counts == {"accepted": 45, "superseded": 1, "rejected": 1, "unreadable": 1}


def test_sample_member_names_are_plainly_fictional():
    members = pl.read_csv(RAW_DATA / "reference" / "members.csv", infer_schema=False)
    assert members["name"].str.starts_with("Sample federation").all()


def test_2024_carries_a_windows_1252_semicolon_csv_and_an_xlsx_with_a_title_row():
    folder = RAW_DATA / "submissions" / "2024"
    cp1252_semicolon = []
    for path in folder.glob("*.csv"):
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
            if text.splitlines()[0].count(";") > 5 and any(c.isdigit() for c in text):
                cp1252_semicolon.append(path.name)
    assert cp1252_semicolon
    import openpyxl

    titled = []
    for path in folder.glob("*.xlsx"):
        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        first = next(sheet.iter_rows(values_only=True))
        if first and first[0] and str(first[0]).lower().startswith("annual survey"):
            titled.append(path.name)
    assert titled


def _sample_report_data(sample_2025):
    from pipelines.assets.report import reporting_members
    from reports.model import ReportData

    table, outcome = sample_2025
    reference = load_reference(RAW_DATA)
    rows = outcome.accepted_rows
    return ReportData(
        year=2025,
        by_area=table,
        by_sector=statistics.breakdown(rows, reference, 2025, "sector"),
        by_type=statistics.breakdown(rows, reference, 2025, "cooperative_type"),
        submissions=outcome.submissions,
        reporting_members=reporting_members(reference, rows),
        fx_rates=reference.rates_for(2025),
        fx_source="test",
    )


def test_the_report_map_shades_exactly_the_reporting_countries(sample_2025):
    """The world map in the report colours the 29 countries with a reporting member."""
    import re

    from reports.render import render_html
    from reports.worldmap import shaded_countries

    rows = sample_2025[1].accepted_rows
    html = render_html(_sample_report_data(sample_2025))
    maps = re.findall(r"<svg[^>]*report-map.*?</svg>", html, flags=re.S)
    assert len(maps) == 1
    # Independently: the countries of the members whose files were accepted.
    members = pl.read_csv(RAW_DATA / "reference" / "members.csv", infer_schema=False)
    expected = set(
        members.filter(pl.col("member_id").is_in(rows["member_id"].unique().implode()))[
            "country"
        ].to_list()
    )
    assert len(expected) == 29
    assert shaded_countries(maps[0]) == expected
