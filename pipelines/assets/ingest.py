"""Ingest stage: reference data, raw submission files, parsing, validation report."""

import hashlib
from functools import partial

from dagster import (
    AssetExecutionContext,
    DataVersion,
    Failure,
    MaterializeResult,
    MetadataValue,
    Output,
    asset,
)

from cicopa.outcomes import (
    YearValidation,
    inventory,
    previous_accepted_totals,
    read_year,
    resolve_year,
)
from cicopa.outputs import sha256_file, write_csv
from cicopa.readers import RawSubmission
from cicopa.reference import Reference, ReferenceDataError, load_reference, reference_paths
from pipelines.metadata import column_schema, preview, written_file
from pipelines.partitions import reference_years
from pipelines.resources import CicopaPaths

GROUP = "ingest"


def _year(context: AssetExecutionContext) -> int:
    return int(context.partition_key)


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1")
def reference_data(context: AssetExecutionContext, paths: CicopaPaths) -> Output[Reference]:
    """Member registry, regions and exchange rates, validated against their schemas."""
    try:
        reference = load_reference(paths.raw_data_dir)
    except ReferenceDataError as exc:
        raise Failure(description=str(exc)) from exc
    year = _year(context)
    active = reference.members_active_in(year)
    metadata: dict[str, object] = {
        "members in registry": reference.members.height,
        "members active in year": active.height,
        "countries of active members": active["country"].n_unique(),
        "exchange rates for year": reference.rates_for(year).height,
        "active members": preview(active.select("member_id", "name", "country", "membership")),
    }
    for path in reference_paths(paths.raw_data_dir):
        metadata[f"{path.name} sha256"] = MetadataValue.text(sha256_file(path))
    return Output(reference, metadata=metadata)


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1")
def submission_files(context: AssetExecutionContext, paths: CicopaPaths) -> Output:
    """Every file in `submissions/<year>/` with its sha256: the evidence for the year."""
    files = inventory(paths.raw_data_dir, _year(context))
    fingerprint = hashlib.sha256(
        "\n".join(f"{f} {h}" for f, h in files.select("file", "sha256").iter_rows()).encode()
    ).hexdigest()
    return Output(
        files,
        # A changed, added or removed file gives a new data version, so downstream goes stale.
        data_version=DataVersion(fingerprint),
        metadata={
            "files": files.height,
            "bytes": int(files["bytes"].sum()),
            "folder fingerprint (sha256)": fingerprint,
            "files by format": MetadataValue.json(
                dict(files.group_by("format").len().sort("format").iter_rows())
            ),
            "preview": preview(files),
            "dagster/column_schema": column_schema(files),
            "dagster/row_count": files.height,
        },
    )


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1", deps=[submission_files])
def parsed_submissions(
    context: AssetExecutionContext, paths: CicopaPaths
) -> Output[list[RawSubmission]]:
    """Each file read into a tidy text frame, or marked unreadable with the reason."""
    raws = read_year(paths.raw_data_dir, _year(context))
    unreadable = [r for r in raws if not r.readable]
    return Output(
        raws,
        metadata={
            "files": len(raws),
            "readable": len(raws) - len(unreadable),
            "unreadable": MetadataValue.md(
                "\n".join(f"- `{r.file}`: {r.issues[0].message}" for r in unreadable) or "none"
            ),
            "data rows": sum(r.rows for r in raws),
        },
    )


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1")
def validated_submissions(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    reference_data: Reference,
    submission_files,
    parsed_submissions: list[RawSubmission],
) -> Output[YearValidation]:
    """Schema and registry checks, the resubmission rule, and one status per file."""
    year = _year(context)
    hashes = dict(submission_files.select("file", "sha256").iter_rows())
    previous = partial(previous_accepted_totals, paths.raw_data_dir, reference_data, year)
    outcome = resolve_year(parsed_submissions, reference_data, year, hashes, previous)
    counts = outcome.status_counts()
    return Output(
        outcome,
        metadata={
            **{
                status: counts.get(status, 0)
                for status in ("accepted", "rejected", "superseded", "unreadable")
            },
            "accepted rows": outcome.accepted_rows.height,
            "members reporting": outcome.accepted_rows["member_id"].n_unique(),
            "errors": int((outcome.issues["severity"] == "error").sum()),
            "warnings": int((outcome.issues["severity"] == "warning").sum()),
            "submissions": preview(outcome.submissions),
            "dagster/row_count": outcome.accepted_rows.height,
        },
    )


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1")
def validation_report(
    context: AssetExecutionContext, paths: CicopaPaths, validated_submissions: YearValidation
) -> MaterializeResult:
    """`validation/submissions.csv` and `validation/issues.csv` for the year."""
    folder = paths.year_out(_year(context)) / "validation"
    metadata: dict[str, object] = {}
    for name, frame in (
        ("submissions.csv", validated_submissions.submissions),
        ("issues.csv", validated_submissions.issues),
    ):
        path = folder / name
        metadata.update(written_file(path, write_csv(path, frame)))
    metadata["issues"] = preview(validated_submissions.issues)
    return MaterializeResult(metadata=metadata)
