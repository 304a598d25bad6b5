"""`cicopa trace`: which accepted submissions make up one published figure.

For auditors. The contributions are recomputed from the raw data with the
pipeline's own functions (validate_year, located_rows), then compared with the
figure actually PUBLISHED in `<out>/<year>/statistics/by_area.csv`: a trace that
only re-derived the figure would not prove that the published file is right.

Measures:
- sums (every summable column of by_area.csv): each accepted submission of the
  area contributes the sum of its rows; `members_reporting` counts 1 per
  accepted submission. Optional columns (women, turnover_usd, new_enterprises,
  transfers) list members that do not report them as "not reported".
- ratios (response_rate, women_share) are not sums. They are traced as a
  numerator and a denominator per entry, and the check compares numerator /
  denominator, rounded as published, with the published figure:
  response_rate = members with an accepted submission / registered members
  (one entry per registered member of the area, reporting or not);
  women_share = women / employment_total over the rows that report women.
- countries_reporting and members_registered are not traced (they are counts of
  the registry, not of submissions); asking for them is refused with a hint.

Exit codes: 0 the contributions add up to the published figure (and the files
still have the sha256 recorded in provenance.json, when there is one); 1 they do
not; 2 the trace cannot be made (unknown area or measure, year not built, ...).

The files that add nothing and why: cicopa.trace_not_counted; the printed trace:
cicopa.trace_render; estimates and like-for-like changes: cicopa.trace_series.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal

import polars as pl

from cicopa.files import sha256_file
from cicopa.outcomes import validate_year, year_folder
from cicopa.reference import Reference, ReferenceDataError, load_reference, reference_paths
from cicopa.statistics import located_rows, registered_members
from cicopa.trace_not_counted import NotCounted, not_counted_files

INTEGER_SUMS = (
    "enterprises", "worker_members", "employees", "producer_members",
    "employment_in_cooperatives", "employment_total",
    "women", "new_enterprises", "transfers",
)  # fmt: skip
DECIMAL_SUMS = ("turnover_usd",)
COUNTS = ("members_reporting",)
RATIOS = {
    "response_rate": ("members_reporting", "members_registered"),
    "women_share": ("women", "employment_total of rows reporting women"),
}
SUM_MEASURES = (*INTEGER_SUMS, *DECIMAL_SUMS, *COUNTS)
MEASURES = (*SUM_MEASURES, *RATIOS)
# Summed only over rows that report them; the published cell is empty when none do.
OPTIONAL = ("women", "turnover_usd", "new_enterprises", "transfers")
NOT_TRACEABLE = {
    "countries_reporting": "it counts distinct countries, not submissions; "
    "trace members_reporting instead",
    "members_registered": "it counts the member registry (reference/members.csv), not submissions",
}
# Published precision (SPEC section 3): a recomputed value within half a unit of the
# last published decimal is the same figure.
TOLERANCE = {"turnover_usd": 0.005, "response_rate": 0.00005, "women_share": 0.00005}


Number = int | float


class TraceError(Exception):
    """The trace cannot be made; the message is one line for the user."""


@dataclass(frozen=True)
class Contribution:
    """One accepted submission (ratios: one member) and what it adds to the figure."""

    member_id: str
    member_name: str | None
    country: str | None
    file: str | None
    sha256: str | None
    value: Number | None = None  # sums; None = the submission does not report the measure
    numerator: Number | None = None  # ratios
    denominator: Number | None = None


@dataclass
class Trace:
    year: int
    area_code: str
    area_name: str
    level: str
    measure: str
    contributions: list[Contribution]
    published: Decimal | None
    published_path: Path
    not_counted: list[NotCounted] = field(default_factory=list)
    # Files whose member cannot be known (unreadable, or a member_id not in the registry):
    # they belong to no area, so they are listed under WORLD and counted elsewhere.
    unattributed: int = 0
    # None when there is no provenance.json; else the files whose sha256 differs from it.
    changed_since_build: list[str] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def kind(self) -> Literal["sum", "ratio"]:
        return "ratio" if self.measure in RATIOS else "sum"

    @property
    def numerator(self) -> Number:
        return sum(c.numerator or 0 for c in self.contributions)

    @property
    def denominator(self) -> Number:
        return sum(c.denominator or 0 for c in self.contributions)

    @property
    def recomputed(self) -> Number | None:
        """The figure the contributions give, unrounded; None where by_area.csv is empty."""
        if self.kind == "ratio":
            if self.measure == "women_share" and not self.contributions:
                return None
            return self.numerator / self.denominator if self.denominator else None
        values = [c.value for c in self.contributions if c.value is not None]
        if self.measure in OPTIONAL and not values:
            return None
        return sum(values)

    @property
    def figure_matches(self) -> bool:
        mine, published = self.recomputed, self.published
        if mine is None or published is None:
            return mine is None and published is None
        return abs(Decimal(str(mine)) - published) <= Decimal(
            str(TOLERANCE.get(self.measure, 0) + 1e-9)
        )

    @property
    def ok(self) -> bool:
        return self.figure_matches and not self.changed_since_build

    def check_lines(self) -> list[str]:
        """The verdict: the figure, then the sha256 cross-check with provenance.json."""
        measure = self.measure
        published = format_value(measure, self.published)
        if self.kind == "ratio":
            mine = (
                f"numerator {format_value(None, self.numerator)} / denominator "
                f"{format_value(None, self.denominator)} = "
                f"{format_value(measure, self.recomputed)}"
            )
        else:
            mine = f"sum of contributions {format_value(measure, self.recomputed)}"
        if self.figure_matches:
            lines = [f"{mine} = published {published} ✓"]
        else:
            lines = [
                f"MISMATCH: {mine} ≠ published {published} ✗ — {self.published_path} does not "
                f"match the raw data; rebuild with `cicopa build --year {self.year}` or find "
                "what changed"
            ]
        if self.changed_since_build is None:
            lines.append("provenance.json not found: file sha256 not cross-checked")
        elif self.changed_since_build:
            lines.append(
                f"CHANGED SINCE THE BUILD ✗: sha256 differs from provenance.json for "
                f"{', '.join(self.changed_since_build)}"
            )
        else:
            lines.append("sha256 of every file traced matches provenance.json ✓")
        return lines


# --- recomputing the contributions ---


def _area_filter(level: str, code: str) -> pl.Expr:
    column = {"global": None, "region": "region", "sub_region": "sub_region", "country": "country"}
    name = column[level]
    return pl.lit(True) if name is None else pl.col(name) == code


def _published_row(path: Path, area: str, year: int) -> dict[str, str | None]:
    if not path.is_file():
        raise TraceError(f"{path} not found; build the year first: cicopa build --year {year}")
    table = pl.read_csv(path, infer_schema=False)
    found = table.filter(pl.col("area_code") == area)
    if found.is_empty():
        known = ", ".join(table["area_code"].to_list())
        raise TraceError(f"unknown area '{area}' for {year}; by_area.csv has: {known}")
    return found.row(0, named=True)


def _decimal(text: str | None) -> Decimal | None:
    if text is None or text == "":
        return None
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise TraceError(f"by_area.csv holds '{text}', which is not a number") from exc


def trace(raw_data: Path, out: Path, year: int, area: str, measure: str) -> Trace:
    """Recompute the contributions of each accepted submission to one published figure."""
    area, measure = area.strip().upper(), measure.strip().lower()
    if measure in NOT_TRACEABLE:
        raise TraceError(f"{measure} cannot be traced: {NOT_TRACEABLE[measure]}")
    if measure not in MEASURES:
        raise TraceError(f"unknown measure '{measure}'; choose one of: {', '.join(MEASURES)}")
    published_path = out / str(year) / "statistics" / "by_area.csv"
    row = _published_row(published_path, area, year)
    level = row["level"] or ""
    try:
        reference = load_reference(raw_data)
    except ReferenceDataError as exc:
        raise TraceError(f"reference data unusable: {exc}") from exc
    if not year_folder(raw_data, year).is_dir():
        raise TraceError(f"no submissions folder for {year}: {year_folder(raw_data, year)}")

    # Without earlier years: the year-on-year warnings never change a status.
    outcome = validate_year(raw_data, reference, year)
    in_area = _area_filter(level, area)
    rows = located_rows(outcome.accepted_rows, reference, year).filter(in_area)
    hashes = dict(outcome.submissions.select("file", "sha256").iter_rows())
    names = dict(reference.members.select("member_id", "name").iter_rows())

    contributions = _contributions(rows, measure, hashes, names)
    if measure == "response_rate":
        contributions = _response_entries(reference, year, in_area, contributions)

    not_counted, unattributed = not_counted_files(outcome, reference, year, in_area, level)
    notes = []
    if measure == "women_share":
        silent = rows.group_by("file").agg(pl.col("women").is_null().all().alias("none"))
        if silent["none"].sum():
            notes.append(
                f"{silent['none'].sum()} accepted submission(s) of the area report no women "
                "and are outside this ratio"
            )
    traced_files = [c.file for c in contributions if c.file] + [
        n.file for n in not_counted if n.file
    ]
    return Trace(
        year=year,
        area_code=area,
        area_name=row["area_name"] or area,
        level=level,
        measure=measure,
        contributions=contributions,
        published=_decimal(row.get(measure)),
        published_path=published_path,
        not_counted=not_counted,
        unattributed=unattributed,
        changed_since_build=_changed_since_build(out / str(year), raw_data, traced_files),
        notes=notes,
    )


def _contributions(
    rows: pl.DataFrame, measure: str, hashes: dict[str, str], names: dict[str, str]
) -> list[Contribution]:
    """One entry per accepted submission of the area (a member has at most one)."""
    if measure == "women_share":
        rows = rows.filter(pl.col("women").is_not_null())
        aggregations = [
            pl.col("women").sum().alias("numerator"),
            pl.col("employment_total").sum().alias("denominator"),
        ]
    elif measure in COUNTS or measure == "response_rate":
        aggregations = [pl.lit(1).alias("value")]
    else:
        # null when no row of the submission reports an optional measure
        aggregations = [
            pl.when(pl.col(measure).is_not_null().any()).then(pl.col(measure).sum()).alias("value")
        ]
    per_file = rows.group_by("file", "member_id", "country").agg(aggregations).sort("member_id")
    entries = []
    for item in per_file.iter_rows(named=True):
        entries.append(
            Contribution(
                member_id=item["member_id"],
                member_name=names.get(item["member_id"]),
                country=item["country"],
                file=item["file"],
                sha256=hashes.get(item["file"]),
                value=item.get("value"),
                numerator=item.get("numerator"),
                denominator=item.get("denominator"),
            )
        )
    return entries


def _response_entries(
    reference: Reference, year: int, in_area: pl.Expr, reporting: list[Contribution]
) -> list[Contribution]:
    """response_rate: every registered member of the area, 1/1 if it reports, else 0/1."""
    by_member = {c.member_id: c for c in reporting}
    registered = registered_members(reference, year).filter(in_area).sort("member_id")
    entries = []
    for member in registered.iter_rows(named=True):
        found = by_member.get(member["member_id"])
        entries.append(
            Contribution(
                member_id=member["member_id"],
                member_name=member["name"],
                country=member["country"],
                file=found.file if found else None,
                sha256=found.sha256 if found else None,
                numerator=1 if found else 0,
                denominator=1,
            )
        )
    return entries


def _changed_since_build(year_out: Path, raw_data: Path, files: list[str]) -> list[str] | None:
    """Traced files (and the reference tables) whose bytes differ from provenance.json."""
    path = year_out / "provenance.json"
    if not path.is_file():
        return None
    try:
        recorded = {i["file"]: i["sha256"] for i in json.loads(path.read_text())["inputs"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise TraceError(f"{path} cannot be read: {exc}") from exc
    # Reference tables matter too: fx_rates.csv decides turnover_usd, members.csv the area.
    names = [p.relative_to(raw_data).as_posix() for p in reference_paths(raw_data)] + files
    changed = []
    for name in dict.fromkeys(names):
        current = raw_data / name
        digest = sha256_file(current) if current.is_file() else None
        if recorded.get(name) != digest:
            changed.append(name)
    return changed


# --- presentation of values (cicopa.trace_render shows the whole trace) ---


def format_value(measure: str | None, value: Number | Decimal | None) -> str:
    if value is None:
        return "(empty)"
    if measure in RATIOS:
        return f"{float(value):.4f}"
    if measure in DECIMAL_SUMS:
        return f"{float(value):,.2f}"
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    return f"{value:,}"
