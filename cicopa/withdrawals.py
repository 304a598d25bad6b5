"""reference/withdrawals.csv: files the secretariat has withdrawn (SPEC section 2).

Staff undo a wrong file without deleting evidence: the file stays on disk, gets the
status `withdrawn`, counts nowhere and takes no part in the resubmission rule. The
table is optional; when present it is reference data, read strictly (UTF-8, no
control characters) and every line must name an existing regular file under
`submissions/<year>/`, else the whole build stops with one line naming file, row
and column (as for the other reference tables).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path, PurePosixPath

import polars as pl

from cicopa.reference import ReferenceDataError

WITHDRAWALS_FILE = "withdrawals.csv"
COLUMNS = ("year", "file", "withdrawn_on", "reason")
SCHEMA: dict[str, pl.DataType] = {
    "year": pl.Int64(),
    "file": pl.String(),
    "withdrawn_on": pl.Date(),
    "reason": pl.String(),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def withdrawals_path(raw_data: Path) -> Path:
    return raw_data / "reference" / WITHDRAWALS_FILE


def empty_withdrawals() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def load_withdrawals(raw_data: Path) -> pl.DataFrame:
    """The withdrawals, checked; an empty table when the optional file is absent.

    `file` is returned as outputs name files: `submissions/<year>/<file>`.
    """
    path = withdrawals_path(raw_data)
    if not path.exists():
        return empty_withdrawals()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReferenceDataError(
            f"{path}: not valid UTF-8 at byte {exc.start}; save it as UTF-8"
        ) from exc
    try:
        frame = pl.read_csv(text.encode(), infer_schema=False)
    except Exception as exc:
        raise ReferenceDataError(f"{path} cannot be read: {str(exc).splitlines()[0]}") from exc
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ReferenceDataError(f"{path}, line 1: missing column '{missing[0]}'")
    records = []
    seen: set[str] = set()
    # A reference table of a few lines, checked line by line for a message per cell.
    for line, record in enumerate(frame.select(COLUMNS).iter_rows(named=True), start=2):
        records.append(_checked(path, raw_data, line, record, seen))
    return pl.DataFrame(records, schema=SCHEMA, orient="row")


def _checked(
    path: Path, raw_data: Path, line: int, record: dict[str, str | None], seen: set[str]
) -> tuple[int, str, date, str]:
    def fail(column: str, message: str) -> ReferenceDataError:
        return ReferenceDataError(f"{path}, line {line}, {column}: {message}")

    values = {k: (v or "").strip() for k, v in record.items()}
    for column, value in values.items():
        if _CONTROL.search(value):
            raise fail(column, "holds a control character")
        if not value:
            raise fail(column, "is empty")
    if not re.fullmatch(r"[0-9]{4}", values["year"]):
        raise fail("year", f"'{values['year']}' is not a year")
    year = int(values["year"])
    try:
        withdrawn_on = date.fromisoformat(values["withdrawn_on"])
    except ValueError as exc:
        raise fail("withdrawn_on", f"'{values['withdrawn_on']}' is not an ISO 8601 date") from exc
    relative = PurePosixPath(values["file"].replace("\\", "/"))
    # Only a file inside the year's folder can be withdrawn: never follow `..` or a root.
    if relative.is_absolute() or ".." in relative.parts:
        raise fail("file", f"'{values['file']}' must be a path inside submissions/{year}/")
    target = raw_data / "submissions" / str(year) / relative
    if not target.is_file() or target.is_symlink():
        raise fail("file", f"no file '{relative}' in submissions/{year}/")
    name = f"submissions/{year}/{relative.as_posix()}"
    if name in seen:
        raise fail("file", f"'{relative}' is withdrawn twice")
    seen.add(name)
    return year, name, withdrawn_on, values["reason"]


def withdrawn_in(withdrawals: pl.DataFrame, year: int) -> dict[str, str]:
    """file -> "withdrawn on <date>: <reason>" for the files of one reference year."""
    rows = withdrawals.filter(pl.col("year") == year).sort("file")
    return {
        r["file"]: f"withdrawn on {r['withdrawn_on'].isoformat()}: {r['reason']}"
        for r in rows.iter_rows(named=True)
    }
