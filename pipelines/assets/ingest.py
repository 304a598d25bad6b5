"""Ingest stage: reference data, raw submission files, validation, accepted figures."""

from pathlib import Path

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetKey,
    AssetOut,
    DataVersion,
    Failure,
    MaterializeResult,
    MetadataValue,
    Output,
    TimeWindowPartitionMapping,
    asset,
    multi_asset,
)

from cicopa.outcomes import (
    CHANGE_LOOKBACK_YEARS,
    YearValidation,
    fingerprint,
    resolve_year,
    scan_year,
    with_change_warnings,
)
from cicopa.outputs import sha256_file, write_csv
from cicopa.readers import RawSubmission
from cicopa.reference import Reference, ReferenceDataError, load_reference, reference_paths
from cicopa.withdrawals import load_withdrawals, withdrawals_path, withdrawn_in
from pipelines.io import BY_YEAR
from pipelines.metadata import column_schema, preview, say, written_file
from pipelines.partitions import reference_years
from pipelines.resources import CicopaPaths

GROUP = "ingest"
# Bumped when reading changes what a file yields: the parsed data's version follows it.
READER_VERSION = "2"


def _year(context: AssetExecutionContext) -> int:
    return int(context.partition_key)


def accepted_figures_of(years: int, *, and_this_year: bool = False) -> AssetIn:
    """The input `accepted_figures` of Y-years..Y-1 (..Y with `and_this_year`), loaded as
    {year: frame}: the earlier partitions a year's figures are compared with."""
    return AssetIn(
        key="accepted_figures",
        partition_mapping=TimeWindowPartitionMapping(
            start_offset=-years,
            end_offset=0 if and_this_year else -1,
            allow_nonexistent_upstream_partitions=True,
        ),
        metadata={BY_YEAR: True},
    )


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1")
def reference_data(context: AssetExecutionContext, paths: CicopaPaths) -> Output[Reference]:
    """Member registry, regions and exchange rates, validated against their schemas."""
    try:
        reference = load_reference(paths.raw_data_dir, _year(context))
    except ReferenceDataError as exc:
        raise Failure(description=str(exc)) from exc
    year = _year(context)
    active = reference.members_active_in(year)
    digests = {p.name: sha256_file(p) for p in reference_paths(paths.raw_data_dir)}
    metadata: dict[str, object] = {
        "members in registry": reference.members.height,
        "members active in year": active.height,
        "countries of active members": active["country"].n_unique(),
        "exchange rates for year": reference.rates_for(year).height,
        "active members": preview(active.select("member_id", "name", "country", "membership")),
        **{f"{name} sha256": MetadataValue.text(d) for name, d in digests.items()},
    }
    # The registry's content is its version: a changed members.csv makes the year stale.
    version = DataVersion("-".join(d[:16] for d in digests.values()))
    return Output(reference, metadata=metadata, data_version=version)


def withdrawals_version(raw_data: Path, year: int) -> tuple[str, str]:
    """withdrawals.csv's sha256 ("none" without the file) and the year's data version of
    `withdrawals`: what pipelines/build.py compares to tell a stored year current."""
    source = withdrawals_path(raw_data)
    digest = sha256_file(source) if source.is_file() else "none"
    return digest, f"{digest[:32]}-{year}"


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1")
def withdrawals(context: AssetExecutionContext, paths: CicopaPaths) -> Output[dict[str, str]]:
    """reference/withdrawals.csv: the year's files the secretariat withdrew, and why."""
    year = _year(context)
    try:
        chosen = withdrawn_in(load_withdrawals(paths.raw_data_dir), year)
    except ReferenceDataError as exc:
        raise Failure(description=str(exc)) from exc
    digest, version = withdrawals_version(paths.raw_data_dir, year)
    return Output(
        chosen,
        data_version=DataVersion(version),
        metadata={
            "files withdrawn": len(chosen),
            "withdrawn": MetadataValue.json(chosen),
            "withdrawals.csv sha256": MetadataValue.text(digest),
        },
    )


@multi_asset(
    outs={
        "submission_files": AssetOut(
            group_name=GROUP,
            code_version="2",
            description="Every file in `submissions/<year>/` with its sha256: the evidence.",
        ),
        "parsed_submissions": AssetOut(
            group_name=GROUP,
            code_version=READER_VERSION,
            description="Each file read into a tidy text frame, or marked unreadable with why.",
        ),
    },
    partitions_def=reference_years,
)
def read_submission_files(context: AssetExecutionContext, paths: CicopaPaths):
    """Each file of the year is read once: hashed for the inventory and parsed."""
    year = _year(context)
    files, raws = scan_year(paths.raw_data_dir, year)
    digest = fingerprint(files)
    unreadable = [r for r in raws if not r.readable]
    say(context, f"{year}: {files.height} file(s) found in submissions/{year}/")
    # A changed, added or removed file gives a new data version: downstream goes stale.
    yield Output(
        files,
        output_name="submission_files",
        data_version=DataVersion(digest),
        metadata={
            "files": files.height,
            "bytes": int(files["bytes"].sum()),
            "folder fingerprint (sha256)": digest,
            "files by format": MetadataValue.json(
                dict(files.group_by("format").len().sort("format").iter_rows())
            ),
            "preview": preview(files),
            "dagster/column_schema": column_schema(files),
            "dagster/row_count": files.height,
        },
    )
    yield Output(
        raws,
        output_name="parsed_submissions",
        data_version=DataVersion(f"{digest[:32]}-reader{READER_VERSION}"),
        metadata={
            "files": len(raws),
            "readable": len(raws) - len(unreadable),
            "unreadable": MetadataValue.md(
                "\n".join(f"- `{r.file}`: {r.issues[0].message}" for r in unreadable) or "none"
            ),
            "data rows": sum(r.rows for r in raws),
        },
    )


@multi_asset(
    outs={
        "validated_submissions": AssetOut(
            group_name=GROUP,
            code_version="2",
            description="Schema and registry checks, withdrawals, the resubmission rule, "
            "one status per file.",
        ),
        "accepted_figures": AssetOut(
            group_name=GROUP,
            code_version="1",
            description="Each member's accepted rows for the year: what later years compare "
            "and trend with.",
        ),
    },
    internal_asset_deps={
        "validated_submissions": {
            AssetKey("reference_data"),
            AssetKey("submission_files"),
            AssetKey("parsed_submissions"),
            AssetKey("withdrawals"),
        },
        "accepted_figures": {AssetKey("validated_submissions")},
    },
    partitions_def=reference_years,
)
def validate_submissions(
    context: AssetExecutionContext,
    reference_data: Reference,
    submission_files: pl.DataFrame,
    parsed_submissions: list[RawSubmission],
    withdrawals: dict[str, str],
):
    """One step for the year's outcome and the accepted rows taken from it: the rows are a
    projection of the outcome, and a step of their own cost a run its events and a load."""
    year = _year(context)
    hashes = dict(submission_files.select("file", "sha256").iter_rows())
    outcome = resolve_year(parsed_submissions, reference_data, year, hashes, withdrawals)
    counts = outcome.status_counts()
    statuses = ("accepted", "rejected", "superseded", "withdrawn", "unreadable")
    say(context, f"{year}: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in statuses))
    yield Output(
        outcome,
        output_name="validated_submissions",
        metadata={
            **{status: counts.get(status, 0) for status in statuses},
            "accepted rows": outcome.accepted_rows.height,
            "members reporting": outcome.accepted_rows["member_id"].n_unique(),
            "errors": int((outcome.issues["severity"] == "error").sum()),
            "submissions": preview(outcome.submissions),
            "dagster/row_count": outcome.submissions.height,
        },
    )
    rows = outcome.accepted_rows
    yield Output(
        rows,
        output_name="accepted_figures",
        metadata={
            "dagster/row_count": rows.height,
            "dagster/column_schema": column_schema(rows),
            "members": rows["member_id"].n_unique(),
            "preview": preview(rows),
        },
    )


@asset(
    group_name=GROUP,
    partitions_def=reference_years,
    code_version="1",
    ins={"earlier": accepted_figures_of(CHANGE_LOOKBACK_YEARS)},
)
def submission_outcomes(
    context: AssetExecutionContext,
    validated_submissions: YearValidation,
    earlier: dict[int, pl.DataFrame],
) -> Output[YearValidation]:
    """Statuses and every issue, with warnings for totals far from the member's last year."""
    outcome = with_change_warnings(validated_submissions, earlier)
    return Output(
        outcome,
        metadata={
            "earlier years compared": MetadataValue.json(sorted(earlier)),
            "errors": int((outcome.issues["severity"] == "error").sum()),
            "warnings": int((outcome.issues["severity"] == "warning").sum()),
            "issues": preview(outcome.issues),
            "dagster/row_count": outcome.issues.height,
        },
    )


@asset(group_name=GROUP, partitions_def=reference_years, code_version="2")
def validation_report(
    context: AssetExecutionContext, paths: CicopaPaths, submission_outcomes: YearValidation
) -> MaterializeResult:
    """`validation/submissions.csv` and `validation/issues.csv` for the year."""
    folder = paths.staging(_year(context), context.run.run_id) / "validation"
    metadata: dict[str, object] = {}
    for name, frame in (
        ("submissions.csv", submission_outcomes.submissions),
        ("issues.csv", submission_outcomes.issues),
    ):
        path = folder / name
        metadata.update(written_file(path, write_csv(path, frame)))
    metadata["issues"] = preview(submission_outcomes.issues)
    return MaterializeResult(metadata=metadata)
