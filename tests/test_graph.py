"""One data path: earlier years through the lineage, editions and revisions, one job.

Everything here runs the real job on a real SQLite instance under a temporary
DAGSTER_HOME; the module shares one instance and one raw-data folder so that the
earlier-year partitions built by the first build are the ones later tests rely on.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipelines.cli import main
from tests.builders import make_reference, row, write_csv, write_statistics_fixture
from tests.test_statistics import EXPECTED_BY_AREA


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("graph")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(root / "home"))
        from pipelines.project import ensure_dagster_home

        ensure_dagster_home()
        raw = write_statistics_fixture(make_reference(root / "raw_data"))
        write_csv(
            raw / "submissions" / "2024" / "IT-ONE.csv",
            [row(reference_year=2024, enterprises=9, worker_members=90, employees=20)],
        )
        yield SimpleNamespace(root=root, raw=raw, out=root / "out")


def build(world: SimpleNamespace, *extra: str, out: Path | None = None) -> int:
    target = out or world.out
    args = ["build", "--year", "2025", "--raw-data", str(world.raw), "--out", str(target)]
    return main([*args, *extra])


def rendering_of_en() -> str:
    """How the latest build got its English PDF, from its materialisation's metadata."""
    from dagster import AssetKey, AssetRecordsFilter, DagsterInstance

    with DagsterInstance.get() as instance:
        (record,) = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=AssetKey("annual_report_pdf")), limit=1
        ).records
    metadata = record.event_log_entry.asset_materialization.metadata
    return str(metadata["annual_report_2025_en.pdf rendering"].value)


@pytest.fixture(scope="module")
def first_build(world: SimpleNamespace) -> dict:
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = build(world, "--lang", "en")
    return {"code": code, "stderr": err.getvalue(), "files": snapshot(world.out / "2025")}


def test_build_prints_a_line_per_stage_and_a_summary(first_build: dict) -> None:
    assert first_build["code"] == 0
    lines = first_build["stderr"].splitlines()
    # The fixture: 2024 has one file; 2025 has eight, of which 6 accepted, 1 rejected
    # (KE-ONE), 1 superseded (IT-ONE's first file) and none unreadable.
    areas = len(EXPECTED_BY_AREA.splitlines()) - 1
    assert "  2024: 1 file(s) found in submissions/2024/" in lines
    assert "  2025: 8 file(s) found in submissions/2025/" in lines
    assert "  2025: 6 accepted, 1 rejected, 1 superseded, 0 withdrawn, 0 unreadable" in lines
    assert f"  2025: statistics/by_area.csv written ({areas} rows)" in lines
    assert any(line.startswith("  2025: annual_report_2025_en.pdf written (") for line in lines)
    summary = lines[-1]
    assert summary.startswith("built 2025 in ")
    assert "outputs published in" in summary and "earlier years built first: 2024" in summary


def test_a_quiet_rebuild_from_the_same_inputs_says_one_line_and_changes_no_byte(
    world: SimpleNamespace, first_build: dict, capfd
) -> None:
    assert rendering_of_en() == "rendered"
    assert build(world, "--lang", "en", "--quiet") == 0
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "outputs unchanged" in err[0]
    assert "earlier years built first: none needed" in err[0]
    assert snapshot(world.out / "2025") == first_build["files"]
    # Nothing the report shows changed: its rendering was reused, not run again.
    assert rendering_of_en() == "reused: same HTML, attachments and renderer"


def test_a_changed_2024_file_makes_2025_stale_through_the_lineage(
    world: SimpleNamespace, first_build: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster import AssetKey, DagsterInstance
    from dagster._core.definitions.data_version import StaleStatus
    from dagster._utils.test.data_versions import get_stale_status_resolver

    import cicopa.outcomes
    from pipelines.build import launch, run_config
    from pipelines.definitions import all_assets

    def status(instance: DagsterInstance, asset: str, year: str) -> StaleStatus:
        return get_stale_status_resolver(instance, all_assets).get_status(AssetKey(asset), year)

    with DagsterInstance.get() as instance:
        assert status(instance, "submission_outcomes", "2025") == StaleStatus.FRESH
        assert status(instance, "area_trends", "2025") == StaleStatus.FRESH
        # The member corrects its 2024 file; the sensor's job re-validates 2024.
        write_csv(
            world.raw / "submissions" / "2024" / "IT-ONE.csv",
            [row(reference_year=2024, enterprises=9, worker_members=90, employees=21)],
        )
        assert launch(instance, 2024, run_config(world.raw, world.out), job="ingest_and_validate")
        for asset in ("submission_outcomes", "area_trends"):
            assert status(instance, asset, "2025") == StaleStatus.STALE, asset
        assert status(instance, "area_statistics", "2025") == StaleStatus.FRESH

        # A 2025 run reads 2024 only through the graph: no 2024 file is listed or read.
        years_listed: list[int] = []
        listing = cicopa.outcomes.list_submission_files

        def spy(raw_data: Path, year: int) -> list[Path]:
            years_listed.append(year)
            return listing(raw_data, year)

        monkeypatch.setattr(cicopa.outcomes, "list_submission_files", spy)
        result = launch(instance, 2025, run_config(world.raw, world.out, ["en"]))
        assert result.success and years_listed == [2025]
        assert status(instance, "submission_outcomes", "2025") == StaleStatus.FRESH


def test_a_changed_2025_file_is_a_revision_kept_whole(
    world: SimpleNamespace, first_build: dict
) -> None:
    # Rebuild first so the published year rests on the corrected 2024 of the test above.
    assert build(world, "--lang", "en", "--quiet") == 0
    before = snapshot(world.out / "2025")
    write_csv(
        world.raw / "submissions" / "2025" / "US-ONE.csv",
        [row(member_id="US-ONE", sector="F", enterprises=7, worker_members=40, employees=4,
             women=10, turnover=2000000, currency="USD")],
    )  # fmt: skip
    assert build(world, "--lang", "en", "--quiet") == 0
    assert rendering_of_en() == "rendered"  # the figures changed: a new rendering
    year = world.out / "2025"
    # Enterprises by hand: IT-ONE 15, IT-TWO 3, FR-ONE 8, US-ONE 4 -> 7, BR-ONE 7, CO-ONE 2.
    reason = "changed submissions/2025/US-ONE.csv"
    assert (year / "revisions.csv").read_text() == (
        "revision,level,area_code,measure,previous,revised,reason\n"
        f"1,global,WORLD,enterprises,39,42,{reason}\n"
        f"1,region,AMERICAS,enterprises,13,16,{reason}\n"
        f"1,sub_region,NORTH_AMERICA,enterprises,4,7,{reason}\n"
        f"1,country,US,enterprises,4,7,{reason}\n"
    )
    kept = snapshot(year / "revisions" / "1")
    assert kept == {p: h for p, h in before.items() if not p.startswith("revisions")}
    record = json.loads((year / "provenance.json").read_text())
    assert record["edition"] == 2
    assert "revisions.csv" in {o["path"] for o in record["outputs"]}
    # The report names its edition and the headline figure it revised (WORLD 39 -> 42).
    from pypdf import PdfReader

    imprint = " ".join(
        PdfReader(year / "annual_report_2025_en.pdf").pages[1].extract_text().split()
    )
    assert "Edition 2 revises these headline figures of the previous edition:" in imprint
    assert "39 → 42" in imprint and reason in imprint


def test_a_failing_step_says_why_in_one_line_and_keeps_the_published_year(
    world: SimpleNamespace,
    first_build: dict,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    import errno

    import pipelines.assets.report as report
    from cicopa.files import OutputWriteError

    honest = report.write_atomic

    def disk_full_for_french(path: Path, data: bytes) -> str:
        if path.name.endswith("_fr.pdf"):
            raise OutputWriteError(errno.ENOSPC, f"disk full writing {path.name}")
        return honest(path, data)

    monkeypatch.setattr(report, "write_atomic", disk_full_for_french)
    before = snapshot(world.out / "2025")
    write_csv(
        world.raw / "submissions" / "2025" / "CO-ONE.csv",
        [row(member_id="CO-ONE", sector="I", enterprises=3, worker_members=12, employees=0)],
    )
    assert build(world, "--lang", "fr", "--quiet") == 1
    err = capfd.readouterr().err.strip().splitlines()
    assert len(err) == 1
    # The step that writes the PDFs (and the annexes) is named in the line.
    assert "annual_report: disk full writing annual_report_2025_fr.pdf" in err[0]
    assert snapshot(world.out / "2025") == before
    # The failed run's staging folder stays (nothing published) until the next start,
    # which removes it before anything runs (pipelines.build.run_year_job).
    from dagster import DagsterInstance

    from pipelines.runs import clean_staging

    (stale,) = (world.out / ".staging").glob("2025-*")
    assert (stale / "statistics" / "by_area.csv").is_file()
    with DagsterInstance.get() as instance:
        assert clean_staging(instance, world.out, 2025) == [stale]
    assert not stale.exists()
