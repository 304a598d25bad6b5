"""Editions: whether a build revises the published year, and its publication as one unit.

Computed by the report steps (pipelines/assets/report.py).
"""

import json
from dataclasses import dataclass
from typing import Any

import polars as pl
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, Output

from cicopa.outputs import write_csv
from cicopa.publish import REVISIONS_FILE, publish, revision_count, year_lock
from cicopa.series import REVISIONS_COLUMNS, revision_reason, revisions
from cicopa.settings import (
    MEMBER_LEVEL_STATISTICS,
    SDMX_FOLDER,
    STATISTICS_FILES,
    VALIDATION_FILES,
    sdmx_data_file_name,
    sdmx_structure_file_name,
)
from pipelines.metadata import preview, say
from pipelines.resources import CicopaPaths
from pipelines.runs import clean_staging

REVISIONS_SCHEMA = {c: pl.Int64 if c == "revision" else pl.String for c in REVISIONS_COLUMNS}


def required_outputs(year: int) -> tuple[str, ...]:
    """What a year's set cannot be published without (reports and annexes: per language)."""
    return (
        *(f"statistics/{name}" for name in (*STATISTICS_FILES, *MEMBER_LEVEL_STATISTICS)),
        *(
            f"{SDMX_FOLDER}/{name(year)}"
            for name in (sdmx_data_file_name, sdmx_structure_file_name)
        ),
        *(f"validation/{name}" for name in VALIDATION_FILES),
    )


@dataclass(frozen=True)
class Edition:
    """The edition a build makes: its number, and the revision it is (None: not one)."""

    number: int
    revision: int | None
    reasons: tuple[str, ...]
    revised: pl.DataFrame  # the rows of revisions.csv this build adds


EDITION = "Compares this build's inputs with the published year's: same edition, or a revision."
PUBLISHED = "`<out>/<year>/`: the staged outputs swapped in whole, once every step has succeeded."


def edition(
    context: AssetExecutionContext, paths: CicopaPaths, figures_provenance_record: Any
) -> Output[Edition]:
    """The asset `edition` of the year (EDITION), from the figures' provenance record."""
    year = int(context.partition_key)
    published = paths.year_out(year)
    staged = paths.staging(year, context.run.run_id)
    old_record = published / "provenance.json"
    empty = pl.DataFrame(schema=REVISIONS_SCHEMA)
    if not old_record.is_file():
        result = Edition(1, None, (), empty)
    else:
        old = json.loads(old_record.read_text())
        reason = revision_reason(old["inputs"], figures_provenance_record.record["inputs"])
        changes = tuple(reason.split("; ")) if reason else ()
        number = int(old.get("edition", 1))
        history = (
            pl.read_csv(published / REVISIONS_FILE, schema=REVISIONS_SCHEMA)
            if (published / REVISIONS_FILE).is_file()
            else empty
        )
        if changes:
            revision = revision_count(published) + 1
            rows = revisions(
                pl.read_csv(published / "statistics" / "by_area.csv", infer_schema=False),
                pl.read_csv(figures_provenance_record.files["by_area.csv"], infer_schema=False),
                revision,
                reason,
            ).cast(REVISIONS_SCHEMA)
            result = Edition(number + 1, revision, changes, rows)
            history = pl.concat([history, rows])
        else:
            result = Edition(number, None, (), empty)
        if history.height or changes:
            write_csv(staged / REVISIONS_FILE, history)
    revised = f", revision {result.revision}: {'; '.join(result.reasons)}"
    say(context, f"{year}: edition {result.number}" + (revised if result.revision else ""))
    return Output(
        result,
        output_name="edition",
        metadata={
            "edition": result.number,
            "revision": result.revision or 0,
            "reasons": MetadataValue.json(list(result.reasons)),
            "revised figures": preview(result.revised),
        },
    )


def published_outputs(
    context: AssetExecutionContext, paths: CicopaPaths, edition: Edition
) -> MaterializeResult:
    """The asset `published_outputs` of the year (PUBLISHED): the staged set swapped in."""
    year = int(context.partition_key)
    staged, target = paths.staging(year, context.run.run_id), paths.year_out(year)
    with year_lock(paths.out_dir, year):
        what = publish(staged, target, revision=edition.revision, required=required_outputs(year))
        clean_staging(context.instance, paths.out_dir, year)
    files = [p for p in target.rglob("*") if p.is_file()]
    say(context, f"{year}: outputs {what} in {target}")
    return MaterializeResult(
        asset_key="published_outputs",
        metadata={
            "outcome": what,
            "folder": MetadataValue.path(str(target)),
            "files": len(files),
            "edition": edition.number,
        },
    )
