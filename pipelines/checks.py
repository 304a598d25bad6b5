"""What every blocking check of a reference year shares: its spec and its result.

Each check is evaluated in the step that computes its asset (a multi-asset's
`check_specs`), from the tables that step has just computed.
"""

from __future__ import annotations

import polars as pl
from dagster import AssetCheckResult, AssetCheckSpec, MetadataValue

from pipelines.metadata import preview
from pipelines.partitions import reference_years


def blocking_check(name: str, asset: str, description: str, *reads: str) -> AssetCheckSpec:
    """A check on one reference year that stops the run (and so the report) when it fails.

    `reads` names the other assets of the same year the check compares with. A failed
    blocking check fails its step once the step's outputs are stored, so nothing
    downstream of them runs.
    """
    return AssetCheckSpec(
        name,
        asset=asset,
        description=description,
        blocking=True,
        partitions_def=reference_years,
        additional_deps=reads,
    )


def failures_result(
    failures: pl.DataFrame,
    counted: dict[str, int],
    more: dict[str, MetadataValue] | None = None,
) -> AssetCheckResult:
    """Passed when no row fails; the UI shows what was counted, how many rows fail and which."""
    return AssetCheckResult(
        passed=failures.is_empty(),
        metadata={
            **counted,
            "failing rows": failures.height,
            "failures": preview(failures) if failures.height else MetadataValue.text("none"),
            **(more or {}),
        },
    )


def evaluated(spec: AssetCheckSpec, result: AssetCheckResult) -> AssetCheckResult:
    """`result` as the evaluation of `spec`, for a step that evaluates several checks."""
    return AssetCheckResult(
        asset_key=spec.asset_key,
        check_name=spec.name,
        passed=result.passed,
        metadata=result.metadata,
    )
