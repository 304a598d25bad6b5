"""The one-query pass (`cicopa.schema_pass.holds`) changes no verdict and no message.

Each case breaks one rule by hand; it must be refused, with the very message pandera
alone gives (the pass switched off), and `holds` must not claim the rule holds.
Clean tables and files must pass `holds`, or the pass saves nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cicopa.reference
import cicopa.validation
from cicopa.reference import ReferenceDataError, load_reference
from cicopa.schema_pass import holds
from cicopa.validation import check_files
from schemas.reference import ExchangeRates, MemberRegistry, RegionTable
from schemas.submission import Submission, SubmissionCells
from tests.builders import FX_RATES, MEMBERS, REGIONS, make_reference, row, write_csv, write_rows


def _never(model: type, frame: object) -> bool:
    return False  # pandera alone decides, as before the one-query pass


def _edited(table: list[tuple[str, ...]], line: int, column: str, value: str) -> list[list[str]]:
    rows = [list(r) for r in table]
    if line < len(rows):
        rows[line][rows[0].index(column)] = value
    else:
        rows.append(list(rows[1]))  # a repeat of the first data row
    return rows


# (table, line edited, column, new value); line past the end: the first row repeated.
REFERENCE_BREAKS = [
    ("regions.csv", 1, "country", "ITA"),  # str_matches
    ("regions.csv", 1, "country_name", ""),  # not nullable
    ("regions.csv", 1, "region", "EUROPA"),  # isin
    ("regions.csv", 1, "sub_region", "MERCOSUR"),  # sub_region_within_region
    ("regions.csv", 99, "country", "IT"),  # unique
    ("members.csv", 1, "member_id", "it_one"),  # str_matches
    ("members.csv", 1, "country", "ZZ"),  # country_in_regions
    ("members.csv", 1, "membership", "honorary"),  # isin
    ("members.csv", 1, "joined", "1800"),  # ge
    ("members.csv", 4, "left", "2000"),  # left_after_joined
    ("members.csv", 1, "language", "de"),  # isin, nullable column
    ("members.csv", 99, "member_id", "IT-ONE"),  # unique
    ("fx_rates.csv", 2, "per_usd", "0"),  # gt
    ("fx_rates.csv", 2, "per_usd", "inf"),  # finite_rate
    ("fx_rates.csv", 1, "per_usd", "2"),  # usd_is_one
    ("fx_rates.csv", 2, "currency", "EU"),  # str_matches
    ("fx_rates.csv", 99, "year", "2024"),  # unique (year, currency)
]
TABLES = {"regions.csv": REGIONS, "members.csv": MEMBERS, "fx_rates.csv": FX_RATES}


@pytest.mark.parametrize(("table", "line", "column", "value"), REFERENCE_BREAKS)
def test_a_broken_reference_table_is_refused_with_pandera_s_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, line: int, column: str, value: str
) -> None:
    make_reference(tmp_path)
    write_rows(tmp_path / "reference" / table, _edited(TABLES[table], line, column, value))
    with pytest.raises(ReferenceDataError) as fast:
        load_reference(tmp_path)
    monkeypatch.setattr(cicopa.reference, "holds", _never)
    with pytest.raises(ReferenceDataError) as alone:
        load_reference(tmp_path)
    assert str(fast.value) == str(alone.value)
    assert table in str(fast.value)


def test_an_extra_column_in_a_strict_table_is_refused(tmp_path: Path) -> None:
    make_reference(tmp_path)
    write_rows(tmp_path / "reference" / "regions.csv", [[*r, "x"] for r in REGIONS])
    frame = cicopa.reference._read_text_table(tmp_path / "reference" / "regions.csv")
    assert not holds(RegionTable, frame)
    with pytest.raises(ReferenceDataError, match=r"regions\.csv"):
        load_reference(tmp_path)


def test_clean_reference_tables_pass_in_one_query(tmp_path: Path) -> None:
    make_reference(tmp_path)
    reference = load_reference(tmp_path)
    regions = reference.regions
    members = reference.members.with_columns(
        reference.members["country"].is_in(regions["country"].implode()).alias("_known_country")
    )
    assert holds(RegionTable, regions)
    assert holds(MemberRegistry, members)
    assert holds(ExchangeRates, reference.fx_rates)
    # A wrong type is a failure, never a pass: joined as text.
    assert not holds(MemberRegistry, members.with_columns(members["joined"].cast(str)))


SUBMISSION_BREAKS = [
    [row(enterprises="12.5")],  # whole_number
    [row(enterprises=None)],  # not nullable
    [row(sector="Z")],  # sector_code
    [row(turnover="1e5", currency="EUR")],  # decimal_number
    [row(submitted_at="2026-02-30")],  # iso_date
    [row(employees=-1)],  # ge
    [row(women=50)],  # women_within_employment
    [row(turnover=10)],  # currency_with_turnover
    [row(currency="XYZ", turnover=10)],  # currency_known_for_year
    [row(member_id="FR-OLD")],  # member_active_in_year
    [row(reference_year=2024)],  # year_matches_folder
    [row(), row()],  # unique_sector_and_type
    [row(), row(sector="A", member_id="IT-TWO")],  # one_value_per_submission
    [row(new_enterprises=1, transfers=2)],  # transfers_within_new_enterprises
]


@pytest.mark.parametrize("rows", SUBMISSION_BREAKS)
def test_a_broken_submission_gets_pandera_s_issues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[dict]
) -> None:
    reference = load_reference(make_reference(tmp_path))
    path = write_csv(tmp_path / "IT-ONE_2025.csv", rows)
    named = [(str(path), path.read_bytes(), 2025)]
    (fast,) = check_files(named, reference)
    monkeypatch.setattr(cicopa.validation, "holds", _never)
    (alone,) = check_files(named, reference)
    assert fast.errors >= 1
    assert fast.issues == alone.issues


def test_a_clean_submission_passes_both_models_in_one_query(tmp_path: Path) -> None:
    reference = load_reference(make_reference(tmp_path))
    path = write_csv(tmp_path / "IT-ONE_2025.csv", [row(), row(sector="A", women=3)])
    (checked,) = check_files([(str(path), path.read_bytes(), 2025)], reference)
    assert checked.issues == []
    cells = cicopa.validation.tidy_frame([checked.raw], "_file")
    assert holds(SubmissionCells, cells)
    assert not holds(Submission, cells)  # text where pass 2 wants numbers
