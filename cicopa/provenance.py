"""provenance.json: which inputs, which code and which run produced a year's outputs."""

from __future__ import annotations

import json
import platform
import subprocess
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import polars as pl

from cicopa.outputs import sha256_file

PACKAGES = ("cicopa-stats", "dagster", "polars", "pandera", "weasyprint", "jinja2", "fastexcel")
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def software_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def code_revision(root: Path = PROJECT_ROOT) -> dict[str, Any] | None:
    """The git commit of the code, and whether the work tree had uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "uncommitted_changes": bool(dirty)}


def build_provenance(
    *,
    year: int,
    raw_data: Path,
    inputs: pl.DataFrame,
    out_dir: Path,
    outputs: list[Path],
    run_id: str,
    built_at: datetime | None = None,
) -> dict[str, Any]:
    """The provenance record; `inputs` has file (relative to raw_data), sha256, bytes, status."""
    return {
        "reference_year": year,
        "raw_data": str(raw_data),
        "inputs": inputs.sort("file").to_dicts(),
        "outputs": [
            {"path": p.relative_to(out_dir).as_posix(), "sha256": sha256_file(p)}
            for p in sorted(outputs)
        ],
        "software": software_versions(),
        "code_revision": code_revision(),
        "orchestrator": {"name": "dagster", "run_id": run_id},
        "built_at": (built_at or datetime.now(UTC)).isoformat(timespec="seconds"),
    }


def provenance_bytes(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode()
