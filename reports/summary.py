"""What the report says in words: front matter, the executive summary, and the figures
that rest on the issue-10 tables (like-for-like change, coverage, estimates, revisions).

Every sentence is a translated template filled with figures of ``ReportData``; nothing is
written that the tables do not say, and a sentence whose table is absent is left out.
Shares and changes are computed here from the unrounded counts of the tables (the
4-decimal columns are for machines) and formatted once (SPEC 3, "Rounded once").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import polars as pl
from babel.dates import format_date

from cicopa import settings
from reports.filters import NumberFormat
from reports.i18n import N_, translations
from reports.model import WORLD, ReportData

# The optional items of coverage.csv, in SPEC order, with what the report calls them.
COVERAGE_ITEMS: dict[str, str] = {
    "women": N_("Women among persons employed"),
    "turnover": N_("Turnover"),
    "new_enterprises": N_("Cooperatives created during the year"),
    "transfers": N_("of which businesses transferred to their employees"),
}
MEASURES: dict[str, str] = {
    "enterprises": N_("Enterprises"),
    "employment_total": N_("Persons employed"),
}
HEADLINE_MEASURES: dict[str, str] = {
    "members_reporting": N_("Members reporting"),
    "countries_reporting": N_("Countries"),
    "enterprises": N_("Enterprises"),
    "employment_total": N_("Persons employed"),
    "employment_in_cooperatives": N_("Employment in cooperatives"),
    "producer_members": N_("Producer-members"),
}


def ratio(part: Any, whole: Any) -> float | None:
    if part is None or whole is None or not whole:
        return None
    return float(part) / float(whole)


def change(before: Any, after: Any) -> float | None:
    if before is None or after is None or not before:
        return None
    return float(after) / float(before) - 1


# --- front matter ----------------------------------------------------------------------


def front_matter(data: ReportData, lang: str, title: str) -> dict[str, Any]:
    """Title page, imprint and suggested citation, from cicopa.settings (never the clock)."""
    _ = translations(lang).gettext
    published: date = settings.publication_date(data.year)
    published_text = format_date(published, format="long", locale=settings.BABEL_LOCALES[lang])
    edition = data.edition
    citation = _(
        "CICOPA (%(published_year)s). %(title)s. Edition %(edition)s. %(place)s: CICOPA. "
        "Licence: %(licence)s."
    ) % {
        "published_year": published.year,
        "title": title,
        "edition": edition,
        "place": settings.PUBLISHER_PLACE,
        "licence": settings.LICENCE,
    }
    return {
        "published": published.isoformat(),
        "published_text": published_text,
        "edition": edition,
        "publisher": settings.PUBLISHER,
        "place": settings.PUBLISHER_PLACE,
        "licence": settings.LICENCE,
        "licence_url": settings.LICENCE_URL,
        "contact": settings.CONTACT,
        "issn": settings.ISSN,
        "isbn": settings.ISBN,
        "citation": citation,
        "revisions": _revisions(data, lang),
    }


def _figure(text: object) -> int | float | None:
    """A figure of revisions.csv (published text) as a number; None when empty."""
    if text is None or isinstance(text, int | float):
        return text
    try:
        return int(str(text))
    except ValueError:
        try:
            return float(str(text))
        except ValueError:
            return None


def _revisions(data: ReportData, lang: str) -> list[dict[str, Any]]:
    """The headline figures this edition revised, named in the report's language."""
    frame = data.revised_headlines
    if frame is None or frame.is_empty():
        return []
    _ = translations(lang).gettext
    names = {
        (r["level"], r["area_code"]): r["area_name"]
        for r in data.by_area.select("level", "area_code", "area_name").to_dicts()
    }
    out = []
    for row in frame.sort("revision", "level", "area_code", "measure").to_dicts():
        measure = str(row["measure"])
        label = HEADLINE_MEASURES.get(measure)
        area = (
            _("World")
            if row["area_code"] == WORLD
            else names.get((row["level"], row["area_code"]), str(row["area_code"]))
        )
        out.append(
            {
                "area": area,
                "measure": _(label) if label else measure,
                "previous": _figure(row["previous"]),
                "revised": _figure(row["revised"]),
                "reason": row["reason"],
            }
        )
    return out


# --- like-for-like change (statistics/trends.csv) --------------------------------------


def latest_pairs(series: pl.DataFrame | None, year: int) -> dict[tuple[str, str], dict]:
    """The trends.csv rows of the pair (Y-1, Y), by (area_code, measure)."""
    if series is None:
        return {}
    rows = series.filter(pl.col("year") == year).to_dicts()
    return {(r["area_code"], r["measure"]): r for r in rows}


# The rows of the bridge table: (label, trends.csv column in the previous year, column in
# this year, whether this year's cell carries the change). A step of one year only has
# no figure in the other: the table prints a dash there, never a zero.
BRIDGE_ROWS: tuple[tuple[str, str | None, str | None, str], ...] = (
    (N_("Members that reported in both years"), "continuing_previous", "continuing_value",
     "continuing"),
    (N_("Members that joined CICOPA"), None, "joined_value", "step"),
    (N_("Members that reported again"), None, "resumed_value", "step"),
    (N_("Members that left CICOPA"), "left_value", None, "step"),
    (N_("Members that did not report"), "stopped_value", None, "step"),
    (N_("All reporting members"), "previous_value", "value", "total"),
)  # fmt: skip


def bridge(pairs: Mapping[tuple[str, str], Mapping[str, Any]], lang: str) -> dict | None:
    """The world's two identities of trends.csv, side by side for each measure.

    Previous year = continuing + left + stopped; this year = continuing + joined +
    resumed (SPEC 3). Every cell is a value of the world's trends.csv row; the changes
    beside this year's continuing and total figures are quotients of two of them. No
    difference is printed: the growth of the continuing members is their two sums.
    """
    rows = {m: pairs.get((WORLD, m)) for m in MEASURES}
    measures = [m for m, row in rows.items() if row and row.get("previous_value") is not None]
    if not measures:
        return None
    _ = translations(lang).gettext
    first = rows[measures[0]]
    assert first is not None
    lines = []
    for label, before, after, kind in BRIDGE_ROWS:
        cells = []
        for m in measures:
            row = rows[m] or {}
            note = None
            if kind in ("continuing", "total"):
                note = change(row.get(before or ""), row.get(after or ""))
            cells.append(
                {
                    "before": row.get(before) if before else None,
                    "after": row.get(after) if after else None,
                    "note": note,
                }
            )
        lines.append({"label": _(label), "kind": kind, "cells": cells})
    return {
        "previous_year": first["previous_year"],
        "year": first["year"],
        "measures": [_(MEASURES[m]) for m in measures],
        "continuing_members": first["continuing_members"],
        "rows": lines,
    }


# --- coverage of the optional items (statistics/coverage.csv) ---------------------------


def coverage_of(coverage: pl.DataFrame | None, level: str, code: str) -> dict[str, dict[str, Any]]:
    """An area's coverage rows by item, with the unrounded coverage."""
    if coverage is None:
        return {}
    rows = coverage.filter((pl.col("level") == level) & (pl.col("area_code") == code))
    out = {}
    for row in rows.to_dicts():
        row["share"] = ratio(row["employment_total_item"], row["employment_total"])
        out[str(row["item"])] = row
    return out


def coverage_text(row: Mapping[str, Any] | None, fmt: NumberFormat, lang: str) -> str:
    """ "reported by 18 of 45 members covering 26 % of persons employed"."""
    if not row:
        return ""
    ngettext = translations(lang).ngettext
    return ngettext(
        "reported by %(n)s of %(reporting)s member covering %(share)s of persons employed",
        "reported by %(n)s of %(reporting)s members covering %(share)s of persons employed",
        int(row["members_reporting"] or 0),
    ) % {
        "n": fmt.int_text(row["members_reporting_item"]),
        "reporting": fmt.int_text(row["members_reporting"]),
        # In running text "68 %" must not break between the number and its sign (English
        # spaces it with a plain space; French and Spanish already use a no-break one).
        "share": fmt.pct(row["share"], 0).replace(" ", "\u00a0"),
    }


# --- estimates for non-response (statistics/estimates.csv) ------------------------------


def estimate_rows(data: ReportData) -> dict[tuple[str, str], dict[str, Any]]:
    if data.estimates is None:
        return {}
    out = {}
    for row in data.estimates.to_dicts():
        row["share"] = ratio(row["employment_total_imputed"], row["employment_total"])
        out[(row["level"], row["area_code"])] = row
    return out


# --- the executive summary -------------------------------------------------------------


def executive_summary(
    data: ReportData,
    lang: str,
    world: Mapping[str, Any],
    regions: list[dict[str, Any]],
    fmt: NumberFormat,
) -> list[str]:
    """One page of sentences, each from the figures; a sentence without its table is out."""
    t = translations(lang)
    _, ngettext = t.gettext, t.ngettext
    year = data.year
    sentences: list[str] = []
    registered = world.get("members_registered") or 0
    sentences.append(
        ngettext(
            "In %(year)s, %(reporting)s of the %(registered)s member organisation of CICOPA "
            "reported, from %(countries)s countries: the cooperatives they affiliate number "
            "%(enterprises)s enterprises and employ %(persons)s persons.",
            "In %(year)s, %(reporting)s of the %(registered)s member organisations of CICOPA "
            "reported, from %(countries)s countries: the cooperatives they affiliate number "
            "%(enterprises)s enterprises and employ %(persons)s persons.",
            registered,
        )
        % {
            "year": year,
            "reporting": fmt.int_text(world.get("members_reporting")),
            "registered": fmt.int_text(registered),
            "countries": fmt.int_text(world.get("countries_reporting")),
            "enterprises": fmt.int_text(world.get("enterprises")),
            "persons": fmt.int_text(world.get("employment_total")),
        }
    )
    share_in = ratio(world.get("employment_in_cooperatives"), world.get("employment_total"))
    if share_in is not None:
        sentences.append(
            _(
                "Employment in cooperatives (worker-members and employees) accounts for "
                "%(share)s of persons employed; self-employed producer-members for the rest."
            )
            % {"share": fmt.pct(share_in)}
        )
    pairs = latest_pairs(data.series_trends, year)
    persons = pairs.get((WORLD, "employment_total"))
    enterprises = pairs.get((WORLD, "enterprises"))
    if persons and persons.get("continuing_previous"):
        sentences.append(
            ngettext(
                "Among the %(n)s member organisation that reported for both %(before)s and "
                "%(year)s, persons employed changed by %(persons)s and enterprises by "
                "%(enterprises)s (like-for-like change). All reporting members together "
                "changed by %(total)s, which also reflects members that joined, left, or "
                "did not report in one of the two years.",
                "Among the %(n)s member organisations that reported for both %(before)s and "
                "%(year)s, persons employed changed by %(persons)s and enterprises by "
                "%(enterprises)s (like-for-like change). All reporting members together "
                "changed by %(total)s, which also reflects members that joined, left, or "
                "did not report in one of the two years.",
                int(persons["continuing_members"] or 0),
            )
            % {
                "n": fmt.int_text(persons["continuing_members"]),
                "before": persons["previous_year"],
                "year": year,
                "persons": fmt.change(
                    change(persons["continuing_previous"], persons["continuing_value"])
                ),
                "enterprises": fmt.change(
                    enterprises
                    and change(enterprises["continuing_previous"], enterprises["continuing_value"])
                ),
                "total": fmt.change(change(persons["previous_value"], persons["value"])),
            }
        )
        moved = []
        for region in regions:
            row = pairs.get((region["code"], "employment_total"))
            value = row and change(row["continuing_previous"], row["continuing_value"])
            if value is not None:
                moved.append((value, region["short"]))
        if len(moved) >= 2:
            moved.sort()
            (low, low_name), (high, high_name) = moved[0], moved[-1]
            sentences.append(
                _(
                    "Like for like, persons employed grew most in %(high)s (%(high_change)s) "
                    "and least in %(low)s (%(low_change)s)."
                )
                % {
                    "high": high_name,
                    "high_change": fmt.change(high),
                    "low": low_name,
                    "low_change": fmt.change(low),
                }
            )
    sentences.append(
        ngettext(
            "The response rate was %(rate)s: %(reporting)s of %(registered)s registered "
            "member organisation sent an accepted survey file.",
            "The response rate was %(rate)s: %(reporting)s of %(registered)s registered "
            "member organisations sent an accepted survey file.",
            registered,
        )
        % {
            "rate": fmt.pct(ratio(world.get("members_reporting"), registered)),
            "reporting": fmt.int_text(world.get("members_reporting")),
            "registered": fmt.int_text(registered),
        }
    )
    covered = coverage_of(data.coverage, "global", WORLD)
    women = covered.get("women")
    if women and women.get("members_reporting_item"):
        sentences.append(
            _("Women are %(share)s of persons employed, %(coverage)s.")
            % {
                "share": fmt.pct(world.get("women_share")),
                "coverage": coverage_text(women, fmt, lang),
            }
        )
    created = covered.get("new_enterprises")
    new = world.get("new_enterprises")
    if (
        created
        and created.get("members_reporting_item")
        and world.get("new_enterprises") is not None
    ):
        sentences.append(
            ngettext(
                "%(n)s cooperative was created during the year, %(coverage)s.",
                "%(n)s cooperatives were created during the year, %(coverage)s.",
                int(world.get("new_enterprises") or 0),
            )
            % {"n": fmt.int_text(new), "coverage": coverage_text(created, fmt, lang)}
        )
    estimate = estimate_rows(data).get(("global", WORLD))
    if estimate and estimate.get("members_imputed"):
        sentences.append(
            ngettext(
                "Estimating the %(n)s registered member organisation that did not report "
                "from its latest accepted year gives %(persons)s persons employed in all, "
                "of which %(share)s estimated (%(reported)s reported).",
                "Estimating the %(n)s registered member organisations that did not report "
                "from their latest accepted year gives %(persons)s persons employed in all, "
                "of which %(share)s estimated (%(reported)s reported).",
                int(estimate["members_imputed"]),
            )
            % {
                "n": fmt.int_text(estimate["members_imputed"]),
                "persons": fmt.int_text(estimate["employment_total"]),
                "share": fmt.pct(estimate["share"]),
                "reported": fmt.int_text(world.get("employment_total")),
            }
        )
    return sentences
