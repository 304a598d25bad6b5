"""The report's areas: world, regions, sub-regions and countries, as by_area.csv has them.

Every figure is a value of a by_area.csv row (or of coverage.csv for the women's base);
the only numbers computed here are shares, each the unrounded quotient of two published
values, formatted once by the template (SPEC 3, "Figures printed in the report"). No row
is summed here: a table that needs a total prints a row of by_area.csv.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from babel.lists import format_list

from cicopa.columns import SUB_REGION_PARENT
from cicopa.statistics import BY_AREA_COLUMNS
from reports.i18n import (
    ISIC_NAMES,
    REGION_NAMES,
    SUB_REGION_NAMES,
    TYPE_NAMES,
    area_name,
    country_name,
    sort_key,
)


def share(part: Any, whole: Any) -> float | None:
    """part / whole, unrounded; None when either is missing or the whole is 0."""
    if part is None or not whole:
        return None
    return part / whole


def short_name(display_name: str) -> str:
    """ "Europe (CECOP – CICOPA Europe)" -> "Europe"."""
    return display_name.split(" (", 1)[0]


def region_of(parent_code: str | None) -> str | None:
    """The region of a country, from its parent (a region or a sub-region)."""
    if parent_code in REGION_NAMES:
        return parent_code
    return SUB_REGION_PARENT.get(parent_code or "")


def areas(
    by_area: pl.DataFrame, coverage: pl.DataFrame | None
) -> dict[tuple[str, str], dict[str, Any]]:
    """by_area's rows by (level, code), their shares recomputed from the counts.

    by_area.csv keeps 4 decimals for machines; a printed share is rounded once from the
    exact quotient (women 79,347 of 185,620 reads 42.7 %, not 42.8 % from 0.4275). The
    women share's denominator (persons employed in the rows that report women) is in
    coverage.csv; without it the published 4-decimal share is all there is.
    """
    women_base = {}
    if coverage is not None:
        women_base = {
            (r["level"], r["area_code"]): r["employment_total_item"]
            for r in coverage.filter(pl.col("item") == "women").to_dicts()
        }
    out = {}
    for row in by_area.to_dicts():
        key = (row["level"], row["area_code"])
        if row.get("members_registered"):
            row["response_rate"] = share(row.get("members_reporting"), row["members_registered"])
        if key in women_base and row.get("women") is not None:
            row["women_share"] = share(row["women"], women_base[key])
        out[key] = row
    return out


def empty_area(code: str, name: str) -> dict[str, Any]:
    """An area without a by_area.csv row: every figure missing (printed as a dash)."""
    return {**dict.fromkeys(BY_AREA_COLUMNS), "area_code": code, "area_name": name, "name": name}


def countries(areas: Mapping[tuple[str, str], dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    region_order = {code: i for i, code in enumerate(REGION_NAMES)}
    rows = []
    for (level, code), row in areas.items():
        if level != "country":
            continue
        region = region_of(row.get("parent_code"))
        parent = row.get("parent_code")
        sub_region = parent if parent in SUB_REGION_NAMES else None
        rows.append(
            {
                **row,
                "name": country_name(code, row.get("area_name") or code, lang),
                "region": region,
                "region_short": short_name(area_name("region", region, lang)) if region else "–",
                "sub_region": sub_region,
                "sub_region_short": short_name(area_name("sub_region", sub_region, lang))
                if sub_region
                else None,
            }
        )
    rows.sort(key=lambda r: (region_order.get(r["region"], 99), sort_key(r["name"])))
    return rows


def region(
    code: str,
    areas: Mapping[tuple[str, str], dict[str, Any]],
    countries: list[dict[str, Any]],
    world: Mapping[str, Any],
    lang: str,
) -> dict[str, Any]:
    """A region with its sub-regions and, where it has sub-regions, the countries outside
    them, each a by_area.csv row: the sub-regional table adds up to the region from
    published rows, and ``cicopa trace`` can prove each of them."""
    name = area_name("region", code, lang)
    row = areas.get(("region", code))
    total = row and row["employment_total"]
    region_countries = [c for c in countries if c["region"] == code]
    sub_regions = []
    for sub_code in SUB_REGION_NAMES:
        if SUB_REGION_PARENT.get(sub_code) != code:
            continue
        sub_row = areas.get(("sub_region", sub_code))
        sub_regions.append(
            {
                "code": sub_code,
                "name": area_name("sub_region", sub_code, lang),
                "short": short_name(area_name("sub_region", sub_code, lang)),
                "row": sub_row,
                "countries": [c for c in region_countries if c["sub_region"] == sub_code],
                "share": share(sub_row and sub_row["employment_total"], total),
            }
        )
    outside = []
    if any(s["row"] for s in sub_regions):
        outside = [
            {**c, "share": share(c["employment_total"], total)}
            for c in region_countries
            if c["sub_region"] is None
        ]
    names = sorted((c["name"] for c in region_countries), key=sort_key)
    return {
        "code": code,
        "name": name,
        "short": short_name(name),
        "row": row,
        "countries": region_countries,
        "country_list": format_list(names, locale=lang) + "." if names else "",
        "sub_regions": sub_regions,
        "outside": outside,
        "share": share(total, world.get("employment_total")),
    }


def sector_names(by_sector: pl.DataFrame, _: Any) -> dict[str, str]:
    codes = by_sector["sector"].unique().to_list()
    return {c: f"{c} {_(ISIC_NAMES[c])}" if c in ISIC_NAMES else str(c) for c in codes}


def type_names(by_type: pl.DataFrame, _: Any) -> dict[str, str]:
    codes = by_type["cooperative_type"].unique().to_list()
    return {c: _(TYPE_NAMES[c]) if c in TYPE_NAMES else str(c) for c in codes}


def breakdown(
    frame: pl.DataFrame, key: str, names: Mapping[str, str], world: Mapping[str, Any]
) -> dict[str, Any]:
    """The global rows of by_sector / by_type, in code order, with shares of the world.

    The total is by_area.csv's world row, not a sum made here: the rows of a breakdown
    add up to it (the blocking checks ``*_tie_out_to_areas`` prove it before anything
    is published).
    """
    order = {code: i for i, code in enumerate((*ISIC_NAMES, *TYPE_NAMES))}
    rows = [r for r in frame.to_dicts() if r["level"] == "global"]
    rows.sort(key=lambda r: (order.get(r[key], 999), str(r[key])))
    for row in rows:
        row["name"] = names.get(row[key], str(row[key]))
        row["share"] = share(row["employment_total"], world.get("employment_total"))
        row["enterprise_share"] = share(row["enterprises"], world.get("enterprises"))
    total = {
        **world,
        "share": share(world.get("employment_total"), world.get("employment_total")),
        "enterprise_share": share(world.get("enterprises"), world.get("enterprises")),
    }
    return {"rows": rows, "total": total}
