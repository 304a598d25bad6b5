"""`cicopa trace --estimate` and `--like-for-like`: prove a series figure.

An estimate (estimates.csv) is the reported contributions of the area's accepted
submissions plus each imputed member's figure, with its base year and ratio as
published in imputations.csv; the imputations are recomputed from the accepted rows of
Y-3..Y and must equal the published ones. A like-for-like change (trends.csv) is the
continuing members' two sums, each member listed with its value in both years.
Everything is compared with the PUBLISHED files, as `cicopa trace` does for by_area.csv.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from cicopa import series
from cicopa.outcomes import inventory, validate_year, year_folder
from cicopa.reference import Reference, ReferenceDataError, load_reference
from cicopa.series.members import MEASURES
from cicopa.series.rounding import quotient_text
from cicopa.settings import IMPUTATION_LOOKBACK_YEARS
from cicopa.statistics import HEADCOUNTS, located_rows
from cicopa.trace import Contribution, TraceError, _area_filter, _contributions
from cicopa.trace_render import _clean, _table

# Which imputed headcounts make up each estimated measure.
COMPONENTS = {
    **{m: (m,) for m in HEADCOUNTS},
    "employment_in_cooperatives": ("worker_members", "employees"),
    "employment_total": ("worker_members", "employees", "producer_members"),
}


@dataclass(frozen=True)
class Imputed:
    member_id: str
    country: str
    base_year: int
    parts: list[dict[str, str]]  # the published imputations.csv rows of the member
    value: int  # sum of the imputed_value of `parts`


@dataclass
class EstimateTrace:
    year: int
    area_code: str
    measure: str
    reported: list[Contribution]
    imputed: list[Imputed]
    published: int | None
    imputations_recomputed: bool  # the published imputations equal those the data give
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        reported = sum(int(c.value or 0) for c in self.reported)
        return reported + sum(i.value for i in self.imputed)

    @property
    def ok(self) -> bool:
        return self.published == self.total and self.imputations_recomputed


@dataclass
class LikeForLikeTrace:
    area_code: str
    measure: str
    previous_year: int
    year: int
    continuing: pl.DataFrame  # member_id, country, previous, value
    published: dict[str, str | None]  # the trends.csv row

    @property
    def sums(self) -> tuple[int, int]:
        return int(self.continuing["previous"].sum()), int(self.continuing["value"].sum())

    @property
    def change(self) -> str | None:
        before, after = self.sums
        frame = pl.DataFrame({"n": [after - before], "d": [before]})
        return frame.select(quotient_text(pl.col("n"), pl.col("d"), 4).alias("q"))["q"][0]

    @property
    def ok(self) -> bool:
        before, after = self.sums
        published = self.published
        return (
            published["continuing_previous"] == str(before)
            and published["continuing_value"] == str(after)
            and published["continuing_members"] == str(self.continuing.height)
            and (published["change_like_for_like"] or None) == self.change
        )


def _published(out: Path, year: int, name: str) -> pl.DataFrame:
    path = out / str(year) / "statistics" / name
    if not path.is_file():
        raise TraceError(f"{path} not found; build the year first: cicopa build --year {year}")
    return pl.read_csv(path, infer_schema=False)


def _reference(raw_data: Path) -> Reference:
    try:
        return load_reference(raw_data)
    except ReferenceDataError as exc:
        raise TraceError(f"reference data unusable: {exc}") from exc


def accepted_years(raw_data: Path, reference: Reference, years: range) -> series.Accepted:
    """Accepted rows of each year that has a submissions folder (withdrawals honoured)."""
    return {
        y: validate_year(raw_data, reference, y).accepted_rows
        for y in years
        if year_folder(raw_data, y).is_dir()
    }


def _level_of(table: pl.DataFrame, area: str, year: int, name: str) -> str:
    found = table.filter(pl.col("area_code") == area)
    if found.is_empty():
        raise TraceError(f"unknown area '{area}' for {year} in {name}")
    return str(found["level"][0])


def trace_estimate(raw_data: Path, out: Path, year: int, area: str, measure: str) -> EstimateTrace:
    """Reported contributions plus imputations of one figure of estimates.csv."""
    area, measure = area.strip().upper(), measure.strip().lower()
    if measure not in MEASURES:
        raise TraceError(f"estimates have no '{measure}'; choose one of: {', '.join(MEASURES)}")
    estimates = _published(out, year, "estimates.csv")
    published_imputations = _published(out, year, "imputations.csv")
    level = _level_of(estimates, area, year, "estimates.csv")
    reference = _reference(raw_data)
    accepted = accepted_years(
        raw_data, reference, range(year - IMPUTATION_LOOKBACK_YEARS, year + 1)
    )
    if year not in accepted:
        raise TraceError(f"no submissions folder for {year}: {year_folder(raw_data, year)}")
    in_area = _area_filter(level, area)
    rows = located_rows(accepted[year], reference, year).filter(in_area)
    names = dict(reference.members.select("member_id", "name").iter_rows())
    hashes = dict(inventory(raw_data, year).select("file", "sha256").iter_rows())
    reported = _contributions(rows, measure, hashes, names)

    places = reference.regions.select("country", "region", "sub_region")
    mine = (
        published_imputations.join(places, on="country", how="left")
        .filter(in_area)
        .filter(pl.col("measure").is_in(COMPONENTS[measure]))
    )
    imputed = [
        Imputed(
            member_id=member,
            country=str(group["country"][0]),
            base_year=int(group["base_year"][0]),
            parts=group.select(series.IMPUTATIONS_COLUMNS).to_dicts(),
            value=int(group["imputed_value"].cast(pl.Int64).sum()),
        )
        for (member,), group in mine.sort("member_id").group_by("member_id", maintain_order=True)
    ]
    recomputed = series.for_csv(series.imputations(accepted, reference, year)).cast(pl.String)
    same = recomputed.equals(published_imputations.select(recomputed.columns))
    notes = [] if same else [
        "the imputations recomputed from the accepted rows differ from imputations.csv"
    ]  # fmt: skip
    cell = estimates.filter(pl.col("area_code") == area)[measure][0]
    return EstimateTrace(year, area, measure, reported, imputed,
                         None if cell is None else int(cell), same, notes)  # fmt: skip


def trace_like_for_like(
    raw_data: Path, out: Path, year: int, area: str, measure: str
) -> LikeForLikeTrace:
    """The continuing members behind change_like_for_like of (year-1, year) in trends.csv."""
    area, measure = area.strip().upper(), measure.strip().lower()
    if measure not in series.TREND_MEASURES:
        raise TraceError(
            f"trends have no '{measure}'; choose one of: {', '.join(series.TREND_MEASURES)}"
        )
    trends = _published(out, year, "trends.csv")
    found = trends.filter(
        (pl.col("area_code") == area)
        & (pl.col("measure") == measure)
        & (pl.col("year") == str(year))
    )
    if found.is_empty():
        raise TraceError(f"trends.csv of {year} has no {measure} of {area} for {year - 1}-{year}")
    published = found.row(0, named=True)
    previous = int(published["previous_year"])
    reference = _reference(raw_data)
    accepted = accepted_years(raw_data, reference, range(previous, year + 1))
    members = series.members_in_pair(accepted, reference, previous, year)
    continuing = (
        members.filter(_area_filter(published["level"], area) & (pl.col("part") == "continuing"))
        .select(
            "member_id", "country",
            pl.col(f"{measure}_before").alias("previous"),
            pl.col(f"{measure}_after").alias("value"),
        )
        .sort("member_id")
    )  # fmt: skip
    return LikeForLikeTrace(area, measure, previous, year, continuing, published)


def render_estimate(result: EstimateTrace) -> str:
    lines = [
        f"Estimate of {result.measure} for {result.area_code}, reference year {result.year}"
        " (estimates.csv)",
        "",
        f"Reported: accepted submissions ({len(result.reported)})",
    ]
    rows = [
        [_clean(c.member_id), _clean(c.file), f"{int(c.value or 0):,}"] for c in result.reported
    ]
    lines += (
        _table(["member_id", "file", "contribution"], rows, right={2}) if rows else ["  (none)"]
    )
    lines += [
        "",
        f"Imputed: registered members without an accepted submission ({len(result.imputed)})",
    ]
    rows = [
        [_clean(i.member_id), str(i.base_year), p["measure"], p["base_value"], p["ratio"],
         p["ratio_scope"], p["imputed_value"]]
        for i in result.imputed for p in i.parts
    ]  # fmt: skip
    headers = ["member_id", "base_year", "measure", "base_value", "ratio", "scope", "imputed"]
    lines += _table(headers, rows, right={3, 4, 6}) if rows else ["  (none)"]
    reported = sum(int(c.value or 0) for c in result.reported)
    imputed = sum(i.value for i in result.imputed)
    verdict = "✓" if result.published == result.total else "✗ MISMATCH"
    lines += [
        "",
        f"reported {reported:,} + imputed {imputed:,} = {result.total:,}; "
        f"published {result.published if result.published is None else f'{result.published:,}'}"
        f" {verdict}",
        "imputations.csv equals the imputations recomputed from the accepted rows "
        + ("✓" if result.imputations_recomputed else "✗"),
        *result.notes,
    ]
    return "\n".join(lines) + "\n"


def render_like_for_like(result: LikeForLikeTrace) -> str:
    before, after = result.sums
    rows = [
        [_clean(m), _clean(c), f"{p:,}", f"{v:,}"] for m, c, p, v in result.continuing.iter_rows()
    ]
    published = result.published
    lines = [
        f"Like-for-like change of {result.measure} for {result.area_code}, "
        f"{result.previous_year} -> {result.year} (trends.csv)",
        "",
        f"Continuing members: accepted submissions in both years ({len(rows)})",
        *(
            _table(
                ["member_id", "country", str(result.previous_year), str(result.year)],
                rows,
                right={2, 3},
            )
            if rows
            else ["  (none)"]
        ),
        "",
        f"sums {before:,} -> {after:,}: change_like_for_like {result.change or '(empty)'}; "
        f"published {published['continuing_previous']} -> {published['continuing_value']}: "
        f"{published['change_like_for_like'] or '(empty)'} " + ("✓" if result.ok else "✗ MISMATCH"),
    ]
    return "\n".join(lines) + "\n"
