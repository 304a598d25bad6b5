"""Load and check the reference tables: member registry, regions, exchange rates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandera.polars as pa
import polars as pl

from cicopa.schema_pass import holds
from schemas.reference import KNOWN_COUNTRY, ExchangeRates, MemberRegistry, RegionTable

REFERENCE_FILES = ("members.csv", "regions.csv", "fx_rates.csv")


class ReferenceDataError(Exception):
    """Reference data are missing or invalid: nothing can be built. One-line message."""


@dataclass(frozen=True)
class Reference:
    members: pl.DataFrame
    regions: pl.DataFrame
    fx_rates: pl.DataFrame

    def members_active_in(self, year: int) -> pl.DataFrame:
        """Members whose membership covers the year (`joined <= year < left`)."""
        return self.members.filter(
            (pl.col("joined") <= year) & (pl.col("left").is_null() | (pl.col("left") > year))
        )

    def rates_for(self, year: int) -> pl.DataFrame:
        return self.fx_rates.filter(pl.col("year") == year)


def reference_paths(raw_data: Path) -> list[Path]:
    return [raw_data / "reference" / name for name in REFERENCE_FILES]


def _read_text_table(
    path: Path, integers: tuple[str, ...] = (), decimals: tuple[str, ...] = ()
) -> pl.DataFrame:
    if not path.is_file():
        raise ReferenceDataError(f"{path} is missing")
    data = path.read_bytes()
    _check_utf8(path, data)
    try:
        frame = pl.read_csv(data, infer_schema=False, encoding="utf8")
    except Exception as exc:
        raise ReferenceDataError(f"{path} cannot be read: {str(exc).splitlines()[0]}") from exc
    frame = frame.rename({c: c.strip().lower().lstrip("\ufeff") for c in frame.columns})
    _check_control_characters(path, frame)
    frame = frame.with_columns(pl.col(pl.String).str.strip_chars().replace("", None))
    for name, dtype in [(c, pl.Int64) for c in integers] + [(c, pl.Float64) for c in decimals]:
        if name not in frame.columns:
            raise ReferenceDataError(f"{path} has no column '{name}'")
        parsed = pl.col(name).str.replace(r"\.0+$", "").cast(dtype, strict=False)
        if dtype == pl.Float64:
            parsed = pl.col(name).cast(dtype, strict=False)
        bad = frame.with_row_index("_line", offset=2).filter(
            pl.col(name).is_not_null() & parsed.is_null()
        )
        if bad.height:
            line, value = bad.row(0, named=True)["_line"], bad.row(0, named=True)[name]
            raise ReferenceDataError(f"{path}, line {line}, {name}: '{value}' is not a number")
        frame = frame.with_columns(parsed.alias(name))
    return frame


def _check_utf8(path: Path, data: bytes) -> None:
    """UTF-8 (a BOM allowed) or nothing: a lossy read would print "F\ufffdd\ufffdration"."""
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        header = data.split(b"\n", 1)[0].decode("utf-8-sig", "replace").split(",")
        index = data[line_start : exc.start].count(b",")
        column = header[index].strip() if index < len(header) else f"field {index + 1}"
        raise ReferenceDataError(
            f"{path}, line {line}, {column}: byte 0x{data[exc.start]:02x} is not UTF-8; save "
            "the file as 'CSV UTF-8'"
        ) from exc


# C0 and C1 control characters (tab, line feed and carriage return included): none
# belongs in a name or a code, and they break documents and forms further on.
_CONTROL = r"[\x00-\x1f\x7f-\x9f]"


def _check_control_characters(path: Path, frame: pl.DataFrame) -> None:
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    # One pass over the table answers "none anywhere", the usual case; the column-by-
    # column search below runs only to word the message for the first one found.
    found = frame.select(pl.col(text).str.contains(_CONTROL).any()).row(0) if text else ()
    for name, here in zip(text, found, strict=True):
        if not here:
            continue
        bad = frame.with_row_index("_line", offset=2).filter(pl.col(name).str.contains(_CONTROL))
        if bad.height:
            line, value = bad["_line"][0], bad[name][0]
            raise ReferenceDataError(
                f"{path}, line {line}, {name}: {value!r} holds a control character; remove it"
            )


def check_year(reference: Reference, year: int, path: Path | None = None) -> None:
    """A year can be built only when at least one member is active in it."""
    if reference.members_active_in(year).is_empty():
        where = path or Path("reference/members.csv")
        raise ReferenceDataError(
            f"{where}, columns joined/left: no member is active in {year} "
            f"(a member is active when joined <= {year} < left)"
        )


def _check(model: type[pa.DataFrameModel], frame: pl.DataFrame, path: Path) -> pl.DataFrame:
    if holds(model, frame):
        return frame  # every check holds: pandera would return the frame as it is
    try:
        return model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.row(0, named=True)
        where = f"line {first['index'] + 2}, " if first["index"] is not None else ""
        more = f" (and {cases.height - 1} more problems)" if cases.height > 1 else ""
        raise ReferenceDataError(
            f"{path}, {where}{first['column']}: check '{first['check']}' failed for "
            f"'{first['failure_case']}'{more}"
        ) from exc


def load_reference(raw_data: Path, year: int | None = None) -> Reference:
    """Read and validate the three reference tables; ReferenceDataError if unusable.

    With `year`, the registry must also have a member active in that year.
    """
    members_path, regions_path, fx_path = reference_paths(raw_data)
    regions = _check(RegionTable, _read_text_table(regions_path), regions_path)
    members = _read_text_table(members_path, integers=("joined", "left"))
    if "language" not in members.columns:
        members = members.with_columns(pl.lit(None, pl.String).alias("language"))
    members = (
        members.with_columns(
            pl.col("language").str.to_lowercase(),
            pl.col("country").is_in(regions["country"].implode()).alias(KNOWN_COUNTRY),
        )
        if "country" in members.columns
        else members
    )
    members = _check(MemberRegistry, members, members_path).drop(KNOWN_COUNTRY)
    members = members.with_columns(pl.col("language").fill_null("en"))
    fx_rates = _check(
        ExchangeRates, _read_text_table(fx_path, integers=("year",), decimals=("per_usd",)), fx_path
    )
    reference = Reference(members=members, regions=regions, fx_rates=fx_rates)
    if year is not None:
        check_year(reference, year, members_path)
    return reference
