"""What every blocking check of a reference year shares: its decorator and its result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
from dagster import AssetCheckResult, AssetIn, AssetsDefinition, MetadataValue, asset_check

from pipelines.metadata import preview
from pipelines.partitions import reference_years


def blocking_check(asset: AssetsDefinition, *reads: str, **options: Any) -> Callable[..., Any]:
    """`@asset_check` on one reference year that stops the run (and so the report) when it fails.

    `reads` names the other assets of the same year the check compares with; each is a
    parameter of the check under its asset name.
    """
    return asset_check(
        asset=asset,
        blocking=True,
        partitions_def=reference_years,
        additional_ins={name: AssetIn(name) for name in reads},
        **options,
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
