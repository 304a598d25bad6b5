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

from cicopa.files import sha256_file
from cicopa.settings import PROJECT_ROOT

PACKAGES = (
    "cicopa-stats",
    "dagster",
    "polars",
    "pandera",
    "weasyprint",
    "jinja2",
    "fastexcel",
    "xlrd",
)


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


def provenance_inputs(
    raw_data: Path,
    reference_files: list[Path],
    submission_files: pl.DataFrame,
    statuses: pl.DataFrame,
) -> pl.DataFrame:
    """Every input with sha256, bytes and status (reference tables, then submissions)."""
    references = pl.DataFrame(
        [
            {
                "file": p.relative_to(raw_data).as_posix(),
                "sha256": sha256_file(p),
                "bytes": p.stat().st_size,
                "status": "reference",
            }
            for p in reference_files
        ],
        schema={"file": pl.String, "sha256": pl.String, "bytes": pl.Int64, "status": pl.String},
    )
    submissions = submission_files.join(statuses.select("file", "status"), on="file", how="left")
    return pl.concat([references, submissions.select(references.columns)]).sort("file")


def figures_provenance(
    *, year: int, inputs: pl.DataFrame, outputs: dict[str, str]
) -> dict[str, Any]:
    """What the figures rest on: inputs, the statistics files and the code. Deterministic.

    This is the record embedded in the PDF, which cannot contain its own hash nor the
    time of the run that renders it; provenance.json adds those.
    """
    return {
        "reference_year": year,
        "inputs": inputs.sort("file").to_dicts(),
        "outputs": [{"path": path, "sha256": digest} for path, digest in sorted(outputs.items())],
        "software": software_versions(),
        "code_revision": code_revision(),
    }


def build_provenance(
    figures: dict[str, Any],
    *,
    raw_data: Path,
    out_dir: Path,
    outputs: list[Path],
    run_id: str,
    built_at: datetime | None = None,
) -> dict[str, Any]:
    """provenance.json: the figures' record plus every output file, the run and its time."""
    return {
        **figures,
        "raw_data": str(raw_data),
        "outputs": [
            {"path": p.relative_to(out_dir).as_posix(), "sha256": sha256_file(p)}
            for p in sorted(outputs)
        ],
        "orchestrator": {"name": "dagster", "run_id": run_id},
        "built_at": (built_at or datetime.now(UTC)).isoformat(timespec="seconds"),
    }


def provenance_bytes(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode()
