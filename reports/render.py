"""Render the annual report: ``ReportData`` -> HTML (Jinja2) -> PDF (WeasyPrint).

Plain Python, no orchestrator: the pipeline calls ``render_pdf`` and writes the bytes.

Everything that comes from members (names, comments, file names) is untrusted text: the
Jinja environment escapes every value (``autoescape``), the templates never mark such a
value safe, and WeasyPrint may read only our own static files (``ReportURLFetcher``).
The PDF carries no time stamp, so the same data give the same document.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import polars as pl
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML

from cicopa.columns import COOPERATIVE_TYPES, ISIC_SECTIONS, REGIONS, SUB_REGION_PARENT, SUB_REGIONS
from reports.fetcher import STATIC_DIR, TEMPLATES_DIR, ReportURLFetcher
from reports.filters import FILTERS
from reports.model import WORLD, ReportData

TEMPLATE = "report.html.j2"
TITLE = "CICOPA Annual Statistics"
SUBTITLE = "Worker, social and producers' cooperatives"
AUTHOR = "CICOPA"

# Figures that add up from countries to regions to the world (SPEC 3, by_area.csv).
ADDITIVE = (
    "members_registered",
    "members_reporting",
    "countries_reporting",
    "enterprises",
    "worker_members",
    "employees",
    "producer_members",
    "employment_in_cooperatives",
    "employment_total",
)
STATUS_LABELS = {
    "accepted": "Accepted: the figures count",
    "superseded": "Superseded by a later file of the same member",
    "rejected": "Rejected: at least one error, no figure counts",
    "unreadable": "Unreadable: the file could not be parsed",
}


def make_environment() -> Environment:
    """The report's Jinja environment: escaping on, unknown names an error."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        # Escape in every template, whatever its name (html, .j2, or a string).
        autoescape=select_autoescape(
            enabled_extensions=("html", "htm", "xml", "j2"),
            default_for_string=True,
            default=True,
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def render_html(data: ReportData) -> str:
    """The report as one HTML document; relative URLs point into ``reports/static/``."""
    return make_environment().get_template(TEMPLATE).render(**build_context(data))


def render_pdf(data: ReportData) -> bytes:
    """The report as PDF bytes (A4, English); the same data give the same bytes."""
    document = HTML(
        string=render_html(data),
        base_url=STATIC_DIR.as_uri() + "/",
        url_fetcher=ReportURLFetcher(),
    )
    with _fixed_font_timestamp(data.year):
        # Tagged PDF: headings, tables and reading order for screen readers.
        return document.write_pdf(pdf_tags=True)


@contextmanager
def _fixed_font_timestamp(year: int) -> Iterator[None]:
    """Keep the build time out of the PDF's embedded fonts.

    WeasyPrint subsets the fonts with fontTools, which stamps each subset's ``head``
    table with the current time unless SOURCE_DATE_EPOCH is set (the reproducible-builds
    convention). Without a value from the caller, 1 January after the reference year is
    used. The variable is restored afterwards.
    """
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    epoch = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


# --- The view model: plain dicts and lists, so the templates only lay out and format.


def build_context(data: ReportData) -> dict[str, Any]:
    areas = _areas(data.by_area)
    world = areas.get(("global", WORLD)) or _sum_rows([], WORLD, "World")
    world["name"] = "World"
    countries = _countries(areas)
    regions = [_region(code, name, areas, countries, world) for code, name in REGIONS.items()]
    return {
        "year": data.year,
        "title": f"{TITLE} {data.year}",
        "subtitle": SUBTITLE,
        "author": AUTHOR,
        "world": world,
        "regions": regions,
        "countries": countries,
        "sectors": _breakdown(data.by_sector, "sector", _sector_names(data.by_sector)),
        "types": _breakdown(data.by_type, "cooperative_type", _type_names(data.by_type)),
        "submissions": _submissions(data.submissions),
        "members": _members(data.reporting_members),
        "fx_rates": _fx_rates(data.fx_rates, data.year),
        "fx_source": data.fx_source,
    }


def _areas(by_area: pl.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["level"], row["area_code"]): row for row in by_area.to_dicts()}


def region_of(parent_code: str | None) -> str | None:
    """The region of a country, from its parent (a region or a sub-region)."""
    if parent_code in REGIONS:
        return parent_code
    return SUB_REGION_PARENT.get(parent_code or "")


def short_name(display_name: str) -> str:
    """ "Europe (CECOP – CICOPA Europe)" -> "Europe"."""
    return display_name.split(" (", 1)[0]


def _countries(areas: Mapping[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    region_order = {code: i for i, code in enumerate(REGIONS)}
    rows = []
    for (level, _code), row in areas.items():
        if level != "country":
            continue
        region = region_of(row.get("parent_code"))
        sub_region = row.get("parent_code") if row.get("parent_code") in SUB_REGIONS else None
        rows.append(
            {
                **row,
                "name": row.get("area_name") or row["area_code"],
                "region": region,
                "region_short": short_name(REGIONS[region]) if region else "–",
                "sub_region": sub_region,
                "sub_region_short": short_name(SUB_REGIONS[sub_region]) if sub_region else None,
            }
        )
    rows.sort(key=lambda r: (region_order.get(r["region"], 99), r["name"].casefold()))
    return rows


def _sum_rows(rows: Iterable[Mapping[str, Any]], code: str, name: str) -> dict[str, Any]:
    rows = list(rows)
    total: dict[str, Any] = {"area_code": code, "area_name": name, "name": name}
    for column in ADDITIVE:
        values = [r.get(column) for r in rows if r.get(column) is not None]
        total[column] = sum(values) if values else None
    registered, reporting = total["members_registered"], total["members_reporting"]
    total["response_rate"] = (
        reporting / registered if registered and reporting is not None else None
    )
    for column in ("women_share", "turnover_usd", "women", "new_enterprises", "transfers"):
        total[column] = None
    return total


def _share(part: Any, whole: Any) -> float | None:
    if part is None or not whole:
        return None
    return part / whole


def _region(
    code: str,
    name: str,
    areas: Mapping[tuple[str, str], dict[str, Any]],
    countries: list[dict[str, Any]],
    world: Mapping[str, Any],
) -> dict[str, Any]:
    row = areas.get(("region", code))
    region_countries = [c for c in countries if c["region"] == code]
    sub_regions = []
    for sub_code, sub_name in SUB_REGIONS.items():
        if SUB_REGION_PARENT.get(sub_code) != code:
            continue
        sub_row = areas.get(("sub_region", sub_code))
        sub_countries = [c for c in region_countries if c["sub_region"] == sub_code]
        sub_regions.append(
            {
                "code": sub_code,
                "name": sub_name,
                "short": short_name(sub_name),
                "row": sub_row,
                "countries": sub_countries,
                "share": _share(
                    sub_row and sub_row["employment_total"], row and row["employment_total"]
                ),
            }
        )
    # Countries of the region outside any sub-regional organisation, summed.
    outside = [c for c in region_countries if c["sub_region"] is None]
    rest = None
    if any(s["row"] for s in sub_regions) and outside:
        rest = _sum_rows(outside, code, "Other countries of the region")
        rest["countries"] = outside
        rest["share"] = _share(rest["employment_total"], row and row["employment_total"])
    return {
        "code": code,
        "name": name,
        "short": short_name(name),
        "row": row,
        "countries": region_countries,
        "sub_regions": sub_regions,
        "rest": rest,
        "share": _share(row and row["employment_total"], world.get("employment_total")),
    }


def _sector_names(by_sector: pl.DataFrame) -> dict[str, str]:
    codes = by_sector["sector"].unique().to_list()
    return {c: f"{c} {ISIC_SECTIONS[c]}" if c in ISIC_SECTIONS else str(c) for c in codes}


def _type_names(by_type: pl.DataFrame) -> dict[str, str]:
    codes = by_type["cooperative_type"].unique().to_list()
    return {c: COOPERATIVE_TYPES.get(c, str(c)) for c in codes}


def _breakdown(frame: pl.DataFrame, key: str, names: Mapping[str, str]) -> dict[str, Any]:
    """The global rows of by_sector / by_type, in code order, with shares of the total."""
    order = {code: i for i, code in enumerate((*ISIC_SECTIONS, *COOPERATIVE_TYPES))}
    rows = [r for r in frame.to_dicts() if r["level"] == "global"]
    rows.sort(key=lambda r: (order.get(r[key], 999), str(r[key])))
    total = _sum_rows(rows, WORLD, "Total")
    for row in rows:
        row["name"] = names.get(row[key], str(row[key]))
        row["share"] = _share(row["employment_total"], total["employment_total"])
        row["enterprise_share"] = _share(row["enterprises"], total["enterprises"])
    total["share"] = 1.0 if rows and total["employment_total"] else None
    total["enterprise_share"] = 1.0 if rows and total["enterprises"] else None
    return {"rows": rows, "total": total}


def _submissions(submissions: pl.DataFrame) -> dict[str, Any]:
    rows = submissions.to_dicts()
    counts = {status: 0 for status in STATUS_LABELS}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    accepted_rows = sum(r["rows"] or 0 for r in rows if r["status"] == "accepted")
    return {
        "total": len(rows),
        "counts": [
            {"status": status, "label": STATUS_LABELS.get(status, status), "count": count}
            for status, count in counts.items()
        ],
        "accepted_rows": accepted_rows,
    }


def _members(reporting_members: pl.DataFrame) -> list[dict[str, Any]]:
    region_order = {code: i for i, code in enumerate(REGIONS)}
    rows = reporting_members.to_dicts()
    for row in rows:
        row["region_short"] = short_name(REGIONS.get(row["region"], str(row["region"])))
    rows.sort(
        key=lambda r: (
            region_order.get(r["region"], 99),
            str(r["country_name"]).casefold(),
            str(r["name"]).casefold(),
        )
    )
    return rows


def _fx_rates(fx_rates: pl.DataFrame, year: int) -> list[dict[str, Any]]:
    rows = [r for r in fx_rates.to_dicts() if r["year"] == year] or fx_rates.to_dicts()
    return sorted(rows, key=lambda r: str(r["currency"]))
