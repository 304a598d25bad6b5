"""`cicopa trace`: the accepted submissions behind a published figure, checked against it.

The figures are those worked out by hand in tests/test_statistics.py (fixture of
tests/builders.write_statistics_fixture); by_area.csv is written with the
project's plain functions, as the pipeline writes it, to keep the tests fast.
"""

from __future__ import annotations

import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from cicopa import statistics
from cicopa.outcomes import inventory, validate_year
from cicopa.outputs import write_csv
from cicopa.reference import load_reference, reference_paths
from cicopa.trace import trace
from cicopa.trace_command import main
from cicopa.trace_render import CSV_COLUMNS, render_table
from tests.builders import MEMBERS, write_rows, write_statistics_fixture

YEAR_2025 = "submissions/2025"
SAMPLE_RAW_DATA = Path(__file__).resolve().parents[1] / "raw_data"


def publish(raw_data: Path, out: Path, year: int = 2025) -> Path:
    """Write <out>/<year>/statistics/by_area.csv exactly as the pipeline does."""
    reference = load_reference(raw_data)
    outcome = validate_year(raw_data, reference, year)
    table = statistics.by_area(outcome.accepted_rows, reference, year)
    path = out / str(year) / "statistics" / "by_area.csv"
    write_csv(path, statistics.for_csv(table))
    return path


@pytest.fixture
def built(raw_data: Path, tmp_path: Path) -> dict[str, Path]:
    write_statistics_fixture(raw_data)
    out = tmp_path / "out"
    return {"raw_data": raw_data, "out": out, "by_area": publish(raw_data, out)}


def _args(built: dict[str, Path], area: str, measure: str, *more: str) -> list[str]:
    return [
        "--year", "2025", "--area", area, "--measure", measure,
        "--raw-data", str(built["raw_data"]), "--out", str(built["out"]), *more,
    ]  # fmt: skip


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_europe_enterprises_are_the_hand_computed_contributions(built):
    result = trace(built["raw_data"], built["out"], 2025, "EUROPE", "enterprises")
    contributions = {c.member_id: c for c in result.contributions}
    assert {m: c.value for m, c in contributions.items()} == {
        "FR-ONE": 8,
        "IT-ONE": 15,
        "IT-TWO": 3,
    }
    it_one = contributions["IT-ONE"]
    assert it_one.file == f"{YEAR_2025}/IT-ONE_final.xlsx"
    assert it_one.member_name == "Sample federation 1 of Italy"
    assert it_one.country == "IT"
    assert it_one.sha256 == _sha256(built["raw_data"] / it_one.file)
    assert result.level == "region"
    assert result.recomputed == 26 and result.published == Decimal(26)
    assert result.ok
    assert result.check_lines()[0] == "sum of contributions 26 = published 26 ✓"
    # Nothing of another region, and the superseded first IT-ONE file is explained.
    listed = {n.file: n for n in result.not_counted}
    assert set(listed) == {f"{YEAR_2025}/IT-ONE_first.csv"}
    superseded = listed[f"{YEAR_2025}/IT-ONE_first.csv"]
    assert superseded.status == "superseded"
    assert superseded.reason.startswith(f"superseded by {YEAR_2025}/IT-ONE_final.xlsx")
    assert "submitted_at 2026-02-01" in superseded.reason


def test_world_employment_total_and_every_file_left_out(built):
    result = trace(built["raw_data"], built["out"], 2025, "world", "employment_total")
    assert result.area_code == "WORLD"
    assert sum(c.value for c in result.contributions) == 1116 == result.recomputed
    assert len(result.contributions) == 6 and result.ok
    statuses = {n.file: n.status for n in result.not_counted}
    assert statuses == {
        f"{YEAR_2025}/IT-ONE_first.csv": "superseded",
        f"{YEAR_2025}/KE-ONE.csv": "rejected",
    }
    rejected = next(n for n in result.not_counted if n.status == "rejected")
    assert rejected.member_id == "KE-ONE"
    assert "employees" in rejected.reason and "negative" in rejected.reason


def test_africa_lists_the_rejected_file_and_traces_zero(built):
    result = trace(built["raw_data"], built["out"], 2025, "AFRICA", "employment_total")
    assert result.contributions == [] and result.recomputed == 0 == result.published
    assert [(n.member_id, n.status) for n in result.not_counted] == [("KE-ONE", "rejected")]
    assert result.ok


def test_table_output_is_aligned_and_ends_with_the_check(built, capsys):
    assert main(_args(built, "EUROPE", "enterprises")) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[-2] == "sum of contributions 26 = published 26 ✓"
    assert lines[-1] == "provenance.json not found: file sha256 not cross-checked"
    header = next(line for line in lines if line.lstrip().startswith("member_id"))
    end = header.index("contribution") + len("contribution")
    # Numbers are right-aligned under their header, the total too.
    rows = [line for line in lines if line.lstrip().startswith(("IT-ONE", "IT-TWO", "FR-ONE"))]
    assert [line[:end].split()[-1] for line in rows] == ["8", "15", "3"]
    total = next(line for line in lines if line.strip().startswith("total"))
    assert total[:end].rstrip().endswith("26") and len(total.rstrip()) == end
    assert "IT-ONE_first.csv" in out and "superseded by" in out
    assert "KE-ONE" not in out


def test_thousands_separators_and_not_reported_optional_values(built, capsys):
    assert main(_args(built, "EUROPE", "turnover_usd")) == 0
    out = capsys.readouterr().out
    assert "sum of contributions 2,125,000.00 = published 2,125,000.00 ✓" in out
    it_two = next(line for line in out.splitlines() if line.lstrip().startswith("IT-TWO"))
    assert "not reported" in it_two
    assert "1,500,000.00" in out  # IT-ONE: 1,200,000 EUR at 0.8


def test_csv_format_parses_and_sums_to_the_published_figure(built, capsys):
    assert main(_args(built, "EUROPE", "enterprises", "--format", "csv")) == 0
    captured = capsys.readouterr()
    table = pl.read_csv(io.StringIO(captured.out))
    assert tuple(table.columns) == CSV_COLUMNS
    published = pl.read_csv(built["by_area"]).filter(pl.col("area_code") == "EUROPE")
    assert table["contribution"].sum() == published["enterprises"][0] == 26
    assert set(table["member_id"]) == {"IT-ONE", "IT-TWO", "FR-ONE"}
    assert set(table["year"]) == {2025} and set(table["measure"]) == {"enterprises"}
    # Only the table on stdout; the verdict goes to stderr.
    assert "✓" not in captured.out and "sum of contributions 26 = published 26 ✓" in captured.err


def test_csv_turnover_sums_to_the_published_cents(built, capsys):
    assert main(_args(built, "WORLD", "turnover_usd", "--format", "csv")) == 0
    table = pl.read_csv(io.StringIO(capsys.readouterr().out))
    assert round(table["contribution"].sum(), 2) == 5_125_000.00


def test_a_tampered_published_figure_is_a_mismatch(built, capsys):
    text = built["by_area"].read_text()
    tampered = text.replace(
        "region,EUROPE,Europe (CECOP – CICOPA Europe),WORLD,3,3,1.0000,2,26,",
        "region,EUROPE,Europe (CECOP – CICOPA Europe),WORLD,3,3,1.0000,2,27,",
    )
    assert tampered != text
    built["by_area"].write_text(tampered)
    assert main(_args(built, "EUROPE", "enterprises")) == 1
    out = capsys.readouterr().out
    assert "MISMATCH: sum of contributions 26 ≠ published 27 ✗" in out
    # The other figures are untouched and still trace.
    assert main(_args(built, "EUROPE", "employment_total")) == 0


def test_ratios_are_traced_as_numerator_and_denominator(built, capsys):
    share = trace(built["raw_data"], built["out"], 2025, "WORLD", "women_share")
    assert (share.numerator, share.denominator) == (252, 801)
    assert share.ok and share.kind == "ratio"
    by_member = {c.member_id: (c.numerator, c.denominator) for c in share.contributions}
    assert by_member["IT-ONE"] == (66, 160) and "IT-TWO" not in by_member

    rate = trace(built["raw_data"], built["out"], 2025, "WORLD", "response_rate")
    assert (rate.numerator, rate.denominator) == (6, 7) and rate.ok
    kenya = next(c for c in rate.contributions if c.member_id == "KE-ONE")
    assert (kenya.numerator, kenya.denominator, kenya.file) == (0, 1, None)

    assert main(_args(built, "EUROPE", "women_share")) == 0
    out = capsys.readouterr().out
    assert "women_share is a ratio, not a sum" in out
    assert "numerator 86 / denominator 235 = 0.3660 = published 0.3660 ✓" in out
    assert "1 accepted submission(s) of the area report no women" in out  # IT-TWO


def test_members_reporting_counts_one_per_accepted_submission(built):
    result = trace(built["raw_data"], built["out"], 2025, "AMERICAS", "members_reporting")
    assert [(c.member_id, c.value) for c in result.contributions] == [
        ("BR-ONE", 1),
        ("CO-ONE", 1),
        ("US-ONE", 1),
    ]
    assert result.ok


def test_files_without_a_known_member_are_counted_for_world(built, capsys):
    folder = built["raw_data"] / YEAR_2025
    (folder / "scan.xlsx").write_bytes(b"not a workbook")
    (folder / "FR-ONE_extra.xlsx").write_bytes(b"not a workbook either")
    publish(built["raw_data"], built["out"])

    world = trace(built["raw_data"], built["out"], 2025, "WORLD", "enterprises")
    assert world.unattributed == 1
    unreadable = {n.file: n.member_id for n in world.not_counted if n.status == "unreadable"}
    assert unreadable == {
        f"{YEAR_2025}/scan.xlsx": None,
        f"{YEAR_2025}/FR-ONE_extra.xlsx": "FR-ONE?",
    }

    assert main(_args(built, "EUROPE", "enterprises")) == 0
    out = capsys.readouterr().out
    assert "FR-ONE_extra.xlsx" in out and "member guessed from the file name" in out
    assert "scan.xlsx" not in out
    assert "1 file(s) of 2025 cannot be attributed to any member" in out


def test_provenance_sha256_is_cross_checked(built, capsys):
    raw_data = built["raw_data"]
    files = inventory(raw_data, 2025).select("file", "sha256").to_dicts()
    references = [
        {"file": p.relative_to(raw_data).as_posix(), "sha256": _sha256(p)}
        for p in reference_paths(raw_data)
    ]
    record = {"inputs": references + files}
    provenance = built["out"] / "2025" / "provenance.json"
    provenance.write_text(json.dumps(record))
    assert main(_args(built, "EUROPE", "enterprises")) == 0
    assert "sha256 of every file traced matches provenance.json ✓" in capsys.readouterr().out

    for item in record["inputs"]:
        if item["file"].endswith("FR-ONE.csv"):
            item["sha256"] = "0" * 64
    provenance.write_text(json.dumps(record))
    assert main(_args(built, "EUROPE", "enterprises")) == 1
    out = capsys.readouterr().out
    changed = "CHANGED SINCE THE BUILD ✗: sha256 differs from provenance.json for"
    assert f"{changed} {YEAR_2025}/FR-ONE.csv" in out
    assert "sum of contributions 26 = published 26 ✓" in out


def test_untrusted_names_cannot_drive_the_terminal(built):
    members = [list(m) for m in MEMBERS]
    # A C0/C1 control character (ESC) is refused with the reference data (SPEC section 2);
    # a bidi override is valid text and must still be neutralised on the terminal.
    members[2][1] = "Evil \u202efederation\u202e"
    write_rows(built["raw_data"] / "reference" / "members.csv", members)
    text = render_table(trace(built["raw_data"], built["out"], 2025, "EUROPE", "enterprises"))
    assert "\u202e" not in text
    assert "Evil �federation�" in text


@pytest.mark.parametrize(
    ("area", "measure", "message"),
    [
        ("ATLANTIS", "enterprises", "unknown area 'ATLANTIS' for 2025"),
        ("JP", "enterprises", "unknown area 'JP' for 2025"),  # no registered member
        ("WORLD", "persons", "unknown measure 'persons'; choose one of: enterprises"),
        ("WORLD", "countries_reporting", "countries_reporting cannot be traced"),
    ],
)
def test_unknown_area_or_measure_is_a_one_line_error(built, capsys, area, measure, message):
    assert main(_args(built, area, measure)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"cicopa trace: {message}")
    assert captured.err.count("\n") == 1


def test_a_year_not_built_says_how_to_build_it(built, capsys):
    args = _args(built, "WORLD", "enterprises")
    args[1] = "2024"
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.rstrip().endswith(
        "build the year first: cicopa build --year 2024"
    )


# --- the bundled sample: the public headline, submission by submission ---


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample_out")
    publish(SAMPLE_RAW_DATA, out)
    return out


@pytest.mark.parametrize(
    ("area", "measure", "figure", "members"),
    [
        ("WORLD", "employment_total", 3_000_000, 45),
        ("WORLD", "enterprises", 68_000, 45),
        ("EUROPE", "employment_total", 1_300_000, 26),
        ("EUROPE", "enterprises", 50_000, 26),
    ],
)
def test_sample_headline_is_the_sum_of_its_submissions(sample_out, area, measure, figure, members):
    result = trace(SAMPLE_RAW_DATA, sample_out, 2025, area, measure)
    assert len(result.contributions) == members
    assert sum(c.value for c in result.contributions) == figure
    assert result.published == Decimal(figure) and result.ok
    assert len({c.file for c in result.contributions}) == members  # one file per member
    statuses = sorted(n.status for n in result.not_counted)
    assert statuses == ["rejected", "superseded", "unreadable"]


def test_sample_table_shows_the_headline_check(sample_out, capsys):
    args = ["--year", "2025", "--area", "EUROPE", "--measure", "employment_total",
            "--raw-data", str(SAMPLE_RAW_DATA), "--out", str(sample_out)]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "sum of contributions 1,300,000 = published 1,300,000 ✓" in out


def test_after_a_real_build_the_trace_ties_to_outputs_and_provenance(fixture_build, capsys):
    """Through `cicopa build` (Dagster, tests/conftest.py) and the `cicopa trace` subcommand."""
    from pipelines.cli import main as cicopa

    assert fixture_build.code == 0
    raw_data, out = fixture_build.raw_data, fixture_build.out
    common = ["--year", "2025", "--raw-data", str(raw_data), "--out", str(out)]
    assert cicopa(["trace", *common, "--area", "EUROPE", "--measure", "enterprises"]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "sum of contributions 26 = published 26 ✓",
        "sha256 of every file traced matches provenance.json ✓",
    ]
