"""The statistics tables of the annex: by area, sector and type, trends, coverage, estimates."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from cicopa.statistics import WORLD
from reports.annex.model import (
    AnnexData,
    Column,
    Context,
    TableSheet,
    area_columns,
    headcount_columns,
)
from reports.annex.survey import exchange_rates, files, reporting_members
from reports.annex.text import Notes, report_gettext
from reports.i18n import ISIC_NAMES, TYPE_NAMES


def by_area(ctx: Context, number: int) -> TableSheet:
    _, ref = ctx._, ctx.notes.ref
    names = ctx.names()
    frame = ctx.with_names(ctx.data.by_area).with_columns(
        pl.col("parent_code").replace_strict(names, default=pl.col("parent_code")).alias("parent")
    )
    columns = (
        *area_columns(ctx),
        Column("parent", _("Parent area"), not_applicable=pl.col("area_code") == WORLD),
        Column("members_registered", _("Members registered (number)"), "count"),
        Column("members_reporting", _("Members reporting (number)"), "count"),
        Column(
            "response_rate",
            _("Response rate (%)") + " " + ref("response_rate"),
            "percent",
            not_applicable=pl.lit(True),
        ),
        Column("countries_reporting", _("Countries reporting (number)"), "count"),
        *headcount_columns(ctx),
        Column("women", _("Women (number)") + " " + ref("women"), "count"),
        # A share is not applicable where women are reported but their rows employ nobody.
        Column(
            "women_share",
            _("Women’s share of persons employed (%)") + " " + ref("women"),
            "percent",
            not_applicable=pl.col("women").is_not_null(),
        ),
        Column("turnover_usd", _("Turnover (US$)") + " " + ref("turnover"), "usd"),
        Column("new_enterprises", _("New enterprises (number)") + " " + ref("new"), "count"),
        Column("transfers", _("Transfers to employees (number)") + " " + ref("new"), "count"),
    )
    return TableSheet(
        key="by_area",
        title=_("Table %(number)s: Members, enterprises and employment by area, %(year)s")
        % {"number": number, "year": ctx.year},
        description=_(
            "Members, response rate, enterprises, employment, women, turnover and new "
            "enterprises for the World, regions, sub-regions and countries"
        ),
        notes_line=ctx.notes.line("source", "accepted", "levels"),
        columns=columns,
        frame=frame,
    )


def _breakdown(ctx: Context, number: int, key: str) -> TableSheet:
    _, ref, t = ctx._, ctx.notes.ref, report_gettext(ctx.lang)
    if key == "sector":
        frame, names = ctx.data.by_sector, ISIC_NAMES
        key_columns = (
            Column("sector", _("ISIC Rev.4 section") + " " + ref("sectors")),
            Column("key_name", _("Sector name")),
        )
        title = _(
            "Table %(number)s: Enterprises and employment by economic sector and area, %(year)s"
        )
        description = _(
            "Enterprises and employment by economic sector, for the World, "
            "regions, sub-regions and countries"
        )
    else:
        frame, names = ctx.data.by_type, TYPE_NAMES
        key_columns = (
            Column("cooperative_type", _("Cooperative type code") + " " + ref("types")),
            Column("key_name", _("Cooperative type")),
        )
        title = _(
            "Table %(number)s: Enterprises and employment by cooperative type and area, %(year)s"
        )
        description = _(
            "Enterprises and employment by cooperative type, for the World, "
            "regions, sub-regions and countries"
        )
    translated = {code: t(name) for code, name in names.items()}
    named = ctx.with_names(frame).with_columns(
        pl.col(key).replace_strict(translated, default=pl.col(key)).alias("key_name")
    )
    return TableSheet(
        key=f"by_{'sector' if key == 'sector' else 'type'}",
        title=title % {"number": number, "year": ctx.year},
        description=description,
        notes_line=ctx.notes.line(
            "source", "accepted", "levels", "sectors" if key == "sector" else "types"
        ),
        columns=(*area_columns(ctx), *key_columns, *headcount_columns(ctx)),
        frame=named,
    )


def by_sector(ctx: Context, number: int) -> TableSheet:
    return _breakdown(ctx, number, "sector")


def by_type(ctx: Context, number: int) -> TableSheet:
    return _breakdown(ctx, number, "cooperative_type")


def trends(ctx: Context, number: int) -> TableSheet:
    _, ref = ctx._, ctx.notes.ref
    assert ctx.data.trends is not None
    measures = {"enterprises": _("Enterprises"), "employment_total": _("Persons employed")}
    frame = ctx.with_names(ctx.data.trends).with_columns(
        pl.col("measure").replace_strict(measures, default=pl.col("measure")).alias("measure_name")
    )
    zero_previous = pl.lit(True)  # ratios are empty only when their denominator is 0
    columns = (
        *area_columns(ctx),
        Column("measure_name", _("Measure")),
        Column("previous_year", _("Previous year"), "year"),
        Column("year", _("Year"), "year"),
        Column("previous_value", _("Previous value (number)"), "count"),
        Column("value", _("Value (number)"), "count"),
        Column("continuing_members", _("Continuing members (number)"), "count"),
        Column("continuing_previous", _("Continuing members, previous value (number)"), "count"),
        Column("continuing_value", _("Continuing members, value (number)"), "count"),
        Column("joined_value", _("Members that joined, value (number)"), "count"),
        Column("resumed_value", _("Members that resumed reporting, value (number)"), "count"),
        Column("left_value", _("Members that left, previous value (number)"), "count"),
        Column(
            "stopped_value", _("Members that stopped reporting, previous value (number)"), "count"
        ),
        Column("change", _("Change (%)"), "percent", zero_previous),
        Column(
            "change_like_for_like",
            _("Like-for-like change (%)") + " " + ref("trends"),
            "percent",
            zero_previous,
        ),
    )
    return TableSheet(
        key="trends",
        title=_(
            "Table %(number)s: Change in enterprises and persons employed, growth and "
            "membership, up to %(year)s"
        )
        % {"number": number, "year": ctx.year},
        description=_(
            "Change between consecutive years for the World, regions and "
            "sub-regions, split into continuing, joining, resuming, leaving and "
            "stopping members"
        ),
        notes_line=ctx.notes.line("source", "accepted", "levels", "trends"),
        columns=columns,
        frame=frame,
    )


def coverage(ctx: Context, number: int) -> TableSheet:
    _, ref = ctx._, ctx.notes.ref
    assert ctx.data.coverage is not None
    items = {
        "women": _("Women"),
        "turnover": _("Turnover"),
        "new_enterprises": _("New enterprises"),
        "transfers": _("Transfers to employees"),
    }
    frame = ctx.with_names(ctx.data.coverage).with_columns(
        pl.col("item").replace_strict(items, default=pl.col("item")).alias("item_name")
    )
    columns = (
        *area_columns(ctx),
        Column("item_name", _("Optional item")),
        Column("members_reporting", _("Members reporting (number)"), "count"),
        Column("members_reporting_item", _("Members reporting the item (number)"), "count"),
        Column(
            "employment_total",
            _("Persons employed (number)") + " " + ref("persons_employed"),
            "count",
        ),
        Column(
            "employment_total_item",
            _("Persons employed in rows that give the item (number)"),
            "count",
        ),
        Column("coverage", _("Coverage (%)") + " " + ref("coverage"), "percent", pl.lit(True)),
    )
    return TableSheet(
        key="coverage",
        title=_("Table %(number)s: Coverage of the optional items by area, %(year)s")
        % {"number": number, "year": ctx.year},
        description=_(
            "How much of persons employed the figures on women, turnover, new "
            "enterprises and transfers cover, by area"
        ),
        notes_line=ctx.notes.line("source", "accepted", "levels", "coverage"),
        columns=columns,
        frame=frame,
    )


def estimates(ctx: Context, number: int) -> TableSheet:
    _, ref = ctx._, ctx.notes.ref
    assert ctx.data.estimates is not None
    suffix = " " + _("with estimates")
    columns = (
        *area_columns(ctx),
        Column("members_registered", _("Members registered (number)"), "count"),
        Column("members_reporting", _("Members reporting (number)"), "count"),
        Column("members_imputed", _("Members estimated (number)"), "count"),
        Column("members_not_estimated", _("Members not estimated (number)"), "count"),
        *headcount_columns(ctx, suffix),
        Column("employment_total_imputed", _("Persons employed, estimated part (number)"), "count"),
        Column(
            "imputed_share",
            _("Estimated share of persons employed (%)") + " " + ref("estimates"),
            "percent",
            pl.lit(True),
        ),
    )
    return TableSheet(
        key="estimates",
        title=_(
            "Table %(number)s: Enterprises and employment with estimates for "
            "non-response, by area, %(year)s"
        )
        % {"number": number, "year": ctx.year},
        description=_(
            "Reported figures plus estimates for registered members that did not report, by area"
        ),
        notes_line=ctx.notes.line("source", "levels", "estimates"),
        columns=columns,
        frame=ctx.with_names(ctx.data.estimates),
    )


Builder = Callable[[Context, int], TableSheet]


def table_sheets(data: AnnexData, lang: str) -> tuple[Notes, tuple[TableSheet, ...]]:
    """The annex's tables in order, numbered consecutively; optional ones when given."""
    notes = Notes(lang=lang, fx_source=data.fx_source)
    ctx = Context(data=data, lang=lang, notes=notes)
    builders: list[Builder] = [by_area, by_sector, by_type]
    builders += [
        b
        for b, frame in (
            (trends, data.trends),
            (coverage, data.coverage),
            (estimates, data.estimates),
        )
        if frame is not None
    ]
    builders += [files, exchange_rates, reporting_members]
    return notes, tuple(build(ctx, n) for n, build in enumerate(builders, 1))
