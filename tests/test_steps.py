"""The annual build's steps: related assets computed together, checks in their asset's step.

Issue 14 item 3: fewer steps, each asset still its own key with its own checks (properties
of the code location's definitions), and no extra run for an earlier year that is current.
"""

from pathlib import Path

import pytest
from dagster import AssetCheckKey, AssetKey

from pipelines.definitions import defs
from tests.builders import BLOCKING_CHECKS, row, write_csv, write_rows, write_statistics_fixture

# Written out by hand from pipelines/assets: the step, and the assets it computes.
STEPS = {
    "ingest_submissions": {
        "reference_data",
        "withdrawals",
        "submission_files",
        "parsed_submissions",
        "validated_submissions",
        "accepted_figures",
    },
    "submission_outcomes": {"submission_outcomes"},
    "validation_report": {"validation_report"},
    "year_statistics": {
        "area_statistics",
        "sector_statistics",
        "type_statistics",
        "coverage_statistics",
    },
    "area_trends": {"area_trends"},
    "series_statistics": {"trend_statistics", "estimate_statistics", "sdmx_dataset"},
    "figures_and_edition": {"figures_provenance_record", "edition"},
    "annual_report": {"annual_report_pdf", "statistical_annex"},
    "publication": {"provenance", "published_outputs"},
    "response_tracker": {"response_tracker"},
    "member_feedback": {"member_feedback"},
}


def test_the_annual_build_runs_eleven_steps_for_twenty_four_assets() -> None:
    job = defs.resolve_job_def("annual_build")
    assert {node.name for node in job.graph.nodes} == set(STEPS)
    graph = defs.resolve_asset_graph()
    for step, assets in STEPS.items():
        for asset in assets:
            assert graph.get(AssetKey(asset)).assets_def.op.name == step, asset
    assert sum(len(a) for a in STEPS.values()) == 24


def test_every_check_is_blocking_by_year_and_runs_in_its_assets_step() -> None:
    graph = defs.resolve_asset_graph()
    assert {(k.asset_key.path[-1], k.name) for k in graph.asset_check_keys} == BLOCKING_CHECKS
    for asset, name in BLOCKING_CHECKS:
        check = graph.get(AssetCheckKey(AssetKey(asset), name))
        assert check.blocking, name
        assert check.partitions_def == graph.get(AssetKey(asset)).partitions_def, name
        assert graph.assets_def_for_key(check.key) is graph.assets_def_for_key(AssetKey(asset))


def test_an_earlier_year_is_ingested_again_only_when_its_files_or_withdrawals_change(
    raw_data: Path, tmp_path: Path, dagster_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A later year's build ingests Y-1 once; again after a new version of the readers or
    a withdrawal in Y-1, not before."""
    from dagster import DagsterInstance

    from pipelines.build import bring_earlier_years_up_to_date, earlier_year_is_current

    raw = write_statistics_fixture(raw_data)
    write_csv(
        raw / "submissions" / "2024" / "IT-ONE.csv",
        [row(reference_year=2024, enterprises=9, worker_members=90, employees=20)],
    )
    out = tmp_path / "out"
    with DagsterInstance.get() as instance:
        assert not earlier_year_is_current(instance, 2024, raw)
        assert bring_earlier_years_up_to_date(instance, 2025, raw, out) == [2024]
        assert earlier_year_is_current(instance, 2024, raw)
        assert bring_earlier_years_up_to_date(instance, 2025, raw, out) == []
        # A new version of the readers may read the same files differently: again.
        monkeypatch.setattr("pipelines.assets.ingest.READER_VERSION", "next")
        assert not earlier_year_is_current(instance, 2024, raw)
        assert bring_earlier_years_up_to_date(instance, 2025, raw, out) == [2024]
        assert earlier_year_is_current(instance, 2024, raw)
        # The secretariat withdraws the 2024 file: 2024's accepted figures change.
        write_rows(
            raw / "reference" / "withdrawals.csv",
            [
                ("year", "file", "withdrawn_on", "reason"),
                ("2024", "IT-ONE.csv", "2026-02-01", "sent by mistake"),
            ],
        )
        assert not earlier_year_is_current(instance, 2024, raw)
        assert bring_earlier_years_up_to_date(instance, 2025, raw, out) == [2024]
        assert earlier_year_is_current(instance, 2024, raw)
