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

from cicopa.files import sha256_file
from cicopa.outcomes import (
    CHANGE_LOOKBACK_YEARS,
    YearValidation,
    fingerprint,
    resolve_year,
    scan_year,
    with_change_warnings,
)
from cicopa.outputs import write_csv
from cicopa.readers import RawSubmission
from cicopa.reference import Reference, ReferenceDataError, load_reference, reference_paths
from cicopa.withdrawals import load_withdrawals, withdrawals_path, withdrawn_in
from pipelines.io import BY_YEAR
from pipelines.metadata import column_schema, preview, say, written_file
from pipelines.partitions import reference_years
from pipelines.resources import CicopaPaths

GROUP = "ingest"
# Bumped when reading changes what a file yields: the parsed data's version follows it.
# 3: .xls read with xlrd (error cells, rows as wide as the sheet), JSON limits.
READER_VERSION = "3"


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


def parsed_version(files_digest: str) -> str:
    """The data version of `parsed_submissions`: the files, and the readers that read them."""
    return f"{files_digest[:32]}-reader{READER_VERSION}"


def withdrawals_version(raw_data: Path, year: int) -> tuple[str, str]:
    """withdrawals.csv's sha256 ("none" without the file) and the year's data version of
    `withdrawals`: what pipelines/build.py compares to tell a stored year current."""
    source = withdrawals_path(raw_data)
    digest = sha256_file(source) if source.is_file() else "none"
    return digest, f"{digest[:32]}-{year}"


INGEST_ASSETS = {
    "reference_data": "Member registry, regions and exchange rates, validated against their "
    "schemas.",
    "withdrawals": "reference/withdrawals.csv: the year's files the secretariat withdrew, and why.",
    "submission_files": "Every file in `submissions/<year>/` with its sha256: the evidence.",
    "parsed_submissions": "Each file read into a tidy text frame, or marked unreadable with why.",
    "validated_submissions": "Schema and registry checks, withdrawals, the resubmission rule, "
    "one status per file.",
    "accepted_figures": "Each member's accepted rows for the year: what later years compare "
    "and trend with.",
}
# What the year's outcome is decided from; the accepted rows are taken from the outcome.
_SOURCES = ("reference_data", "withdrawals", "submission_files", "parsed_submissions")
INGEST_CODE_VERSIONS = {
    "reference_data": "1",
    "withdrawals": "1",
    "submission_files": "2",
    "parsed_submissions": READER_VERSION,
    "validated_submissions": "2",
    "accepted_figures": "1",
}


@multi_asset(
    outs={
        name: AssetOut(
            group_name=GROUP,
            code_version=INGEST_CODE_VERSIONS[name],
            description=description,
            is_required=False,
        )
        for name, description in INGEST_ASSETS.items()
    },
    internal_asset_deps={
        **{name: set() for name in _SOURCES},
        "validated_submissions": {AssetKey(name) for name in _SOURCES},
        "accepted_figures": {AssetKey("validated_submissions")},
    },
    partitions_def=reference_years,
    can_subset=True,
)
def ingest_submissions(context: AssetExecutionContext, paths: CicopaPaths):
    """The year's ingest in one step: the registry, the withdrawals, each file read once
    (hashed for the inventory and parsed), then the outcome and its accepted rows.

    Each asset keeps its key, metadata and data version; one step spares the run the
    events and the loads of four (each source was stored, then loaded back to validate).
    A run may select some of them (the survey forms need the registry alone): the
    sources the selected assets rest on are computed, the selected ones stored.
    """
    year = _year(context)
    selected = context.op_execution_context.selected_output_names
    wanted = set(selected)
    if wanted & {"validated_submissions", "accepted_figures"}:
        wanted |= {*_SOURCES, "validated_submissions"}
    raw_data = paths.raw_data_dir

    if "reference_data" in wanted:
        try:
            reference = load_reference(raw_data, year)
        except ReferenceDataError as exc:
            raise Failure(description=str(exc)) from exc
        if "reference_data" in selected:
            yield _reference_output(reference, raw_data, year)
    if "withdrawals" in wanted:
        try:
            withdrawn = withdrawn_in(load_withdrawals(raw_data), year)
        except ReferenceDataError as exc:
            raise Failure(description=str(exc)) from exc
        if "withdrawals" in selected:
            digest, version = withdrawals_version(raw_data, year)
            yield Output(
                withdrawn,
                output_name="withdrawals",
                data_version=DataVersion(version),
                metadata={
                    "files withdrawn": len(withdrawn),
                    "withdrawn": MetadataValue.json(withdrawn),
                    "withdrawals.csv sha256": MetadataValue.text(digest),
                },
            )
    if wanted & {"submission_files", "parsed_submissions"}:
        files, raws = scan_year(raw_data, year)
        digest = fingerprint(files)
        say(context, f"{year}: {files.height} file(s) found in submissions/{year}/")
        if "submission_files" in selected:
            yield _files_output(files, digest)
        if "parsed_submissions" in selected:
            yield _parsed_output(raws, digest)
    if "validated_submissions" in wanted:
        hashes = dict(files.select("file", "sha256").iter_rows())
        outcome = resolve_year(raws, reference, year, hashes, withdrawn)
        yield from _validated_outputs(context, outcome, selected, year)


def _reference_output(reference: Reference, raw_data: Path, year: int) -> Output[Reference]:
    active = reference.members_active_in(year)
    digests = {p.name: sha256_file(p) for p in reference_paths(raw_data)}
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
    return Output(reference, output_name="reference_data", metadata=metadata, data_version=version)


def _files_output(files: pl.DataFrame, digest: str) -> Output[pl.DataFrame]:
    # A changed, added or removed file gives a new data version: downstream goes stale.
    return Output(
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


def _parsed_output(raws: list[RawSubmission], digest: str) -> Output[list[RawSubmission]]:
    unreadable = [r for r in raws if not r.readable]
    return Output(
        raws,
        output_name="parsed_submissions",
        data_version=DataVersion(parsed_version(digest)),
        metadata={
            "files": len(raws),
            "readable": len(raws) - len(unreadable),
            "unreadable": MetadataValue.md(
                "\n".join(f"- `{r.file}`: {r.issues[0].message}" for r in unreadable) or "none"
            ),
            "data rows": sum(r.rows for r in raws),
        },
    )


def _validated_outputs(
    context: AssetExecutionContext, outcome: YearValidation, selected: set[str], year: int
):
    counts = outcome.status_counts()
    statuses = ("accepted", "rejected", "superseded", "withdrawn", "unreadable")
    say(context, f"{year}: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in statuses))
    if "validated_submissions" in selected:
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
    if "accepted_figures" in selected:
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
