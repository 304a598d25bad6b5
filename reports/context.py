"""The report's view model: plain dicts and lists, so the templates only lay out and format.

Every number in it is a value of a published table (``ReportData``'s frames are the
statistics CSVs) or a share / change made of two of them, unrounded: the template's
filters round it once (SPEC 3, "Figures printed in the report"). Nothing is summed,
differenced or indexed here; tests/test_report_figures.py checks the printed PDF.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from babel.dates import format_date
from markupsafe import Markup

from cicopa import settings
from reports import summary, view_areas, view_charts, view_trends
from reports.filters import NumberFormat
from reports.i18n import (
    ATTACHMENT_DESCRIPTIONS,
    ATTACHMENT_OTHER,
    KNOWN_SENTENCES,
    REGION_NAMES,
    STATUS_LABELS,
    area_name,
    check_language,
    country_name,
    css_content,
    sort_key,
    translations,
)
from reports.model import WORLD, ReportData

AUTHOR = "CICOPA"


def build_context(
    data: ReportData, lang: str = "en", attachments: Sequence[tuple[str, bytes]] = ()
) -> dict[str, Any]:
    check_language(lang)
    _ = translations(lang).gettext
    fmt = NumberFormat(lang, translations(lang))
    areas = view_areas.areas(data.by_area, data.coverage)
    world_name = _("World")
    world = areas.get(("global", WORLD)) or view_areas.empty_area(WORLD, world_name)
    world = {**world, "name": world_name}
    countries = view_areas.countries(areas, lang)
    regions = [view_areas.region(code, areas, countries, world, lang) for code in REGION_NAMES]
    trends = view_trends.trends(data, regions, world_name, lang)
    breakdowns = {
        "sectors": view_areas.breakdown(
            data.by_sector, "sector", view_areas.sector_names(data.by_sector, _), world
        ),
        "types": view_areas.breakdown(
            data.by_type, "cooperative_type", view_areas.type_names(data.by_type, _), world
        ),
    }
    charts = view_charts.charts(regions, countries, breakdowns, data.year, fmt, _, lang)
    tables, figures = _numbering(trends is not None, charts, data)
    title = _("CICOPA Annual Statistics %(year)s") % {"year": data.year}
    pairs = summary.latest_pairs(data.series_trends, data.year)
    world_coverage = summary.coverage_of(data.coverage, "global", WORLD)
    estimates = summary.estimate_rows(data)
    return {
        "lang": lang,
        "sample": data.sample,
        "front": summary.front_matter(data, lang, title),
        "method": {
            "reference_date": format_date(
                settings.employment_reference_date(data.year),
                format="long",
                locale=settings.BABEL_LOCALES[lang],
            )
        },
        "summary": summary.executive_summary(data, lang, world, regions, fmt),
        "bridge": summary.bridge(pairs, lang),
        "like_for_like": _like_for_like(pairs, world_name, regions),
        "coverage_notes": {
            item: summary.coverage_text(row, fmt, lang) for item, row in world_coverage.items()
        },
        # Each region's optional items (women, turnover, cooperatives created) with the
        # base they rest on, as the world's are in the key figures.
        "region_coverage": {
            r["code"]: {
                item: summary.coverage_text(row, fmt, lang)
                for item, row in summary.coverage_of(data.coverage, "region", r["code"]).items()
            }
            for r in regions
        },
        "estimates": [
            {"name": name, "reported": reported, "estimate": estimates.get(key)}
            # The world last, as the total row of every table by region.
            for key, name, reported in [
                *((("region", r["code"]), r["name"], r["row"]) for r in regions if r["row"]),
                (("global", WORLD), world_name, world),
            ]
            if estimates.get(key)
        ],
        "year": data.year,
        "title": title,
        "subtitle": _("Worker, social and producers' cooperatives"),
        "author": AUTHOR,
        "description": _(
            "Statistics of the worker, social and producers' cooperatives affiliated to "
            "CICOPA's members, reference year %(year)s."
        )
        % {"year": data.year},
        "keywords": ", ".join(
            (
                "CICOPA",
                _("cooperatives"),
                _("worker cooperatives"),
                _("social cooperatives"),
                _("statistics"),
                str(data.year),
            )
        ),
        "page_css": _page_css(_, data.sample),
        "world": world,
        "regions": regions,
        "countries": countries,
        **breakdowns,
        "submissions": _submissions(data.submissions, _),
        "members": (members := _members(data.reporting_members, lang)),
        "members_by_country": _by_country(members),
        "member_list_limit": settings.REPORT_MEMBER_LIST_LIMIT,
        "fx_rates": _fx_rates(data.fx_rates, data.year),
        "fx_source": _(data.fx_source) if data.fx_source in KNOWN_SENTENCES else data.fx_source,
        "trends": trends,
        "tables": tables,
        "figures": figures,
        "charts": charts,
        "attachments": [
            {
                "name": name,
                "description": _(ATTACHMENT_DESCRIPTIONS.get(name, ATTACHMENT_OTHER)),
                "size": len(content),
            }
            for name, content in attachments
        ],
    }


def _like_for_like(
    pairs: Mapping[tuple[str, str], dict], world_name: str, regions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Like-for-like change of the world and each region: two values of one trends.csv row."""
    if not pairs:
        return []
    # The world last, as the total row of every table by region.
    areas = [{**r, "is_world": False} for r in regions]
    areas.append({"code": WORLD, "name": world_name, "is_world": True})
    return [
        {
            "name": area["name"],
            "is_world": area["is_world"],
            "by_measure": {
                m: summary.change(r["continuing_previous"], r["continuing_value"])
                if (r := pairs.get((area["code"], m)))
                else None
                for m in summary.MEASURES
            },
            "members": (pairs.get((area["code"], "employment_total")) or {}).get(
                "continuing_members"
            ),
        }
        for area in areas
    ]


def _numbering(
    has_trends: bool, charts: Mapping[str, Any], data: ReportData
) -> tuple[dict[str, int], dict[str, int]]:
    """Table and figure numbers, in the order the chapters print them (no gaps)."""
    table_order = ["regions", "composition", "bridge", "lfl_areas", "trends", "countries"]
    table_order += ["types", "sectors", "response", "estimates", "statuses"]
    if not has_trends:
        table_order.remove("trends")
    if (
        data.series_trends is None
        or data.series_trends.filter(pl.col("year") == data.year).is_empty()
    ):
        # The like-for-like table by region prints with the bridge (both from trends.csv).
        table_order.remove("bridge")
        table_order.remove("lfl_areas")
    if data.estimates is None:
        table_order.remove("estimates")
    figure_order = [name for name in view_charts.CHARTS if charts.get(name) is not None]
    tables = dict.fromkeys(("trends", "bridge", "lfl_areas", "estimates"), 0) | {
        name: i for i, name in enumerate(table_order, start=1)
    }
    figures = dict.fromkeys(view_charts.CHARTS, 0)
    figures |= {name: i for i, name in enumerate(figure_order, start=1)}
    return tables, figures


def _page_css(_: Any, sample: bool = False) -> Markup:
    """The page footer "Page X of Y" in the report's language, as CSS; with ``sample``,
    the "Sample data" mark in the footer of every page.

    Safe to mark: the text is our own translated message, quoted by ``css_content``
    (every quote, backslash and angle bracket escaped), around CSS counters.
    """
    footer = css_content(
        # TRANSLATORS: page footer; %(page)s and %(pages)s become the page counters.
        _("Page %(page)s of %(pages)s"),
        {"page": "counter(page)", "pages": "counter(pages)"},
    )
    css = f"@page {{ @bottom-center {{ content: {footer}; }} }}"
    if sample:
        mark = css_content(_("Sample data — not CICOPA's figures"), {})
        css += (
            f" @page {{ @bottom-right {{ content: {mark}; width: 75mm; text-align: right;"
            " vertical-align: top; padding-top: 4mm; color: #b3261e;"
            ' font: 700 7.5pt "Report Sans", sans-serif; } }'
        )
    return Markup(css)


def _submissions(submissions: pl.DataFrame, _: Any) -> dict[str, Any]:
    """validation/submissions.csv counted by status: the number of its rows per status
    (an auditor counts them in the published file), and the data rows of the accepted."""
    rows = submissions.to_dicts()
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    accepted_rows = sum(r["rows"] or 0 for r in rows if r["status"] == "accepted")
    return {
        "total": len(rows),
        "counts": [
            {
                "status": status,
                "label": _(STATUS_LABELS[status]) if status in STATUS_LABELS else status,
                "count": count,
            }
            for status, count in counts.items()
        ],
        "accepted_rows": accepted_rows,
    }


def _members(reporting_members: pl.DataFrame, lang: str) -> list[dict[str, Any]]:
    region_order = {code: i for i, code in enumerate(REGION_NAMES)}
    rows = reporting_members.to_dicts()
    for row in rows:
        region = row["region"]
        row["region_short"] = (
            view_areas.short_name(area_name("region", region, lang))
            if region in REGION_NAMES
            else str(region)
        )
        row["country_label"] = country_name(row["country"], row["country_name"], lang)
    rows.sort(
        key=lambda r: (
            region_order.get(r["region"], 99),
            sort_key(str(r["country_label"])),
            str(r["name"]).casefold(),
        )
    )
    return rows


def _by_country(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per country, in the member list's order, with its number of members."""
    counts: dict[str, dict[str, Any]] = {}
    for m in members:
        row = counts.setdefault(
            m["country"],
            {"country_label": m["country_label"], "region_short": m["region_short"], "count": 0},
        )
        row["count"] += 1
    return list(counts.values())


def _fx_rates(fx_rates: pl.DataFrame, year: int) -> list[dict[str, Any]]:
    rows = [r for r in fx_rates.to_dicts() if r["year"] == year] or fx_rates.to_dicts()
    return sorted(rows, key=lambda r: str(r["currency"]))
