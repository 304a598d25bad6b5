"""Collection stage: survey forms, the response tracker and feedback letters."""

import polars as pl
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from cicopa.feedback import feedback_pdfs
from cicopa.forms import open_collection
from cicopa.outcomes import YearValidation
from cicopa.outputs import write_atomic, write_csv
from cicopa.reference import Reference
from cicopa.settings import default_deadline
from cicopa.tracker import missing_by_region, tracker_table
from pipelines.assets.ingest import reference_data
from pipelines.metadata import column_schema, preview, written_file
from pipelines.partitions import reference_years
from pipelines.resources import CicopaPaths

GROUP = "collection"


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1", deps=[reference_data])
def survey_forms(context: AssetExecutionContext, paths: CicopaPaths) -> MaterializeResult:
    """forms/<year>/<member_id>.xlsx: one prepared form per active member, in its language."""
    year = int(context.partition_key)
    written = open_collection(paths.raw_data_dir, paths.out_dir, year)
    return MaterializeResult(
        metadata={
            "forms": len(written),
            "folder": MetadataValue.path(str(paths.out_dir / "forms" / str(year))),
            "members": MetadataValue.json(sorted(p.stem for p in written)),
        }
    )


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1")
def response_tracker(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    reference_data: Reference,
    validated_submissions: YearValidation,
) -> MaterializeResult:
    """validation/tracker.csv: every active member with its status, file and issue counts."""
    year = int(context.partition_key)
    tracker = tracker_table(reference_data, validated_submissions, year)
    missing = missing_by_region(tracker)
    path = paths.year_out(year) / "validation" / "tracker.csv"
    counts = dict(tracker.group_by("status").len().sort("status").iter_rows())
    return MaterializeResult(
        metadata={
            **written_file(path, write_csv(path, tracker)),
            **{f"members {status}": int(n) for status, n in counts.items()},
            "missing by region": preview(missing),
            "tracker": preview(tracker, rows=60),
            "dagster/row_count": tracker.height,
            "dagster/column_schema": column_schema(tracker),
        }
    )


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1")
def member_feedback(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    reference_data: Reference,
    validated_submissions: YearValidation,
) -> MaterializeResult:
    """feedback/<year>/<member_id>.pdf for each member with a rejected file or warnings."""
    year = int(context.partition_key)
    deadline = default_deadline(year)
    letters = feedback_pdfs(
        reference=reference_data, validation=validated_submissions, year=year, deadline=deadline
    )
    folder = paths.out_dir / "feedback" / str(year)
    for stale in folder.glob("*.pdf") if folder.is_dir() else []:
        if stale.stem not in letters:  # the member has since sent a clean file
            stale.unlink()
    metadata: dict[str, object] = {"letters": len(letters), "deadline": deadline.isoformat()}
    for member_id, pdf in sorted(letters.items()):
        path = folder / f"{member_id}.pdf"
        metadata[f"{member_id} sha256"] = write_atomic(path, pdf)
    metadata["folder"] = MetadataValue.path(str(folder))
    metadata["members"] = preview(pl.DataFrame({"member_id": sorted(letters)}))
    return MaterializeResult(metadata=metadata)
