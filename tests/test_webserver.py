"""The read-only Dagster webserver, as auditors get it, asked through its GraphQL API."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request

import pytest

from pipelines.project import PROJECT_ROOT
from pipelines.ui import command

ASSETS_QUERY = "{ assetNodes { assetKey { path } dependencyKeys { path } groupName } }"
PERMISSIONS_QUERY = "{ permissions { permission value } }"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["data"]


@pytest.fixture
def read_only_webserver(fixture_build):
    """The read-only UI on the instance of the shared build (tests/conftest.py)."""
    assert fixture_build.code == 0
    port = _free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(fixture_build.home),
        "CICOPA_RAW_DATA": str(fixture_build.raw_data),
        "CICOPA_OUT": str(fixture_build.out),
    }
    process = subprocess.Popen(
        command(read_only=True, host="127.0.0.1", port=port),
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the webserver did not answer within 90 s")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_read_only_ui_shows_lineage_and_lets_nobody_launch(read_only_webserver: int):
    """One webserver start for both questions: it takes a while to boot."""
    nodes = _graphql(read_only_webserver, ASSETS_QUERY)["assetNodes"]
    upstream = {
        "/".join(n["assetKey"]["path"]): {"/".join(d["path"]) for d in n["dependencyKeys"]}
        for n in nodes
    }

    def reaches(asset: str, ancestor: str) -> bool:
        return ancestor in upstream[asset] or any(reaches(a, ancestor) for a in upstream[asset])

    # One read of each file feeds both the inventory and the parsed cells.
    assert {"submission_files", "parsed_submissions"} <= upstream["validated_submissions"]
    assert upstream["accepted_figures"] == {"validated_submissions"}
    assert "accepted_figures" in upstream["area_statistics"]
    # Earlier years reach a year only through their accepted figures.
    assert "accepted_figures" in upstream["submission_outcomes"]
    assert reaches("published_outputs", "provenance")
    assert {"area_statistics", "area_trends"} <= upstream["annual_report_pdf"]
    assert reaches("annual_report_pdf", "submission_files")
    assert reaches("provenance", "annual_report_pdf")
    groups = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}
    assert groups["submission_files"] == "ingest"
    assert groups["area_statistics"] == "statistics"
    assert groups["annual_report_pdf"] == "report"
    permissions = {
        p["permission"]: p["value"]
        for p in _graphql(read_only_webserver, PERMISSIONS_QUERY)["permissions"]
    }
    assert permissions["launch_pipeline_execution"] is False
    assert permissions["wipe_assets"] is False
