"""`cicopa build` end to end through the project's Dagster instance (SQLite, in-process)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipelines.cli import main
from tests.builders import BLOCKING_CHECKS, FULL_BUILD_2025, file_states, write_statistics_fixture
from tests.test_statistics import EXPECTED_BY_AREA, EXPECTED_BY_SECTOR, EXPECTED_BY_TYPE


@pytest.fixture(scope="module")
def built(fixture_build: SimpleNamespace) -> Iterator[dict]:
    """The shared build in all three languages (tests/conftest.py), its instance current."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(fixture_build.home))
        yield {
            "code": fixture_build.code,
            "out": fixture_build.out / "2025",
            "raw_before": fixture_build.raw_before,
            "raw_data": fixture_build.raw_data,
        }


def test_build_writes_every_output_of_the_spec(built: dict):
    assert built["code"] == 0
    year = built["out"]
    files = sorted(p.relative_to(year).as_posix() for p in year.rglob("*") if p.is_file())
    assert files == sorted(FULL_BUILD_2025)
    assert (year / "statistics/by_area.csv").read_text() == EXPECTED_BY_AREA
    assert (year / "statistics/by_sector.csv").read_text() == EXPECTED_BY_SECTOR
    assert (year / "statistics/by_type.csv").read_text() == EXPECTED_BY_TYPE
    assert (year / "annual_report_2025_en.pdf").read_bytes().startswith(b"%PDF-")


def test_build_never_touches_raw_data(built: dict):
    assert file_states(built["raw_data"]) == built["raw_before"]


def test_provenance_lists_inputs_outputs_code_and_run(built: dict):
    record = json.loads((built["out"] / "provenance.json").read_text())
    inputs = {i["file"]: i for i in record["inputs"]}
    assert inputs["reference/members.csv"]["status"] == "reference"
    assert inputs["submissions/2025/IT-ONE_first.csv"]["status"] == "superseded"
    assert inputs["submissions/2025/KE-ONE.csv"]["status"] == "rejected"
    for name, entry in inputs.items():
        data = (built["raw_data"] / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
    outputs = {o["path"]: o["sha256"] for o in record["outputs"]}
    assert set(outputs) == FULL_BUILD_2025 - {"provenance.json"}
    for path, digest in outputs.items():
        assert hashlib.sha256((built["out"] / path).read_bytes()).hexdigest() == digest
    for package in ("python", "dagster", "polars", "pandera", "weasyprint", "jinja2"):
        assert record["software"][package]
    assert record["orchestrator"]["run_id"]
    assert record["built_at"].startswith("20")


def test_the_run_and_its_checks_are_recorded_in_the_instance(built: dict):
    """Runs started from the command line are in the project's instance, checks passed."""
    from dagster import AssetCheckKey, AssetKey, DagsterInstance

    record = json.loads((built["out"] / "provenance.json").read_text())
    with DagsterInstance.get() as instance:
        run = instance.get_run_by_id(record["orchestrator"]["run_id"])
        assert run is not None and run.is_success
        for asset, check in sorted(BLOCKING_CHECKS):
            key = AssetCheckKey(AssetKey(asset), check)
            latest = instance.event_log_storage.get_latest_asset_check_execution_by_key([key])
            evaluation = latest[key].event.dagster_event.event_specific_data
            assert evaluation.passed, check


def test_each_pdf_carries_the_published_csvs_and_the_figures_provenance(built: dict):
    """The attachments equal the statistics files byte for byte (read back with pypdf)."""
    from pypdf import PdfReader

    year = built["out"]
    reader = PdfReader(year / "annual_report_2025_en.pdf")
    attachments = {name: data[0] for name, data in reader.attachments.items()}
    public = ("by_area.csv", "by_sector.csv", "by_type.csv", "trends.csv", "coverage.csv",
              "estimates.csv")  # fmt: skip
    # Member-level imputations are never inside the public report.
    assert set(attachments) == {*public, "provenance.json"}
    for name in public:
        assert attachments[name] == (year / "statistics" / name).read_bytes()
    embedded = json.loads(attachments["provenance.json"])
    published = json.loads((year / "provenance.json").read_text())
    assert embedded["inputs"] == published["inputs"]
    assert embedded["code_revision"] == published["code_revision"]
    assert "run_id" not in json.dumps(embedded)  # a PDF cannot know its own run's time


def test_broken_members_csv_exits_2_with_one_line_and_no_outputs(
    raw_data: Path, tmp_path: Path, dagster_home: Path, capsys: pytest.CaptureFixture[str]
):
    write_statistics_fixture(raw_data)
    members = raw_data / "reference" / "members.csv"
    members.write_text(members.read_text().replace("IT-TWO,", "IT_two,"))
    out = tmp_path / "out"
    code = main(["build", "--year", "2025", "--raw-data", str(raw_data), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "members.csv" in err and "member_id" in err
    assert not (out / "2025").exists()


@pytest.mark.parametrize("missing", ["members.csv", "regions.csv", "fx_rates.csv"])
def test_missing_reference_file_exits_2(
    raw_data: Path, tmp_path: Path, dagster_home: Path, missing: str,
    capsys: pytest.CaptureFixture[str],
):  # fmt: skip
    write_statistics_fixture(raw_data)
    (raw_data / "reference" / missing).unlink()
    out = tmp_path / "out"
    assert main(["build", "--year", "2025", "--raw-data", str(raw_data), "--out", str(out)]) == 2
    assert missing in capsys.readouterr().err
    assert not out.exists()


def test_year_without_submissions_folder_exits_2(
    raw_data: Path, tmp_path: Path, dagster_home: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "out"
    assert main(["build", "--year", "2024", "--raw-data", str(raw_data), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "2024" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_a_failing_tie_out_blocks_the_report(
    raw_data: Path,
    tmp_path: Path,
    dagster_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    """If the published table stopped adding up, the blocking checks stop the PDF."""
    import polars as pl

    from cicopa import statistics

    honest = statistics.by_area

    def off_by_one(*args, **kwargs):  # a bug in aggregation, as a check must catch it
        table = honest(*args, **kwargs)
        return table.with_columns(
            pl.when(pl.col("area_code") == "IT")
            .then(pl.col("enterprises") + 1)
            .otherwise(pl.col("enterprises"))
            .alias("enterprises")
        )

    monkeypatch.setattr(statistics, "by_area", off_by_one)
    write_statistics_fixture(raw_data)
    out = tmp_path / "out"
    code = main(
        ["build", "--year", "2025", "--raw-data", str(raw_data), "--out", str(out), "--quiet"]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "regions_equal_sum_of_countries" in err and len(err.strip().splitlines()) == 1
    assert not (out / "2025").exists()
