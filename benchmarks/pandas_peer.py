"""The benchmark's peer: the year's ingest written in plain pandas + openpyxl + pandera.

What a competent pandas user would write for the same rules (SPEC section 2) in an
afternoon: read each submission file of the year (CSV, XLSX through openpyxl, JSON)
into one text frame, concatenate, validate the text with a pandera schema, the typed
figures with a second one, apply the registry rules and the resubmission rule, and
aggregate the accepted rows into by_area.csv (SPEC section 3).

It is not the project's code and shares none of it (only the rule constants of
`cicopa.columns` and the patterns of `schemas.submission`, so that both judge by the
same rules). It counts errors per file rather than writing members' messages: the
benchmark compares what the figures are, not how the issues are worded.

Run alone: `.venv-bench/bin/python benchmarks/pandas_peer.py RAW_DATA YEAR OUT.csv`
(the bench environment: `make bench-install`).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cicopa.columns import (  # noqa: E402  (after the path: run as a script)
    COLUMN_NAMES,
    COOPERATIVE_TYPES,
    DECIMAL_COLUMNS,
    INTEGER_COLUMNS,
    REGIONS,
    REQUIRED_COLUMNS,
    ROW_DATA_COLUMNS,
    SECTORS,
    SUB_REGIONS,
)
from schemas.submission import (  # noqa: E402
    DECIMAL_NUMBER,
    ISO_DATE_TIME,
    THOUSANDS_SEPARATED,
    WHOLE_NUMBER,
)

HEADER_SEARCH_ROWS = 30
ONE_VALUE_COLUMNS = ("member_id", "reference_year", "currency", "submitted_at")
LEVELS = ("global", "region", "sub_region", "country")
HEADCOUNTS = ("enterprises", "worker_members", "employees", "producer_members")
EMPLOYMENT = ("employment_in_cooperatives", "employment_total")
OPTIONAL_SUMS = ("women", "turnover_usd", "new_enterprises", "transfers")
BY_AREA_COLUMNS = (
    "level", "area_code", "area_name", "parent_code",
    "members_registered", "members_reporting", "response_rate", "countries_reporting",
    *HEADCOUNTS, *EMPLOYMENT,
    "women", "women_share", "turnover_usd", "new_enterprises", "transfers",
)  # fmt: skip


class Unreadable(Exception):
    pass


# --- reading: one text frame per file, columns named as the spec names them ---


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _with_header(grid: pd.DataFrame) -> pd.DataFrame:
    """The first of the top rows naming every required column becomes the header."""
    for position in range(min(HEADER_SEARCH_ROWS, len(grid))):
        names = [str(v).strip().lower() if pd.notna(v) else "" for v in grid.iloc[position]]
        if set(REQUIRED_COLUMNS) <= set(names):
            body = grid.iloc[position + 1 :].copy()
            body.columns = names
            body["_row"] = np.arange(1, len(body) + 1)
            return body
    raise Unreadable("no header row")


def read_csv_file(data: bytes) -> tuple[pd.DataFrame, bool]:
    text = _decode(data)
    first = text.lstrip().split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    grid = pd.read_csv(
        io.StringIO(text),
        sep=delimiter,
        header=None,
        dtype=str,
        keep_default_na=False,
        skip_blank_lines=False,
        quoting=csv.QUOTE_MINIMAL,
    )
    return _with_header(grid), delimiter == ";"


def read_xlsx_file(data: bytes) -> pd.DataFrame:
    with pd.ExcelFile(io.BytesIO(data), engine="openpyxl") as book:
        names = [n for n in book.sheet_names if n.strip().lower() == "submission"]
        grid = pd.read_excel(book, sheet_name=names[0] if names else 0, header=None, dtype=object)
    return _with_header(grid)  # cells become text in `tidy`: 12 -> "12", 12.0 -> "12.0"


def read_json_file(data: bytes) -> pd.DataFrame:
    document = json.loads(data.decode("utf-8-sig"))
    shared = {k.strip().lower(): v for k, v in document.items() if k != "rows"}
    frame = pd.DataFrame(document["rows"])
    frame.columns = [c.strip().lower() for c in frame.columns]
    for name, value in shared.items():
        if name not in frame.columns:
            frame[name] = value
    frame["_row"] = np.arange(1, len(frame) + 1)
    return frame


def read_file(path: Path) -> pd.DataFrame:
    """One file's rows as read, under the spec's column names, plus `_row`."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    decimal_comma = False
    try:
        if suffix == ".csv":
            frame, decimal_comma = read_csv_file(data)
        elif suffix in (".xlsx", ".xlsm"):
            frame = read_xlsx_file(data)
        elif suffix == ".json":
            frame = read_json_file(data)
        else:
            raise Unreadable(f"format {suffix}")
    except Unreadable:
        raise
    except Exception as exc:  # a damaged workbook, malformed JSON or CSV
        raise Unreadable(str(exc)) from exc
    if frame.columns.duplicated().any():
        raise Unreadable("duplicate column")
    frame = frame.reindex(columns=["_row", *COLUMN_NAMES])
    frame["_decimal_comma"] = decimal_comma
    return frame


def tidy(cells: pd.DataFrame) -> pd.DataFrame:
    """All files' cells at once: stripped text, empty as missing, data rows only."""
    text = cells[list(COLUMN_NAMES)].astype(object).astype("string")
    text = text.apply(lambda s: s.str.strip())
    cells[list(COLUMN_NAMES)] = text.mask(text == "")
    # Empty rows and rows holding only the submission's own values are not data.
    cells = cells[cells[list(ROW_DATA_COLUMNS)].notna().any(axis=1)].reset_index(drop=True)
    for column in DECIMAL_COLUMNS:  # `;` files may write a decimal comma
        comma = cells["_decimal_comma"] & cells[column].str.fullmatch(r"-?[0-9]+,[0-9]+")
        comma = comma.fillna(False).astype(bool)
        cells.loc[comma, column] = cells.loc[comma, column].str.replace(",", ".")
    return cells


# --- validation: two pandera schemas over the whole year, then the per-file rules ---


def _plain(pattern: str) -> str:
    """The pattern without capturing groups (pandas warns about them in `contains`)."""
    return pattern.replace("(", "(?:")


def _text_schema() -> pa.DataFrameSchema:
    def whole(s: pd.Series) -> pd.Series:
        return s.isna() | (
            s.str.contains(_plain(WHOLE_NUMBER), na=False)
            & ~s.str.contains(_plain(THOUSANDS_SEPARATED), na=False)
        )

    def iso_date(s: pd.Series) -> pd.Series:
        day = pd.to_datetime(s.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
        return s.isna() | (s.str.contains(_plain(ISO_DATE_TIME), na=False) & day.notna())

    def matches(pattern: str):  # type: ignore[no-untyped-def]
        return lambda s: s.isna() | s.str.contains(_plain(pattern), na=False)

    types = list(COOPERATIVE_TYPES)
    columns = {}
    for name in COLUMN_NAMES:
        checks = []
        if name in INTEGER_COLUMNS:
            checks.append(pa.Check(whole, name="whole_number"))
        elif name == "turnover":
            checks.append(pa.Check(matches(DECIMAL_NUMBER), name="decimal_number"))
        elif name == "submitted_at":
            checks.append(pa.Check(iso_date, name="iso_date"))
        elif name == "sector":
            checks.append(pa.Check(lambda s: s.isna() | s.isin(SECTORS), name="sector_code"))
        elif name == "cooperative_type":
            checks.append(pa.Check(lambda s: s.isna() | s.isin(types), name="type_code"))
        elif name == "currency":
            checks.append(pa.Check(matches(r"^[A-Z]{3}$"), name="currency_code"))
        columns[name] = pa.Column(
            "string", checks, nullable=name not in REQUIRED_COLUMNS, required=False
        )
    return pa.DataFrameSchema(columns, strict=False)


def _typed_schema() -> pa.DataFrameSchema:
    def one_value(column: str) -> pa.Check:
        def check(frame: pd.DataFrame) -> pd.Series:
            first = frame.groupby("_file")[column].transform("first")
            return frame[column].isna() | (frame[column] == first)

        return pa.Check(check, name=f"one_{column}")

    employed = ["worker_members", "employees", "producer_members"]
    checks = [
        *(one_value(c) for c in ONE_VALUE_COLUMNS),
        pa.Check(lambda f: f["member_id"].isna() | (f["_status"] == "active"), name="active"),
        pa.Check(
            lambda f: f["reference_year"].isna() | (f["reference_year"] == f["_folder_year"]),
            name="year_matches_folder",
        ),
        pa.Check(lambda f: f["currency"].isna() | f["_currency_known"], name="currency_known"),
        pa.Check(
            lambda f: (
                f["turnover"].isna() | f.groupby("_file")["currency"].transform("first").notna()
            ),
            name="currency_with_turnover",
        ),
        pa.Check(
            lambda f: (
                f["women"].isna()
                | f[employed].isna().any(axis=1)
                | (f["women"] <= f[employed].sum(axis=1))
            ),
            name="women_within_employment",
        ),
        pa.Check(
            lambda f: (
                f["transfers"].isna()
                | (f["transfers"] == 0)
                | (f["new_enterprises"].notna() & (f["transfers"] <= f["new_enterprises"]))
            ),
            name="transfers_within_new_enterprises",
        ),
        pa.Check(
            lambda f: (
                f[employed].max(axis=1).isna()
                | (f[employed].max(axis=1) <= 0)
                | f["enterprises"].isna()
                | (f["enterprises"] > 0)
            ),
            name="enterprises_when_employment",
        ),
        pa.Check(
            lambda f: (
                f["sector"].isna()
                | f["cooperative_type"].isna()
                | ~f.duplicated(["_file", "sector", "cooperative_type"])
            ),
            name="unique_sector_and_type",
        ),
    ]
    numbers = {
        name: pa.Column(
            "Int64" if name in INTEGER_COLUMNS else "Float64",
            pa.Check.ge(0),
            nullable=True,
            required=False,
        )
        for name in (*INTEGER_COLUMNS, *DECIMAL_COLUMNS)
    }
    return pa.DataFrameSchema(numbers, checks=checks, strict=False)


def _failing_rows(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """(index, column) of every failed cell; column is None for a frame-wide check."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.dropna(subset=["index"])
        return cases[["index", "column"]]
    return pd.DataFrame({"index": [], "column": []})


def validate_year(raw_data: Path, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(accepted typed rows with `_file`, one status per file)."""
    members = pd.read_csv(raw_data / "reference" / "members.csv", dtype={"left": "Int64"})
    rates = pd.read_csv(raw_data / "reference" / "fx_rates.csv")
    files = sorted((raw_data / "submissions" / str(year)).rglob("*"))
    frames, status = [], {}
    for path in files:
        if not path.is_file():
            continue
        name = path.relative_to(raw_data).as_posix()
        try:
            frame = read_file(path)
        except Unreadable:
            status[name] = "unreadable"
            continue
        frames.append(frame.assign(_file=name))
        status[name] = "accepted"
    cells = tidy(pd.concat(frames, ignore_index=True))
    with_rows = set(cells["_file"])
    for name in [n for n, s in status.items() if s == "accepted" and n not in with_rows]:
        status[name] = "rejected"  # a header but no data rows
    for column in ("member_id", "sector", "currency"):
        cells[column] = cells[column].str.upper()
    cells["cooperative_type"] = cells["cooperative_type"].str.lower()

    errors = _failing_rows(_text_schema(), cells)
    typed = cells.copy()
    for index, column in errors.itertuples(index=False):  # refused cells are not judged again
        typed.loc[int(index), column] = pd.NA
    for column in INTEGER_COLUMNS:
        text = typed[column].str.replace(r"[.,]0+$", "", regex=True)
        typed[column] = pd.to_numeric(text, errors="coerce").astype("Int64")
    typed["turnover"] = pd.to_numeric(typed["turnover"], errors="coerce").astype("Float64")
    typed["_folder_year"] = year
    registry = members[["member_id", "joined", "left"]]
    typed = typed.merge(registry, on="member_id", how="left")
    active = (typed["joined"] <= year) & (typed["left"].isna() | (typed["left"] > year))
    typed["_status"] = np.where(typed["joined"].isna(), "unknown", np.where(active, "active", "x"))
    known = set(rates.loc[rates["year"] == year, "currency"])
    typed["_currency_known"] = typed["currency"].isin(known)
    errors = pd.concat([errors, _failing_rows(_typed_schema(), typed)])

    # A file with a required column missing altogether, or any failed cell, is rejected.
    for name, part in cells.groupby("_file"):
        if part[list(REQUIRED_COLUMNS)].isna().all().any():
            status[name] = "rejected"
    for name in cells.loc[errors["index"].astype(int).unique(), "_file"].unique():
        status[name] = "rejected"

    # Resubmissions: the latest submitted_at of a member wins; a tie rejects them all.
    per_file = typed.groupby("_file").agg(
        member_id=("member_id", "first"), submitted_at=("submitted_at", "first")
    )
    per_file["moment"] = pd.to_datetime(per_file["submitted_at"], utc=True, format="ISO8601")
    for _, group in per_file.groupby("member_id"):
        if len(group) < 2:
            continue
        moments = group["moment"]
        latest = moments.max()
        if moments.isna().any() or (moments == latest).sum() > 1:
            for name in group.index:
                status[name] = "rejected"
            continue
        for name in group.index[moments != latest]:
            status[name] = "superseded"
    statuses = pd.DataFrame({"file": list(status), "status": list(status.values())})
    accepted = [name for name, s in status.items() if s == "accepted"]
    rows = typed[typed["_file"].isin(accepted)]
    return rows[["_file", "_row", *COLUMN_NAMES]], statuses


# --- aggregation: by_area.csv ---


def by_area(rows: pd.DataFrame, raw_data: Path, year: int) -> pd.DataFrame:
    members = pd.read_csv(raw_data / "reference" / "members.csv", dtype={"left": "Int64"})
    regions = pd.read_csv(raw_data / "reference" / "regions.csv", keep_default_na=False)
    regions = regions.replace("", None)
    rates = pd.read_csv(raw_data / "reference" / "fx_rates.csv")
    rates = rates.loc[rates["year"] == year, ["currency", "per_usd"]]

    rows = rows.copy()
    rows["currency"] = rows.groupby("_file")["currency"].transform("first")
    rows = rows.merge(members[["member_id", "country"]], on="member_id", how="left")
    rows = rows.merge(regions[["country", "region", "sub_region"]], on="country", how="left")
    rows = rows.merge(rates, on="currency", how="left")
    rows["employment_in_cooperatives"] = rows["worker_members"] + rows["employees"]
    rows["employment_total"] = rows["employment_in_cooperatives"] + rows["producer_members"]
    rows["turnover_usd"] = rows["turnover"] / rows["per_usd"]
    rows["_employment_with_women"] = rows["employment_total"].where(rows["women"].notna(), 0)

    active = members[
        (members["joined"] <= year) & (members["left"].isna() | (members["left"] > year))
    ].merge(regions, on="country", how="left")

    def per_level(frame: pd.DataFrame, aggregate) -> pd.DataFrame:  # type: ignore[no-untyped-def]
        parts = []
        for level in LEVELS:
            key = "WORLD" if level == "global" else frame[level]
            part = frame.assign(area_code=key).dropna(subset=["area_code"])
            parts.append(aggregate(part.groupby("area_code")).assign(level=level))
        return pd.concat(parts).reset_index()

    registered = per_level(active, lambda g: g.size().rename("members_registered").to_frame())
    sums = {c: (c, "sum") for c in (*HEADCOUNTS, *EMPLOYMENT, "_employment_with_women")}
    optional = {c: (c, lambda s: s.sum() if s.notna().any() else np.nan) for c in OPTIONAL_SUMS}
    reported = per_level(
        rows,
        lambda g: g.agg(
            members_reporting=("member_id", "nunique"),
            countries_reporting=("country", "nunique"),
            **sums,
            **optional,
        ),
    )
    names = pd.concat(
        [
            pd.DataFrame({"area_code": ["WORLD"], "area_name": ["World"], "parent_code": [None]}),
            pd.DataFrame(
                {
                    "area_code": list(REGIONS),
                    "area_name": list(REGIONS.values()),
                    "parent_code": "WORLD",
                }
            ),
            pd.DataFrame(
                {
                    "area_code": list(SUB_REGIONS),
                    "area_name": list(SUB_REGIONS.values()),
                    "parent_code": "AMERICAS",
                }
            ),
            pd.DataFrame(
                {
                    "area_code": regions["country"],
                    "area_name": regions["country_name"],
                    "parent_code": regions["sub_region"].fillna(regions["region"]),
                }
            ),
        ]
    )
    table = registered.merge(reported, on=["level", "area_code"], how="left")
    table = table.merge(names, on="area_code", how="left")
    counts = ["members_reporting", "countries_reporting", *HEADCOUNTS, *EMPLOYMENT]
    table[counts] = table[counts].fillna(0).astype("int64")
    table["response_rate"] = (table["members_reporting"] / table["members_registered"]).round(4)
    with_women = table["_employment_with_women"]
    table["women_share"] = (
        (table["women"] / with_women).round(4).where(table["women"].notna() & (with_women > 0))
    )
    table["turnover_usd"] = table["turnover_usd"].round(2)
    for column in ("women", "new_enterprises", "transfers"):
        table[column] = table[column].astype("Int64")
    table["_order"] = table["level"].map({level: i for i, level in enumerate(LEVELS)})
    table = table.sort_values(["_order", "area_code"])
    return table[list(BY_AREA_COLUMNS)]


def by_area_csv(table: pd.DataFrame) -> bytes:
    """As the project writes by_area.csv: fixed decimals, empty for missing, '\\n'."""
    out = table.copy()
    for column, decimals in (("response_rate", 4), ("women_share", 4), ("turnover_usd", 2)):
        out[column] = out[column].map(lambda v, d=decimals: "" if pd.isna(v) else f"{v:.{d}f}")
    return out.to_csv(index=False, lineterminator="\n", na_rep="").encode()


def run(raw_data: Path, year: int) -> tuple[bytes, int, int]:
    """by_area.csv's bytes, files read, accepted rows."""
    rows, statuses = validate_year(raw_data, year)
    return by_area_csv(by_area(rows, raw_data, year)), len(statuses), len(rows)


if __name__ == "__main__":
    raw, ref_year, target = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    data, files, accepted = run(raw, ref_year)
    target.write_bytes(data)
    print(f"{files} files, {accepted} accepted rows -> {target}")
