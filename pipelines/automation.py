"""Jobs, the yearly build schedule and the submissions sensor."""

import json
import re

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    schedule,
    sensor,
)

from cicopa.outcomes import fingerprint, inventory
from cicopa.settings import BUILD_AFTER, COLLECTION_OPENS, SUBMISSIONS_SENSOR_INTERVAL
from pipelines.partitions import reference_years
from pipelines.resources import CicopaPaths

# A build publishes a year; the survey forms belong to the opening of its collection.
BUILD_SELECTION = AssetSelection.all() - AssetSelection.assets("survey_forms")

# The same job whoever starts it (the command line, the schedule, the UI); its report
# languages default to all three.
annual_build_job = define_asset_job(
    "annual_build",
    selection=BUILD_SELECTION,
    description="Everything for a reference year: validation, statistics, reports, provenance.",
)

ingest_job = define_asset_job(
    "ingest_and_validate",
    # The tracker and the feedback letters refresh with every new file; the published
    # validation/ files change only with a build, together with the rest of the year.
    selection=(AssetSelection.groups("ingest") - AssetSelection.assets("validation_report"))
    | AssetSelection.assets("response_tracker", "member_feedback"),
    description="Validate a year's submissions; refresh the tracker and the feedback letters.",
)

open_collection_job = define_asset_job(
    "open_collection",
    selection=AssetSelection.assets("reference_data", "survey_forms"),
    description="Write each active member's survey form for the reference year.",
)


@schedule(
    job=annual_build_job,
    cron_schedule=BUILD_AFTER.cron,
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
def annual_build_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """After the collection deadline of year Y+1, build reference year Y in all languages."""
    year = context.scheduled_execution_time.year - 1
    return RunRequest(
        run_key=f"annual-build-{year}",
        partition_key=str(year),
        tags={"cicopa/trigger": "schedule"},
    )


@schedule(
    job=open_collection_job,
    cron_schedule=COLLECTION_OPENS.cron,
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
def collection_opening_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """On 15 January of Y+1, write the survey forms for reference year Y."""
    year = context.scheduled_execution_time.year - 1
    return RunRequest(
        run_key=f"open-collection-{year}",
        partition_key=str(year),
        tags={"cicopa/trigger": "schedule"},
    )


def folder_fingerprints(paths: CicopaPaths) -> dict[str, str]:
    """Per reference-year folder, a hash of its files' names and contents."""
    root = paths.raw_data_dir / "submissions"
    if not root.is_dir():
        return {}
    fingerprints = {}
    for folder in sorted(root.iterdir()):
        key = folder.name
        if not (folder.is_dir() and re.fullmatch(r"\d{4}", key)):
            continue
        if not reference_years.has_partition_key(key):
            continue  # the year is still running: nothing to build yet
        fingerprints[key] = fingerprint(inventory(paths.raw_data_dir, int(key)))
    return fingerprints


@sensor(
    job=ingest_job,
    minimum_interval_seconds=SUBMISSIONS_SENSOR_INTERVAL,
    default_status=DefaultSensorStatus.RUNNING,
)
def submissions_sensor(
    context: SensorEvaluationContext, paths: CicopaPaths
) -> SensorResult | SkipReason:
    """A new, changed or removed file in submissions/<year>/ re-validates that year.

    The run key is the folder's content hash, so the same files never run twice.
    """
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current = folder_fingerprints(paths)
    changed = {year: digest for year, digest in current.items() if seen.get(year) != digest}
    if not changed:
        return SkipReason("no new or changed submission files")
    return SensorResult(
        run_requests=[
            RunRequest(
                run_key=f"submissions-{year}-{digest[:16]}",
                partition_key=year,
                tags={"cicopa/trigger": "sensor", "cicopa/folder_sha256": digest},
            )
            for year, digest in sorted(changed.items())
        ],
        cursor=json.dumps(current, sort_keys=True),
    )
