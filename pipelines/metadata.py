"""Materialisation metadata a person can read: counts, previews, schemas, files."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import polars as pl
from dagster import MetadataValue, TableColumn, TableSchema

PREVIEW_ROWS = 25
# `cicopa build` prints this logger's lines as the run goes (one per stage).
PROGRESS = logging.getLogger("cicopa.progress")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value).replace("|", "\\|").replace("\n", " ")


def preview(frame: pl.DataFrame, rows: int = PREVIEW_ROWS) -> MetadataValue:
    """The first rows as a Markdown table (the UI renders it)."""
    head = frame.head(rows)
    lines = [
        "| " + " | ".join(head.columns) + " |",
        "|" + "---|" * head.width,
        *("| " + " | ".join(_cell(v) for v in row) + " |" for row in head.iter_rows()),
    ]
    if frame.height > rows:
        lines.append(f"\n*{rows} of {frame.height} rows shown.*")
    return MetadataValue.md("\n".join(lines))


def column_schema(frame: pl.DataFrame) -> TableSchema:
    return TableSchema(columns=[TableColumn(n, str(t)) for n, t in frame.schema.items()])


def written_file(path: Path, sha256: str) -> dict[str, MetadataValue]:
    """Path and hash of an output file, keyed by its name."""
    return {
        f"{path.name} path": MetadataValue.path(str(path)),
        f"{path.name} sha256": MetadataValue.text(sha256),
    }


def say(context: Any, line: str) -> None:
    """A progress line: in the run's log (the UI) and on the terminal of `cicopa build`."""
    context.log.info(line)
    PROGRESS.info(line)


def pdf_pages(pdf: bytes) -> int:
    """The number of pages of a PDF (for the progress line and the metadata)."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)
