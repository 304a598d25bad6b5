"""Render the annual report: ``ReportData`` -> HTML (Jinja2) -> PDF (WeasyPrint).

Plain Python, no orchestrator: the pipeline calls ``render_pdf`` and writes the bytes.

``render_pdf(data, lang="fr", attachments=[("by_area.csv", b"...")])`` gives an archival
PDF/A-3a document (tagged, with the statistics embedded as data files) in English, French
or Spanish; messages come from the gettext catalogues in ``locale/`` (see
``reports/i18n.py`` for how to update them).

Everything that comes from members (names, comments, file names) is untrusted text: the
Jinja environment escapes every value (``autoescape``), the templates never mark such a
value safe, and WeasyPrint may read only our own static files (``ReportURLFetcher``).
The only markup marked safe is what this module builds itself from numbers and our own
translated labels: the SVG charts and the CSS of the page footer.

The PDF carries no time stamp: the same data, language and attachments give the same bytes.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any

import polars as pl
from babel import Locale
from babel.lists import format_list
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from weasyprint import HTML, Attachment

from cicopa.columns import SUB_REGION_PARENT
from reports import accessibility, summary
from reports.charts import bar_chart_svg, trend_chart_svg
from reports.fetcher import STATIC_DIR, TEMPLATES_DIR, ReportURLFetcher
from reports.filters import NumberFormat
from reports.i18n import (
    ATTACHMENT_DESCRIPTIONS,
    ATTACHMENT_OTHER,
    ISIC_NAMES,
    KNOWN_SENTENCES,
    LANGUAGES,
    N_,
    REGION_NAMES,
    STATUS_LABELS,
    SUB_REGION_NAMES,
    TYPE_NAMES,
    area_name,
    check_language,
    country_name,
    css_content,
    sort_key,
    translations,
)
from reports.model import WORLD, ReportData
from reports.worldmap import world_map_svg

__all__ = ["LANGUAGES", "make_environment", "render_html", "render_pdf"]

TEMPLATE = "report.html.j2"
AUTHOR = "CICOPA"
PDF_VARIANT = "pdf/a-3a"  # archival, tagged (accessible), may carry embedded files
SVG_NS = "{http://www.w3.org/2000/svg}"

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
TREND_INDICATORS = (
    ("members_reporting", N_("Members reporting")),
    ("enterprises", N_("Enterprises")),
    ("employment_total", N_("Persons employed")),
)
TREND_WINDOW = 3  # Y-2, Y-1, Y
# Classification codes as the three languages write them: ISIC Rev.4, CITI Rév.4, ...
CODE = re.compile(r"\b(ISIC|CITI|CIIU|NACE) ?(Rev|Rév)\. ?(\d)")
TEXT_BETWEEN_TAGS = re.compile(r">([^<]+)<")
HYPHENATED = re.compile(r"(?<![\w-])(\w+(?:-\w+)+)(?![\w-])")


def make_environment(lang: str = "en") -> Environment:
    """The report's Jinja environment: escaping on, unknown names an error, gettext on."""
    check_language(lang)
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
        extensions=["jinja2.ext.i18n"],
    )
    # Messages are extracted with the same setting (babel.cfg: trimmed = true).
    env.policies["ext.i18n.trimmed"] = True
    catalogue = translations(lang)
    env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(NumberFormat(lang, catalogue).filters())
    return env


@cache
def _template(lang: str):
    return make_environment(lang).get_template(TEMPLATE)


def render_html(
    data: ReportData, lang: str = "en", *, attachments: Sequence[tuple[str, bytes]] = ()
) -> str:
    """The report as one HTML document; relative URLs point into ``reports/static/``.

    ``attachments`` only lists the embedded files in Annex C (``render_pdf`` embeds them).
    """
    check_language(lang)
    html = _template(lang).render(**build_context(data, lang, attachments))
    # A classification code never breaks across lines ("CITI Rév. / 4)"): a no-break
    # space before the revision and a word joiner after its full stop.
    html = CODE.sub("\\1\u00a0\\2.\u2060\\3", html)
    return _keep_hyphenated(html)


def _keep_hyphenated(html: str) -> str:
    """A hyphenated word never breaks at its hyphen ("Pays- / Bas", "non- / response").

    Each such word of the body's text (outside the SVG charts, whose text is laid out
    by reports/charts.py) is wrapped in a no-wrap span; the hyphen stays U+002D, so the
    PDF's text still reads "Pays-Bas". Only text between tags is touched: attribute
    values and markup are left as they are.
    """
    head, marker, body = html.partition("<body")
    if not marker:
        return html
    parts = re.split(r"(<svg\b.*?</svg>)", body, flags=re.S)
    for i in range(0, len(parts), 2):
        parts[i] = TEXT_BETWEEN_TAGS.sub(
            lambda m: ">" + HYPHENATED.sub(r'<span class="nw">\1</span>', m.group(1)) + "<",
            parts[i],
        )
    return head + marker + "".join(parts)


def render_pdf(
    data: ReportData, lang: str = "en", attachments: Sequence[tuple[str, bytes]] = ()
) -> bytes:
    """The report as PDF/A-3a bytes (A4) in ``lang``; the same inputs give the same bytes.

    ``attachments`` are ``(file name, content)`` pairs embedded in the PDF as associated
    files: CSV files as the report's data (AFRelationship ``Data``), others as
    ``Supplement``. Their dates are fixed (1 January after the reference year, or
    SOURCE_DATE_EPOCH), so they never carry the time of the build.
    """
    check_language(lang)
    attachments = _checked_attachments(attachments)
    document = HTML(
        string=render_html(data, lang, attachments=attachments),
        base_url=STATIC_DIR.as_uri() + "/",
        url_fetcher=ReportURLFetcher(),
    )
    gettext = translations(lang).gettext
    with _fixed_timestamp(data.year) as moment:
        pdf_attachments = [
            Attachment(
                string=content,
                name=name,
                description=gettext(ATTACHMENT_DESCRIPTIONS.get(name, ATTACHMENT_OTHER)),
                created=moment,
                modified=moment,
                relationship="Data" if name.lower().endswith(".csv") else "Supplement",
                url_fetcher=ReportURLFetcher(),
            )
            for name, content in attachments
        ]
        # PDF/A-3a: tagged for screen readers, fonts embedded, an sRGB output intent;
        # unlike PDF/A-2 it keeps embedded files of any type.
        return document.write_pdf(
            pdf_variant=PDF_VARIANT, attachments=pdf_attachments, finisher=accessibility.finish
        )


def _checked_attachments(attachments: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    checked: list[tuple[str, bytes]] = []
    for item in attachments:
        name, content = item
        if not isinstance(name, str) or not name.strip() or "/" in name or "\\" in name:
            raise ValueError(f"an attachment needs a plain file name, got {name!r}")
        if not isinstance(content, bytes | bytearray):
            raise TypeError(f"attachment {name!r}: content must be bytes")
        if any(name == seen for seen, _ in checked):
            raise ValueError(f"two attachments are named {name!r}")
        checked.append((name, bytes(content)))
    return checked


@contextmanager
def _fixed_timestamp(year: int) -> Iterator[datetime]:
    """Keep the build time out of the PDF: one fixed moment for fonts and attachments.

    WeasyPrint subsets the fonts with fontTools, which stamps each subset's ``head``
    table with the current time unless SOURCE_DATE_EPOCH is set (the reproducible-builds
    convention). Without a value from the caller, 1 January after the reference year is
    used. The variable is restored afterwards. The moment is also the date of the
    embedded files.
    """
    given = os.environ.get("SOURCE_DATE_EPOCH")
    if given is not None and given.strip().isdigit():
        yield datetime.fromtimestamp(int(given), tz=UTC).replace(tzinfo=None)
        return
    moment = datetime(year + 1, 1, 1, tzinfo=UTC)
    os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
    try:
        yield moment.replace(tzinfo=None)
    finally:
        if given is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = given


# --- The view model: plain dicts and lists, so the templates only lay out and format.


def build_context(
    data: ReportData, lang: str = "en", attachments: Sequence[tuple[str, bytes]] = ()
) -> dict[str, Any]:
    check_language(lang)
    _ = translations(lang).gettext
    fmt = NumberFormat(lang, translations(lang))
    areas = _areas(data.by_area, data.coverage)
    world_name = _("World")
    world = areas.get(("global", WORLD)) or _sum_rows([], WORLD, world_name)
    world = {**world, "name": world_name}
    countries = _countries(areas, lang)
    regions = [_region(code, areas, countries, world, lang) for code in REGION_NAMES]
    trends = _trends(data, regions, world_name, lang)
    charts = _charts(regions, countries, data, trends, fmt, _, lang)
    tables, figures = _numbering(trends is not None, charts, data)
    title = _("CICOPA Annual Statistics %(year)s") % {"year": data.year}
    pairs = summary.latest_pairs(data.series_trends, data.year)
    world_coverage = summary.coverage_of(data.coverage, "global", WORLD)
    estimates = summary.estimate_rows(data)
    return {
        "lang": lang,
        "sample": data.sample,
        "front": summary.front_matter(data, lang, title),
        "summary": summary.executive_summary(data, lang, world, regions, fmt),
        "bridges": [
            {"label": _(label), "steps": steps, "pair": pairs[(WORLD, measure)]}
            for measure, label in summary.MEASURES.items()
            if (steps := summary.bridge(pairs.get((WORLD, measure)), lang))
        ],
        "like_for_like": [
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
            for area in (
                [{"code": WORLD, "name": world_name, "is_world": True}]
                + [{**r, "is_world": False} for r in regions]
            )
        ]
        if pairs
        else [],
        "coverage_notes": {
            item: summary.coverage_text(row, fmt, lang) for item, row in world_coverage.items()
        },
        "estimates": [
            {"name": name, "reported": reported, "estimate": estimates.get(key)}
            for key, name, reported in [
                (("global", WORLD), world_name, world),
                *((("region", r["code"]), r["name"], r["row"]) for r in regions if r["row"]),
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
        "sectors": _breakdown(data.by_sector, "sector", _sector_names(data.by_sector, _)),
        "types": _breakdown(data.by_type, "cooperative_type", _type_names(data.by_type, _)),
        "submissions": _submissions(data.submissions, _),
        "members": _members(data.reporting_members, lang),
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


def _numbering(
    has_trends: bool, charts: Mapping[str, Any], data: ReportData
) -> tuple[dict[str, int], dict[str, int]]:
    """Table and figure numbers, in the order the chapters print them (no gaps)."""
    table_order = ["regions", "composition", "bridge", "trends", "countries", "types"]
    table_order += ["sectors", "response", "estimates", "statuses"]
    if not has_trends:
        table_order.remove("trends")
    if (
        data.series_trends is None
        or data.series_trends.filter(pl.col("year") == data.year).is_empty()
    ):
        table_order.remove("bridge")
    if data.estimates is None:
        table_order.remove("estimates")
    figure_order = ["regions", "trends", "map", "types", "sectors", "response"]
    figure_order = [name for name in figure_order if charts.get(name) is not None]
    tables = dict.fromkeys(("trends", "bridge", "estimates"), 0) | {
        name: i for i, name in enumerate(table_order, start=1)
    }
    figures = dict.fromkeys(("regions", "trends", "map", "types", "sectors", "response"), 0)
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


def _areas(
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
    areas = {}
    for row in by_area.to_dicts():
        key = (row["level"], row["area_code"])
        if row.get("members_registered"):
            row["response_rate"] = _share(row.get("members_reporting"), row["members_registered"])
        if key in women_base and row.get("women") is not None:
            row["women_share"] = _share(row["women"], women_base[key])
        areas[key] = row
    return areas


def region_of(parent_code: str | None) -> str | None:
    """The region of a country, from its parent (a region or a sub-region)."""
    if parent_code in REGION_NAMES:
        return parent_code
    return SUB_REGION_PARENT.get(parent_code or "")


def short_name(display_name: str) -> str:
    """ "Europe (CECOP – CICOPA Europe)" -> "Europe"."""
    return display_name.split(" (", 1)[0]


def _countries(areas: Mapping[tuple[str, str], dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    _ = translations(lang).gettext
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
    areas: Mapping[tuple[str, str], dict[str, Any]],
    countries: list[dict[str, Any]],
    world: Mapping[str, Any],
    lang: str,
) -> dict[str, Any]:
    _ = translations(lang).gettext
    name = area_name("region", code, lang)
    row = areas.get(("region", code))
    region_countries = [c for c in countries if c["region"] == code]
    sub_regions = []
    for sub_code in SUB_REGION_NAMES:
        if SUB_REGION_PARENT.get(sub_code) != code:
            continue
        sub_row = areas.get(("sub_region", sub_code))
        sub_countries = [c for c in region_countries if c["sub_region"] == sub_code]
        sub_regions.append(
            {
                "code": sub_code,
                "name": area_name("sub_region", sub_code, lang),
                "short": short_name(area_name("sub_region", sub_code, lang)),
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
        rest = _sum_rows(outside, code, _("Other countries of the region"))
        rest["countries"] = outside
        rest["share"] = _share(rest["employment_total"], row and row["employment_total"])
    names = sorted((c["name"] for c in region_countries), key=sort_key)
    return {
        "code": code,
        "name": name,
        "short": short_name(name),
        "row": row,
        "countries": region_countries,
        "country_list": format_list(names, locale=lang) + "." if names else "",
        "sub_regions": sub_regions,
        "rest": rest,
        "share": _share(row and row["employment_total"], world.get("employment_total")),
    }


def _sector_names(by_sector: pl.DataFrame, _: Any) -> dict[str, str]:
    codes = by_sector["sector"].unique().to_list()
    return {c: f"{c} {_(ISIC_NAMES[c])}" if c in ISIC_NAMES else str(c) for c in codes}


def _type_names(by_type: pl.DataFrame, _: Any) -> dict[str, str]:
    codes = by_type["cooperative_type"].unique().to_list()
    return {c: _(TYPE_NAMES[c]) if c in TYPE_NAMES else str(c) for c in codes}


def _breakdown(frame: pl.DataFrame, key: str, names: Mapping[str, str]) -> dict[str, Any]:
    """The global rows of by_sector / by_type, in code order, with shares of the total."""
    order = {code: i for i, code in enumerate((*ISIC_NAMES, *TYPE_NAMES))}
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


def _submissions(submissions: pl.DataFrame, _: Any) -> dict[str, Any]:
    rows = submissions.to_dicts()
    counts = {status: 0 for status in STATUS_LABELS}
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
    _ = translations(lang).gettext
    region_order = {code: i for i, code in enumerate(REGION_NAMES)}
    rows = reporting_members.to_dicts()
    for row in rows:
        region = row["region"]
        row["region_short"] = (
            short_name(area_name("region", region, lang)) if region in REGION_NAMES else str(region)
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


def _fx_rates(fx_rates: pl.DataFrame, year: int) -> list[dict[str, Any]]:
    rows = [r for r in fx_rates.to_dicts() if r["year"] == year] or fx_rates.to_dicts()
    return sorted(rows, key=lambda r: str(r["currency"]))


# --- Trends: Y-2..Y, from the statistics built for each year -------------------------


def _trends(
    data: ReportData, regions: list[dict[str, Any]], world_name: str, lang: str
) -> dict[str, Any] | None:
    """Totals of the world and each region per year, and the change from year to year.

    A year without statistics (``missing_years``, or absent from the table) is named in
    words and left out of the table: it is never shown as zero.
    """
    if data.trends is None:
        return None
    _ = translations(lang).gettext
    window = list(range(data.year - TREND_WINDOW + 1, data.year + 1))
    table = data.trends.filter(pl.col("year").is_in(window))
    built = set(table["year"].to_list()) | {data.year}
    missing = sorted(
        y for y in window if y not in built or (y in data.missing_years and y != data.year)
    )
    years = [y for y in window if y not in missing]
    changes = [(y - 1, y) for y in years if y - 1 in years]
    by_key = {(r["year"], r["area_code"]): r for r in table.to_dicts()}
    # The reference year's own totals are in by_area whether or not the caller repeated them.
    for r in data.by_area.filter(pl.col("level").is_in(["global", "region"])).to_dicts():
        by_key.setdefault((data.year, r["area_code"]), r)

    def indicators(code: str) -> list[dict[str, Any]]:
        out = []
        for column, label in TREND_INDICATORS:
            values = {y: (by_key.get((y, code)) or {}).get(column) for y in years}
            out.append(
                {
                    "column": column,
                    "label": _(label),
                    "by_year": values,
                    "changes": {after: _change(values[before], values[after])
                                for before, after in changes},
                }
            )  # fmt: skip
        return out

    areas = [{"code": WORLD, "name": world_name, "is_world": True, "indicators": indicators(WORLD)}]
    for region in regions:
        areas.append(
            {
                "code": region["code"],
                "name": region["name"],
                "short": region["short"],
                "is_world": False,
                "indicators": indicators(region["code"]),
            }
        )
    return {
        "window": window,
        "years": years,
        "missing": missing,
        "missing_text": format_list([str(y) for y in missing], locale=lang),
        "changes": changes,
        "areas": areas,
        "membership": _membership(data, lang),
    }


def _change(before: Any, after: Any) -> float | None:
    if before is None or after is None or not before:
        return None
    return (after - before) / before


def _membership(data: ReportData, lang: str) -> list[dict[str, Any]]:
    """Members that joined or left, grouped by year and change, for the trend notes."""
    if data.membership_changes is None or data.membership_changes.is_empty():
        return []
    # The changes carry the English country name: find its code to name it in `lang`.
    codes = {name: code for code, name in Locale.parse("en").territories.items()}
    codes.update(
        {
            r["area_name"]: r["area_code"]
            for r in data.by_area.filter(pl.col("level") == "country").to_dicts()
        }
    )
    codes.update({r["country_name"]: r["country"] for r in data.reporting_members.to_dicts()})
    groups: dict[tuple[int, str], list[dict[str, str]]] = {}
    for row in data.membership_changes.to_dicts():
        english = row.get("country_name") or ""
        groups.setdefault((int(row["year"]), str(row["change"])), []).append(
            {"name": row["name"], "country": country_name(codes.get(english), english, lang)}
        )
    order = {"joined": 0, "left": 1}
    return [
        {
            "year": year,
            "change": change,
            "members": sorted(members, key=lambda m: sort_key(str(m["name"]))),
        }
        for (year, change), members in sorted(
            groups.items(), key=lambda item: (item[0][0], order.get(item[0][1], 9))
        )
    ]


# --- Charts: vector SVG from reports.charts / reports.worldmap --------------------------


def _charts(
    regions: list[dict[str, Any]],
    countries: list[dict[str, Any]],
    data: ReportData,
    trends: dict[str, Any] | None,
    fmt: NumberFormat,
    _: Any,
    lang: str,
) -> dict[str, Markup | None]:
    """The report's figures as inline SVG; None for a figure without any figure to draw.

    Marked safe only because the SVG is generated by our code (reports/charts.py,
    reports/worldmap.py) from numbers; every text in it is one of our translated labels
    or a country name from the reference data or CLDR, escaped by the chart code. No
    member-supplied text (organisation names, comments, file names) goes into a chart.
    """
    year = data.year
    charts: dict[str, Markup | None] = dict.fromkeys(
        ("regions", "trends", "map", "types", "sectors", "response")
    )
    with_rows = [r for r in regions if r["row"]]
    if with_rows:
        labels = [r["short"] for r in with_rows]
        charts["regions"] = _svg(
            bar_chart_svg(
                labels,
                [r["row"]["employment_total"] or 0 for r in with_rows],
                title=_("Persons employed by region, %(year)s") % {"year": year},
                format_value=fmt.int,
                show_title=False,
            )
        )
        rates = [r["row"]["response_rate"] or 0 for r in with_rows]
        # Bars that are all the same (every region at 100 %) show nothing: no figure.
        charts["response"] = (
            None
            if len(set(rates)) <= 1
            else _svg(
                bar_chart_svg(
                    labels,
                    [r["row"]["response_rate"] or 0 for r in with_rows],
                    title=_("Response rate by region, %(year)s") % {"year": year},
                    format_value=fmt.pct,
                    show_title=False,
                    scale_max=1.0,
                )
            )
        )
    # Countries with figures, by ISO code: the map shades these and greys the others.
    mapped = {
        c["area_code"]: c
        for c in countries
        if c.get("members_reporting")
        and c.get("employment_total") is not None
        and re.fullmatch(r"[A-Z]{2}", str(c["area_code"]))
    }
    if mapped:
        charts["map"] = _svg(
            world_map_svg(
                {code: float(c["employment_total"]) for code, c in mapped.items()},
                legend_title=_("Persons employed"),
                format_value=fmt.int,
                no_data_label=_("No reporting member"),
                title=_("Persons employed by country, %(year)s") % {"year": year},
                country_names={code: c["name"] for code, c in mapped.items()},
                not_on_map_label=_("Not shown on the map"),
                data_label=_("Country with a reporting member"),
                scale_note=_("The area of each circle is proportional to the persons employed."),
                inset_label=short_name(area_name("region", "EUROPE", lang)),
            )
        )
    types = _breakdown(data.by_type, "cooperative_type", _type_names(data.by_type, _))["rows"]
    if types:
        charts["types"] = _svg(
            bar_chart_svg(
                [r["name"] for r in types],
                [r["enterprises"] or 0 for r in types],
                title=_("Enterprises by type of cooperative, %(year)s") % {"year": year},
                format_value=fmt.int,
                show_title=False,
            )
        )
    sectors = _breakdown(data.by_sector, "sector", _sector_names(data.by_sector, _))["rows"]
    if sectors:
        charts["sectors"] = _svg(
            bar_chart_svg(
                [r["name"] for r in sectors],
                [r["employment_total"] or 0 for r in sectors],
                title=_("Persons employed by economic activity, %(year)s") % {"year": year},
                format_value=fmt.int,
                show_title=False,
            )
        )
    if trends:
        window = trends["window"]
        series = {}
        for area in trends["areas"]:
            if area["is_world"]:
                continue
            persons = area["indicators"][-1]["by_year"]
            values = [persons.get(y) for y in window]
            # Indexed, first year with a figure = 100: a small region's growth is as
            # visible as a large one's, instead of a flat line at the bottom.
            base = next((v for v in values if v), None)
            if base:
                series[area["short"]] = [
                    None if v is None else v / base * 100 - 100 for v in values
                ]
        if series:
            charts["trends"] = _svg(
                trend_chart_svg(
                    window,
                    series,
                    title=_("Persons employed by region, %(first)s–%(last)s")
                    % {"first": window[0], "last": window[-1]},
                    format_value=lambda v: fmt.decimal(v + 100, 1),
                    show_title=False,
                    plot_height_mm=34,
                    missing_label=_("no statistics"),
                )
            )
    return charts


def _svg(svg: str) -> Markup:
    """Mark chart SVG safe: built by reports.charts from numbers and escaped labels.

    WeasyPrint makes the SVG's ``<title>`` the figure's alternative text (/Alt) in the
    tagged PDF. The caption already names the figure, so the alternative states the data:
    the title is followed by the ``<desc>`` (every figure, formatted), e.g. "Persons
    employed by region, 2025 — Europe: 1,300,000; Americas: 1,100,000; …".
    """
    root = ET.fromstring(svg)
    title = root.find(f"{SVG_NS}title")
    desc = root.find(f"{SVG_NS}desc")
    if title is not None and desc is not None and desc.text:
        title.text = f"{title.text} — {desc.text}"
    ET.register_namespace("", SVG_NS[1:-1])
    return Markup(ET.tostring(root, encoding="unicode"))
