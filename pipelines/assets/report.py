"""Report stage: the figures' record and edition, the report and annex in each language,
provenance and publication."""

from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetKey,
    AssetOut,
    AssetSpec,
    Config,
    MaterializeResult,
    MetadataValue,
    Output,
    multi_asset,
)

from cicopa import series
from cicopa.files import sha256_bytes, write_atomic
from cicopa.outcomes import YearValidation
from cicopa.process import release_memory
from cicopa.provenance import (
    build_provenance,
    figures_provenance,
    provenance_bytes,
    provenance_inputs,
)
from cicopa.publish import record_files
from cicopa.reference import Reference, reference_paths
from cicopa.settings import (
    LANGUAGES,
    STATISTICS_FILES,
    annex_file_name,
    is_sample,
    report_file_name,
)
from cicopa.trends import Trends
from pipelines.assets import edition as edition_asset
from pipelines.assets.edition import Edition
from pipelines.assets.ingest import validation_report
from pipelines.assets.series import Estimates
from pipelines.io import storage_folder
from pipelines.metadata import pdf_pages, say, written_file
from pipelines.partitions import reference_years
from pipelines.rendering import cancelled_on_failure
from pipelines.resources import CicopaPaths, DocumentRenderer, ReportSettings
from reports.model import ReportData

GROUP = "report"


def reporting_members(reference: Reference, accepted: pl.DataFrame) -> pl.DataFrame:
    """Members with an accepted submission, with their country and region, for the report."""
    return (
        reference.members.filter(pl.col("member_id").is_in(accepted["member_id"].implode()))
        .join(reference.regions, on="country", how="left")
        .select("member_id", "name", "country", "country_name", "region")
        .sort("country_name", "name")
    )


@dataclass(frozen=True)
class FiguresRecord:
    """What the published figures rest on, and the statistics files as published."""

    record: dict[str, Any]  # cicopa.provenance.figures_provenance
    files: dict[str, bytes]  # statistics/*.csv name -> the bytes on disk


STATISTICS_ASSETS = (
    "area_statistics",
    "sector_statistics",
    "type_statistics",
    "trend_statistics",
    "coverage_statistics",
    "estimate_statistics",
)


@multi_asset(
    outs={
        "figures_provenance_record": AssetOut(
            group_name=GROUP,
            code_version="1",
            description="The inputs (hashes, statuses), the statistics files and the code "
            "behind the figures.",
        ),
        "edition": AssetOut(group_name=GROUP, code_version="1", description=edition_asset.EDITION),
    },
    deps=STATISTICS_ASSETS,
    internal_asset_deps={
        "figures_provenance_record": {
            *map(AssetKey, STATISTICS_ASSETS),
            AssetKey("submission_files"),
            AssetKey("submission_outcomes"),
        },
        "edition": {AssetKey("area_statistics"), AssetKey("figures_provenance_record")},
    },
    partitions_def=reference_years,
)
def figures_and_edition(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    submission_files: pl.DataFrame,
    submission_outcomes: YearValidation,
):
    """The inputs (hashes, statuses), the statistics files and the code behind the figures,
    then the edition they make: one step, as the edition is decided from that very record.

    Computed once: embedded in every PDF and extended into provenance.json. The files
    are read back as published, so what a PDF carries is what staff downloaded.
    """
    year = int(context.partition_key)
    folder = paths.staging(year, context.run.run_id) / "statistics"
    files = {name: (folder / name).read_bytes() for name in STATISTICS_FILES}
    inputs = provenance_inputs(
        paths.raw_data_dir,
        reference_paths(paths.raw_data_dir),
        submission_files,
        submission_outcomes.submissions,
    )
    record = figures_provenance(
        year=year,
        inputs=inputs,
        outputs={f"statistics/{n}": sha256_bytes(data) for n, data in files.items()},
    )
    figures = FiguresRecord(record=record, files=files)
    yield Output(
        figures,
        output_name="figures_provenance_record",
        metadata={
            "inputs": len(record["inputs"]),
            "statistics files": MetadataValue.json(record["outputs"]),
            "code revision": MetadataValue.json(record["code_revision"]),
        },
    )
    yield edition_asset.edition(context, paths, figures)


class ReportConfig(Config):
    """Which languages to render: all by default; `cicopa build --lang` narrows it."""

    languages: list[str] = list(LANGUAGES)


def report_inputs(
    year: int,
    *,
    raw_data: Path,
    fx_source: str,
    reference_data: Reference,
    submission_outcomes: YearValidation,
    accepted_figures: pl.DataFrame,
    area_statistics: pl.DataFrame,
    sector_statistics: pl.DataFrame,
    type_statistics: pl.DataFrame,
    area_trends: Trends,
    trend_statistics: pl.DataFrame,
    coverage_statistics: pl.DataFrame,
    estimate_statistics: Estimates,
    edition: Edition,
    figures_provenance_record: FiguresRecord,
) -> tuple[ReportData, dict[str, bytes]]:
    """The report's data and its attachments, from the assets it is rendered from.

    A function of its own so that benchmarks/build.py renders the very same HTML from
    the stored partitions of a build.
    """
    # The published statistics files and the figures' provenance travel inside the PDF.
    attachments = {
        **figures_provenance_record.files,
        "provenance.json": provenance_bytes(figures_provenance_record.record),
    }
    data = ReportData(
        year=year,
        by_area=area_statistics,
        by_sector=sector_statistics,
        by_type=type_statistics,
        submissions=submission_outcomes.submissions,
        reporting_members=reporting_members(reference_data, accepted_figures),
        fx_rates=reference_data.rates_for(year),
        fx_source=fx_source,
        trends=area_trends.table,
        membership_changes=area_trends.membership_changes,
        sample=is_sample(raw_data),
        series_trends=trend_statistics,
        coverage=coverage_statistics,
        estimates=estimate_statistics.estimates,
        edition=edition.number,
        revised_headlines=edition.revised.filter(pl.col("level") == "global"),
    )
    return data, attachments


REPORT_INPUTS = (
    "reference_data",
    "submission_outcomes",
    "accepted_figures",
    "area_statistics",
    "sector_statistics",
    "type_statistics",
    "area_trends",
    "trend_statistics",
    "coverage_statistics",
    "estimate_statistics",
    "edition",
    "figures_provenance_record",
)
# The annex prints the report's tables: all its inputs but the trends chart's and the
# attachments' record.
ANNEX_INPUTS = tuple(
    n for n in REPORT_INPUTS if n not in {"area_trends", "figures_provenance_record"}
)


@multi_asset(
    name="annual_report",
    specs=[
        AssetSpec(
            "annual_report_pdf",
            group_name=GROUP,
            code_version="2",
            description="The annual report, one archival PDF (PDF/A-3) per language, with "
            "its data inside.",
            deps=REPORT_INPUTS,
        ),
        AssetSpec(
            "statistical_annex",
            group_name=GROUP,
            code_version="2",
            description="statistical_annex_<year>_<lang>.xlsx, one per language: every "
            "table of the report.",
            deps=ANNEX_INPUTS,
        ),
    ],
    ins={name: AssetIn(name) for name in REPORT_INPUTS},
    partitions_def=reference_years,
)
def annual_report(
    context: AssetExecutionContext,
    config: ReportConfig,
    paths: CicopaPaths,
    report_settings: ReportSettings,
    renderer: DocumentRenderer,
    reference_data: Reference,
    submission_outcomes: YearValidation,
    accepted_figures: pl.DataFrame,
    area_statistics: pl.DataFrame,
    sector_statistics: pl.DataFrame,
    type_statistics: pl.DataFrame,
    area_trends: Trends,
    trend_statistics: pl.DataFrame,
    coverage_statistics: pl.DataFrame,
    estimate_statistics: Estimates,
    edition: Edition,
    figures_provenance_record: FiguresRecord,
):
    """The annual report PDFs and the annex workbooks, in one step: the annex prints the
    report's tables from the same inputs, which a step of its own loaded a second time.

    The PDFs are rendered from the statistics assets only; the three statistics CSVs
    and the figures' provenance are embedded as attachments. Each language's HTML is
    written here and rendered to PDF by the rendering process while this one writes
    the annexes. A rebuild whose HTML, attachments and renderer are unchanged reuses
    the earlier rendering (``reports.pdf.report_pdf``).
    """
    # Imported here: the templates are for the run, not for every process that loads
    # the code location (the UI's code server, the daemon).
    from reports.pdf import report_pdf
    from reports.render import render_html

    year = int(context.partition_key)
    unknown = sorted(set(config.languages) - set(LANGUAGES))
    if unknown:
        raise ValueError(f"unknown report language(s) {unknown}; use en, fr or es")
    data, attachments = report_inputs(
        year,
        raw_data=paths.raw_data_dir,
        fx_source=report_settings.fx_source,
        reference_data=reference_data,
        submission_outcomes=submission_outcomes,
        accepted_figures=accepted_figures,
        area_statistics=area_statistics,
        sector_statistics=sector_statistics,
        type_statistics=type_statistics,
        area_trends=area_trends,
        trend_statistics=trend_statistics,
        coverage_statistics=coverage_statistics,
        estimate_statistics=estimate_statistics,
        edition=edition,
        figures_provenance_record=figures_provenance_record,
    )
    out_dir = paths.staging(year, context.run.run_id)
    languages = [lang for lang in LANGUAGES if lang in config.languages]
    renderings = storage_folder(paths.raw_data_dir, ["annual_report_pdf", "renderings"], str(year))
    embedded = tuple(attachments.items())
    # The rendering process takes the first half of the languages (rounded up), each as
    # soon as its HTML is written; this process writes the annexes, then renders the
    # rest: both cores render.
    elsewhere = languages[: (len(languages) + 1) // 2]
    html: dict[str, str] = {}
    jobs: dict[str, Future[tuple[bytes, bool]]] = {}
    with cancelled_on_failure(jobs.values()):
        for lang in languages:
            html[lang] = render_html(data, lang, attachments=embedded)
            if lang in elsewhere:
                jobs[lang] = renderer.submit(
                    report_pdf, html[lang], year, lang, embedded, renderings
                )
        annex_metadata = _annexes(
            year, out_dir, report_settings.fx_source, reference_data, submission_outcomes,
            accepted_figures, area_statistics, sector_statistics, type_statistics,
            trend_statistics, coverage_statistics, estimate_statistics, edition,
        )  # fmt: skip
        if len(jobs) < len(languages):
            release_memory()  # before this process lays out a report of its own
        pdfs = {
            lang: jobs[lang].result()
            if lang in jobs
            else report_pdf(html[lang], year, lang, embedded, renderings)
            for lang in reversed(languages)
        }
    metadata: dict[str, object] = {"languages": MetadataValue.json(config.languages)}
    for lang in languages:
        pdf, reused = pdfs[lang]
        path = out_dir / report_file_name(year, lang)
        metadata.update(written_file(path, write_atomic(path, pdf)))
        metadata[f"{path.name} bytes"] = len(pdf)
        pages = pdf_pages(pdf)
        metadata[f"{path.name} pages"] = pages
        metadata[f"{path.name} rendering"] = (
            "reused: same HTML, attachments and renderer" if reused else "rendered"
        )
        note = ", the same rendering as before" if reused else ""
        say(context, f"{year}: {path.name} written ({pages} pages{note})")
        if report_settings.download_url:
            metadata[f"{path.name} download"] = MetadataValue.url(
                f"{report_settings.download_url.rstrip('/')}/files/{year}/{path.name}"
            )
    yield MaterializeResult(asset_key="annual_report_pdf", metadata=metadata)
    yield MaterializeResult(asset_key="statistical_annex", metadata=annex_metadata)


def _annexes(
    year: int,
    out_dir: Path,
    fx_source: str,
    reference_data: Reference,
    submission_outcomes: YearValidation,
    accepted_figures: pl.DataFrame,
    area_statistics: pl.DataFrame,
    sector_statistics: pl.DataFrame,
    type_statistics: pl.DataFrame,
    trend_statistics: pl.DataFrame,
    coverage_statistics: pl.DataFrame,
    estimate_statistics: Estimates,
    edition: Edition,
) -> dict[str, object]:
    """The annex workbook in every language, written into the staged set; its metadata."""
    # Imported here, as in annual_report: for the run, not for the code location's load.
    from reports.annex import AnnexData, annex_bytes, default_release

    annex = AnnexData(
        year=year,
        by_area=area_statistics,
        by_sector=sector_statistics,
        by_type=type_statistics,
        submissions=submission_outcomes.submissions,
        fx_rates=reference_data.rates_for(year),
        reporting_members=reporting_members(reference_data, accepted_figures),
        fx_source=fx_source,
        # Rounded as published, so that every figure of the annex is the CSV's value.
        trends=series.for_csv(trend_statistics),
        coverage=series.for_csv(coverage_statistics),
        estimates=series.for_csv(estimate_statistics.estimates),
    )
    release = default_release(year, revised=edition.revised)
    metadata: dict[str, object] = {}
    for lang in LANGUAGES:
        path = out_dir / annex_file_name(year, lang)
        workbook = annex_bytes(annex, lang=lang, release=release)
        metadata.update(written_file(path, write_atomic(path, workbook)))
        metadata[f"{path.name} bytes"] = len(workbook)
    return metadata


@multi_asset(
    name="publication",
    specs=[
        AssetSpec(
            "provenance",
            group_name=GROUP,
            code_version="2",
            description="provenance.json: every input with its hash and status, every "
            "output, code and run.",
            deps=[
                validation_report,
                "annual_report_pdf",
                "statistical_annex",
                "sdmx_dataset",
                "figures_provenance_record",
                "edition",
            ],
        ),
        AssetSpec(
            "published_outputs",
            group_name=GROUP,
            code_version="1",
            description=edition_asset.PUBLISHED,
            deps=["provenance", "edition"],
        ),
    ],
    ins={"figures_provenance_record": AssetIn(), "edition": AssetIn()},
    partitions_def=reference_years,
)
def publication(
    context: AssetExecutionContext,
    paths: CicopaPaths,
    figures_provenance_record: FiguresRecord,
    edition: Edition,
):
    """provenance.json written last into the staged set, then the set published whole: one
    step, as nothing may come between the record and what it records."""
    year = int(context.partition_key)
    out_dir = paths.staging(year, context.run.run_id)
    record = build_provenance(
        {**figures_provenance_record.record, "edition": edition.number},
        raw_data=paths.raw_data_dir,
        out_dir=out_dir,
        # Every file of the staged set: whatever is published is recorded with its hash.
        outputs=record_files(out_dir),
        run_id=context.run.run_id,
    )
    path = out_dir / "provenance.json"
    digest = write_atomic(path, provenance_bytes(record))
    yield MaterializeResult(
        asset_key="provenance",
        metadata={
            **written_file(path, digest),
            "inputs": len(record["inputs"]),
            "outputs": MetadataValue.json(record["outputs"]),
            "code revision": MetadataValue.json(record["code_revision"]),
        },
    )
    yield edition_asset.published_outputs(context, paths, edition)
