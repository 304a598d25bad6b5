"""Report stage: the annual report PDF and the provenance record of the build."""

import polars as pl
from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from cicopa.outcomes import YearValidation, relative_name
from cicopa.outputs import sha256_file, write_atomic
from cicopa.provenance import build_provenance, provenance_bytes
from cicopa.reference import Reference, reference_paths
from pipelines.assets.ingest import validation_report
from pipelines.assets.statistics import area_statistics, sector_statistics, type_statistics
from pipelines.metadata import written_file
from pipelines.partitions import reference_years
from pipelines.resources import CicopaPaths, ReportSettings
from reports.model import ReportData
from reports.render import render_pdf

GROUP = "report"
STATISTICS_FILES = ("by_area.csv", "by_sector.csv", "by_type.csv")
VALIDATION_FILES = ("submissions.csv", "issues.csv")


def report_file_name(year: int, lang: str = "en") -> str:
    return f"annual_report_{year}_{lang}.pdf"


def reporting_members(reference: Reference, accepted: pl.DataFrame) -> pl.DataFrame:
    """Members with an accepted submission, with their country and region, for the report."""
    return (
        reference.members.filter(pl.col("member_id").is_in(accepted["member_id"].implode()))
        .join(reference.regions, on="country", how="left")
        .select("member_id", "name", "country", "country_name", "region")
        .sort("country_name", "name")
    )


@asset(group_name=GROUP, partitions_def=reference_years, code_version="1")
def annual_report_pdf(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    report_settings: ReportSettings,
    reference_data: Reference,
    validated_submissions: YearValidation,
    area_statistics: pl.DataFrame,
    sector_statistics: pl.DataFrame,
    type_statistics: pl.DataFrame,
) -> MaterializeResult:
    """The annual report in English, rendered from the statistics tables only."""
    year = int(context.partition_key)
    data = ReportData(
        year=year,
        by_area=area_statistics,
        by_sector=sector_statistics,
        by_type=type_statistics,
        submissions=validated_submissions.submissions,
        reporting_members=reporting_members(reference_data, validated_submissions.accepted_rows),
        fx_rates=reference_data.rates_for(year),
        fx_source=report_settings.fx_source,
    )
    pdf = render_pdf(data)
    path = paths.year_out(year) / report_file_name(year)
    digest = write_atomic(path, pdf)
    return MaterializeResult(
        metadata={
            **written_file(path, digest),
            "bytes": len(pdf),
            "language": "en",
        }
    )


@asset(
    group_name=GROUP,
    partitions_def=reference_years,
    code_version="1",
    deps=[
        validation_report,
        area_statistics,
        sector_statistics,
        type_statistics,
        annual_report_pdf,
    ],
)
def provenance(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    submission_files: pl.DataFrame,
    validated_submissions: YearValidation,
) -> MaterializeResult:
    """provenance.json: every input with its hash and status, every output, code and run."""
    year = int(context.partition_key)
    out_dir = paths.year_out(year)
    raw_data = paths.raw_data_dir
    statuses = validated_submissions.submissions.select("file", "status")
    references = pl.DataFrame(
        [
            {
                "file": relative_name(p, raw_data),
                "sha256": sha256_file(p),
                "bytes": p.stat().st_size,
                "status": "reference",
            }
            for p in reference_paths(raw_data)
        ]
    )
    inputs = pl.concat(
        [
            references,
            submission_files.join(statuses, on="file", how="left").select(
                "file", "sha256", "bytes", "status"
            ),
        ]
    )
    outputs = [
        out_dir / report_file_name(year),
        *(out_dir / "statistics" / name for name in STATISTICS_FILES),
        *(out_dir / "validation" / name for name in VALIDATION_FILES),
    ]
    record = build_provenance(
        year=year,
        raw_data=raw_data,
        inputs=inputs,
        out_dir=out_dir,
        outputs=outputs,
        run_id=context.run.run_id,
    )
    path = out_dir / "provenance.json"
    digest = write_atomic(path, provenance_bytes(record))
    return MaterializeResult(
        metadata={
            **written_file(path, digest),
            "inputs": len(record["inputs"]),
            "outputs": MetadataValue.json(record["outputs"]),
            "code revision": MetadataValue.json(record["code_revision"]),
        }
    )
