"""The annual build's steps: related assets computed together, checks in their asset's step.

Issue 14 item 3: fewer steps, each asset still its own key with its own checks. No build
is run: these are properties of the code location's definitions.
"""

from dagster import AssetCheckKey, AssetKey

from pipelines.definitions import defs

# Written out by hand from pipelines/assets: the step, and the assets it computes.
STEPS = {
    "reference_data": {"reference_data"},
    "withdrawals": {"withdrawals"},
    "read_submission_files": {"submission_files", "parsed_submissions"},
    "validate_submissions": {"validated_submissions", "accepted_figures"},
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
CHECKS = {
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


def test_the_annual_build_runs_fourteen_steps_for_twenty_four_assets() -> None:
    job = defs.resolve_job_def("annual_build")
    assert {node.name for node in job.graph.nodes} == set(STEPS)
    graph = defs.resolve_asset_graph()
    for step, assets in STEPS.items():
        for asset in assets:
            assert graph.get(AssetKey(asset)).assets_def.op.name == step, asset
    assert sum(len(a) for a in STEPS.values()) == 24


def test_every_check_is_blocking_by_year_and_runs_in_its_assets_step() -> None:
    graph = defs.resolve_asset_graph()
    assert {(k.asset_key.path[-1], k.name) for k in graph.asset_check_keys} == CHECKS
    for asset, name in CHECKS:
        check = graph.get(AssetCheckKey(AssetKey(asset), name))
        assert check.blocking, name
        assert check.partitions_def == graph.get(AssetKey(asset)).partitions_def, name
        assert graph.assets_def_for_key(check.key) is graph.assets_def_for_key(AssetKey(asset))
