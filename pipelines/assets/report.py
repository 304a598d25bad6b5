"""Report stage: the figures' record and edition, the report and annex in each language,
provenance and publication."""

import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
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
from cicopa.outcomes import YearValidation
from cicopa.outputs import sha256_bytes, write_atomic
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
from pipelines.resources import CicopaPaths, ReportSettings
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


def rendered_reports(
    data: ReportData,
    languages: list[str],
    attachments: tuple[tuple[str, bytes], ...],
    renderings: Path,
) -> Iterator[tuple[str, bytes, bool]]:
    """Each language's PDF, in the order given, and whether an earlier rendering served.

    A PDF is reused from ``renderings`` when its rendering key (the HTML, attachments and
    renderer: ``reports.pdf.rendering_key``) is the one it was rendered from: the same
    key gives the same bytes, and a rebuild that changes nothing the report shows need
    not run WeasyPrint again. The rest are rendered two at a time with two cores.
    """
    # Imported here: loading WeasyPrint (and its fonts) is for the run, not for every
    # process that loads the code location (the UI's code server, the daemon).
    from reports.render import render_html, rendering_key

    year = data.year
    html = {lang: render_html(data, lang, attachments=attachments) for lang in languages}
    keys = {lang: rendering_key(html[lang], year, lang, attachments) for lang in languages}
    reused = {lang: _stored_rendering(renderings, lang, keys[lang]) for lang in languages}
    fresh = _rendered(year, {lang: html[lang] for lang in languages if reused[lang] is None},
                      attachments)  # fmt: skip
    for lang in languages:
        pdf = reused[lang]
        if pdf is not None:
            yield lang, pdf, True
            continue
        rendered_lang, pdf = next(fresh)
        assert rendered_lang == lang
        _store_rendering(renderings, lang, keys[lang], pdf)
        yield lang, pdf, False


def _rendered(
    year: int, html: dict[str, str], attachments: tuple[tuple[str, bytes], ...]
) -> Iterator[tuple[str, bytes]]:
    """PDFs from HTML, in the order given; with two cores, two rendered at a time.

    WeasyPrint renders on one core. A worker process takes the languages after the
    first while this process renders the first, then this process takes back whatever
    the worker has not started, from the last. The worker is spawned, not forked: a
    fork copies the locks other threads of a run hold (Dagster's, logging's) and hung
    a build; spawning costs its imports, paid while the first language renders. The
    same inputs give the same bytes wherever rendered.
    """
    from reports.pdf import pdf_from_html

    languages = list(html)
    if len(languages) < 2 or len(os.sched_getaffinity(0)) < 2:
        for lang in languages:
            yield lang, pdf_from_html(html[lang], year, lang, attachments)
        return
    first, rest = languages[0], languages[1:]
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as worker:
        queued = {
            lang: worker.submit(pdf_from_html, html[lang], year, lang, attachments) for lang in rest
        }
        yield first, pdf_from_html(html[first], year, first, attachments)
        here: dict[str, bytes] = {}
        while taken := next((lang for lang in reversed([*queued]) if queued[lang].cancel()), None):
            here[taken] = pdf_from_html(html[taken], year, taken, attachments)
            del queued[taken]
        for lang in rest:
            yield lang, here[lang] if lang in here else queued[lang].result()


def _stored_rendering(folder: Path, lang: str, key: str) -> bytes | None:
    try:
        pdf = (folder / f"{lang}-{key}.pdf").read_bytes()
    except OSError:
        return None  # never rendered, or replaced by a concurrent build
    # A cut-off file (a disk filled while storing it) is rendered again.
    return pdf if pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-64:] else None


def _store_rendering(folder: Path, lang: str, key: str, pdf: bytes) -> None:
    """Keep the newest rendering of each language: the one a rebuild may reuse."""
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / f"{lang}-{key}.pdf", pdf)
    for older in folder.glob(f"{lang}-*.pdf"):
        if older.name != f"{lang}-{key}.pdf":
            older.unlink(missing_ok=True)


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
    and the figures' provenance are embedded as attachments.
    """
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
    metadata: dict[str, object] = {"languages": MetadataValue.json(config.languages)}
    languages = [lang for lang in LANGUAGES if lang in config.languages]
    renderings = storage_folder(paths.raw_data_dir, ["annual_report_pdf", "renderings"], str(year))
    for lang, pdf, reused in rendered_reports(
        data, languages, tuple(attachments.items()), renderings
    ):
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
    from reports.annex import AnnexData, annex_bytes, default_release  # see rendered_reports

    data = AnnexData(
        year=year,
        by_area=area_statistics,
        by_sector=sector_statistics,
        by_type=type_statistics,
        submissions=submission_outcomes.submissions,
        fx_rates=reference_data.rates_for(year),
        reporting_members=reporting_members(reference_data, accepted_figures),
        fx_source=report_settings.fx_source,
        # Rounded as published, so that every figure of the annex is the CSV's value.
        trends=series.for_csv(trend_statistics),
        coverage=series.for_csv(coverage_statistics),
        estimates=series.for_csv(estimate_statistics.estimates),
    )
    release = default_release(year, revised=edition.revised)
    metadata = {}
    for lang in LANGUAGES:
        path = paths.staging(year, context.run.run_id) / annex_file_name(year, lang)
        workbook = annex_bytes(data, lang=lang, release=release)
        metadata.update(written_file(path, write_atomic(path, workbook)))
        metadata[f"{path.name} bytes"] = len(workbook)
    yield MaterializeResult(asset_key="statistical_annex", metadata=metadata)


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
