"""`cicopa trace --estimate / --like-for-like` on the hand-worked world of tests/test_series.py.

Figures (see that module's docstring): 2025 employment_total reported by IT-ONE 140,
FR-ONE 55, IT-NEW 57, BR-ONE 49 (= 301); imputed JP-ONE 30 + 0 + 10 = 40, KE-ONE
27 + 25 + 0 = 52, US-ONE 36 + 8 + 0 = 44 (= 136); estimate 437. Europe's continuing
members 2024 -> 2025 are IT-ONE 132 -> 140 and IT-NEW 53 -> 57: 185 -> 197, +0.0649.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from cicopa import series
from cicopa.outcomes import validate_year
from cicopa.outputs import write_csv
from cicopa.reference import load_reference
from cicopa.trace_command import main
from cicopa.trace_series import trace_estimate, trace_like_for_like
from tests.builders import write_series_fixture

YEAR = 2025


@pytest.fixture
def built(raw_data: Path, tmp_path: Path) -> dict[str, Path]:
    """The series world with its estimates, imputations and trends published."""
    write_series_fixture(raw_data)
    reference = load_reference(raw_data)
    accepted = {
        y: validate_year(raw_data, reference, y).accepted_rows for y in (2022, 2023, 2024, 2025)
    }
    out = tmp_path / "out"
    folder = out / str(YEAR) / "statistics"
    estimates, imputations = series.estimates(accepted, reference, YEAR)
    write_csv(folder / "estimates.csv", series.for_csv(estimates))
    write_csv(folder / "imputations.csv", series.for_csv(imputations))
    write_csv(folder / "trends.csv", series.for_csv(series.trends(accepted, reference, YEAR)))
    return {"raw_data": raw_data, "out": out, "folder": folder}


def _args(built: dict[str, Path], area: str, measure: str, flag: str) -> list[str]:
    return [
        "--year", str(YEAR), "--area", area, "--measure", measure, flag,
        "--raw-data", str(built["raw_data"]), "--out", str(built["out"]),
    ]  # fmt: skip


def test_world_estimate_is_reported_plus_each_imputation(built):
    result = trace_estimate(built["raw_data"], built["out"], YEAR, "WORLD", "employment_total")
    assert {c.member_id: c.value for c in result.reported} == {
        "IT-ONE": 140, "FR-ONE": 55, "IT-NEW": 57, "BR-ONE": 49,
    }  # fmt: skip
    assert [(i.member_id, i.base_year, i.value) for i in result.imputed] == [
        ("JP-ONE", 2022, 40), ("KE-ONE", 2023, 52), ("US-ONE", 2024, 44),
    ]  # fmt: skip
    assert (result.total, result.published, result.ok) == (437, 437, True)


def test_cli_prints_base_year_and_ratio_of_each_imputation(built, capsys):
    assert main(_args(built, "AMERICAS", "enterprises", "--estimate")) == 0
    printed = capsys.readouterr().out
    # BR-ONE reported 8; US-ONE: 5 in 2024 x 8/7 (Americas' continuing member) = 5.71 -> 6.
    assert "BR-ONE" in printed and "US-ONE" in printed
    imputation = next(line for line in printed.splitlines() if line.strip().startswith("US-ONE"))
    assert imputation.split() == ["US-ONE", "2024", "enterprises", "5", "1.142857", "region", "6"]
    assert "reported 8 + imputed 6 = 14; published 14 ✓" in printed


def test_a_tampered_ratio_or_estimate_is_caught(built, capsys):
    path = built["folder"] / "imputations.csv"
    text = path.read_text()
    path.write_text(text.replace("1.142857,region,6", "1.200000,region,6"))
    assert main(_args(built, "AMERICAS", "enterprises", "--estimate")) == 1
    assert "recomputed from the accepted rows ✗" in capsys.readouterr().out
    path.write_text(text)
    estimates = built["folder"] / "estimates.csv"
    estimates.write_text(
        estimates.read_text().replace("region,AMERICAS,3,1,1,1,14,", "region,AMERICAS,3,1,1,1,15,")
    )
    assert main(_args(built, "AMERICAS", "enterprises", "--estimate")) == 1
    assert "published 15 ✗ MISMATCH" in capsys.readouterr().out


def test_like_for_like_lists_the_continuing_members(built, capsys):
    result = trace_like_for_like(
        built["raw_data"], built["out"], YEAR, "EUROPE", "employment_total"
    )
    assert result.continuing.rows() == [("IT-NEW", "IT", 53, 57), ("IT-ONE", "IT", 132, 140)]
    assert (result.sums, result.change, result.ok) == ((185, 197), "0.0649", True)
    assert main(_args(built, "EUROPE", "employment_total", "--like-for-like")) == 0
    assert "sums 185 -> 197: change_like_for_like 0.0649; published 185 -> 197: 0.0649 ✓" in (
        capsys.readouterr().out
    )


def test_like_for_like_without_continuing_members_is_empty(built):
    """North America 2024 -> 2025: US-ONE stopped; nobody continues, the change is empty."""
    result = trace_like_for_like(
        built["raw_data"], built["out"], YEAR, "NORTH_AMERICA", "enterprises"
    )
    assert result.continuing.is_empty() and result.change is None and result.ok


def test_unknown_measure_and_unbuilt_year_exit_2(built, capsys):
    assert main(_args(built, "WORLD", "women", "--estimate")) == 2
    assert main([*_args(built, "WORLD", "enterprises", "--like-for-like")[:-4], "--raw-data",
                 str(built["raw_data"]), "--out", str(built["out"] / "nowhere")]) == 2  # fmt: skip
    assert "not found; build the year first" in capsys.readouterr().err
    table = pl.read_csv(built["folder"] / "trends.csv")
    assert table.height == 28
