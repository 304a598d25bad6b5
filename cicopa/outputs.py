"""Write outputs the way SPEC section 3 says: atomically, byte-stable, hashed."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

import polars as pl


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_bytes(path.read_bytes())


class OutputWriteError(OSError):
    """An output could not be written; the message names the file and the cause."""


def _cause(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "disk full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "no permission"
    return exc.strerror or type(exc).__name__


def write_atomic(path: Path, data: bytes) -> str:
    """Write through a temporary file in the same folder, then rename; returns the sha256.

    A run killed half-way leaves either the old file or the new one, never a torn one.
    A failure says what and why in one line ("disk full writing by_area.csv").
    """
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise OutputWriteError(exc.errno, f"{_cause(exc)} writing {path.name}") from exc
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
    return sha256_bytes(data)


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """UTF-8, comma, header, '.' decimals, empty for missing, '\\n' line endings."""
    return frame.write_csv(line_terminator="\n", null_value="", quote_style="necessary").encode()


_FORMULA_START = r"^[=+\-@\t\r]"


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Text a spreadsheet would run as a formula gets a leading `'` (SPEC section 3)."""
    return frame.with_columns(
        pl.when(
            pl.col(name).str.contains(_FORMULA_START)
            & pl.col(name).str.strip_chars().cast(pl.Float64, strict=False).is_null()
        )
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


def formula_safe(text: str) -> str:
    """One text cell as `neutralise_formulas` writes it: for workbooks, cell by cell."""
    if re.match(_FORMULA_START, text):
        try:
            float(text.strip())
        except ValueError:
            return "'" + text
    return text


def write_csv(path: Path, frame: pl.DataFrame) -> str:
    return write_atomic(path, csv_bytes(frame))


ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def stable_zip(data: bytes) -> bytes:
    """Rewrite a zip (an .xlsx) with fixed entry times and attributes.

    openpyxl writes some parts with the current time, so the archive would differ run
    to run even when every part is the same; workbooks must be byte-stable too.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 0
            fixed.external_attr = 0
            archive.writestr(fixed, source.read(info.filename), compresslevel=6)
    return out.getvalue()
