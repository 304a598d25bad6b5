"""Collection stage: survey forms, the response tracker and feedback letters."""

from concurrent.futures import Future
from datetime import date

import polars as pl
from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, asset

from cicopa.files import write_atomic
from cicopa.outcomes import CHANGE_LOOKBACK_YEARS, YearValidation
from cicopa.outputs import write_csv
from cicopa.reference import Reference
from cicopa.settings import default_deadline
from cicopa.tracker import missing_by_region, tracker_table
from pipelines.assets.ingest import accepted_figures_of
from pipelines.metadata import column_schema, preview, say, written_file
from pipelines.partitions import reference_years
from pipelines.rendering import cancelled_on_failure
from pipelines.resources import CicopaPaths, DocumentRenderer

GROUP = "collection"


class DeadlineConfig(Config):
    """The day corrections and answers are due, as YYYY-MM-DD; empty for the calendar's."""

    deadline: str = ""

    def day(self, year: int) -> date:
        return date.fromisoformat(self.deadline) if self.deadline else default_deadline(year)


@asset(
    group_name=GROUP,
    partitions_def=reference_years,
    code_version="2",
    ins={"earlier": accepted_figures_of(CHANGE_LOOKBACK_YEARS)},
)
def survey_forms(
    context: AssetExecutionContext,
    config: DeadlineConfig,
    paths: CicopaPaths,
    reference_data: Reference,
    earlier: dict[int, pl.DataFrame],
) -> MaterializeResult:
    """forms/<year>/<member_id>.xlsx: one prepared form per active member, in its language."""
    from reports.forms import open_collection  # for the run, not the code location's load

    year = int(context.partition_key)
    written = open_collection(
        reference_data, paths.out_dir, year, earlier=earlier, deadline=config.day(year)
    )
    say(context, f"{year}: {len(written)} survey form(s) written")
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
    submission_outcomes: YearValidation,
) -> MaterializeResult:
    """collection/<year>/tracker.csv: every active member with its status, file and issues."""
    year = int(context.partition_key)
    tracker = tracker_table(reference_data, submission_outcomes, year)
    missing = missing_by_region(tracker)
    path = paths.collection_out(year) / "tracker.csv"
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
    config: DeadlineConfig,
    paths: CicopaPaths,
    renderer: DocumentRenderer,
    reference_data: Reference,
    submission_outcomes: YearValidation,
) -> MaterializeResult:
    """feedback/<year>/<member_id>.pdf for each member with a rejected file or warnings.

    The letters are written here and made PDF by the run's rendering process.
    """
    # Imported here: the templates are for the run, not for the code location's load.
    from reports.feedback import letters_html
    from reports.pdf import letter_pdf

    year = int(context.partition_key)
    deadline = config.day(year)
    html = letters_html(
        reference=reference_data, validation=submission_outcomes, year=year, deadline=deadline
    )
    jobs: dict[str, Future[bytes]] = {}
    with cancelled_on_failure(jobs.values()):
        for member_id, letter in html.items():
            jobs[member_id] = renderer.submit(letter_pdf, letter, year)
        letters = {member_id: job.result() for member_id, job in jobs.items()}
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
