"""The trends chapter's table: Y-2..Y from statistics/trends.csv, nothing recomputed.

Each year's figure is a ``previous_value`` or ``value`` of a trends.csv row; each change
is the unrounded quotient of two values of one row (``value / previous_value - 1``, and
like for like ``continuing_value / continuing_previous - 1``), formatted once. A year
without statistics is named in words and left out: it is never shown as zero.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from babel import Locale
from babel.lists import format_list

from reports import summary
from reports.i18n import country_name, sort_key, translations
from reports.model import WORLD, ReportData

TREND_WINDOW = 3  # Y-2, Y-1, Y


def trends(
    data: ReportData, regions: list[dict[str, Any]], world_name: str, lang: str
) -> dict[str, Any] | None:
    """The world and each region per year and measure, with the change of each pair."""
    if data.series_trends is None:
        return None
    _ = translations(lang).gettext
    window = list(range(data.year - TREND_WINDOW + 1, data.year + 1))
    rows = data.series_trends.filter(
        pl.col("previous_year").is_in(window) & pl.col("year").is_in(window)
    ).to_dicts()
    if not rows:
        return None
    pairs = sorted({(r["previous_year"], r["year"]) for r in rows})
    years = sorted({y for pair in pairs for y in pair})
    # trends.csv keeps a pair only when both years have accepted submissions (SPEC 3).
    missing = [y for y in window if y not in years]
    by_key = {(r["area_code"], r["measure"], r["year"]): r for r in rows}

    def indicators(code: str) -> list[dict[str, Any]]:
        out = []
        for measure, label in summary.MEASURES.items():
            values: dict[int, Any] = dict.fromkeys(years)
            changes, like_for_like = {}, {}
            for before, after in pairs:
                row = by_key.get((code, measure, after))
                if row is None:
                    continue
                values[before] = row["previous_value"]
                values[after] = row["value"]
                changes[after] = summary.change(row["previous_value"], row["value"])
                like_for_like[after] = summary.change(
                    row["continuing_previous"], row["continuing_value"]
                )
            out.append(
                {
                    "column": measure,
                    "label": _(label),
                    "by_year": values,
                    "changes": changes,
                    "like_for_like": like_for_like,
                }
            )
        return out

    areas = [{"code": WORLD, "name": world_name, "is_world": True, "indicators": indicators(WORLD)}]
    areas += [
        {
            "code": r["code"],
            "name": r["name"],
            "short": r["short"],
            "is_world": False,
            "indicators": indicators(r["code"]),
        }
        for r in regions
    ]
    return {
        "window": window,
        "years": years,
        "missing": missing,
        "missing_text": format_list([str(y) for y in missing], locale=lang),
        "changes": pairs,
        "areas": areas,
        "membership": membership(data, lang),
    }


def membership(data: ReportData, lang: str) -> list[dict[str, Any]]:
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
