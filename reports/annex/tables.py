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
    labelled,
    member_columns,
)
from reports.annex.survey import exchange_rates, files, reporting_members
from reports.annex.text import Notes, report_gettext
from reports.i18n import ISIC_NAMES, TYPE_NAMES


def by_area(ctx: Context, number: int) -> TableSheet:
    _, ref = ctx._, ctx.notes.ref
    frame = ctx.with_names(ctx.data.by_area).with_columns(
        labelled("parent_code", ctx.names(), "parent")
    )
    columns = (
        *area_columns(ctx),
        Column("parent", _("Parent area"), not_applicable=pl.col("area_code") == WORLD),
        *member_columns(ctx, response_rate=True),
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
    return ctx.sheet("by_area", number, columns, frame)


def _breakdown(
    ctx: Context, number: int, by: str, names: dict[str, str], headers: tuple[str, str, str]
) -> TableSheet:
    """Headcounts by area and by `by` (sector or cooperative type), its name translated.

    `headers`: the code column's header, its note's key, the name column's header.
    """
    t, ref = report_gettext(ctx.lang), ctx.notes.ref
    frame = ctx.data.by_sector if by == "sector" else ctx.data.by_type
    translated = {code: t(name) for code, name in names.items()}
    named = ctx.with_names(frame).with_columns(labelled(by, translated, "key_name"))
    code_header, note, name_header = headers
    columns = (
        *area_columns(ctx),
        Column(by, code_header + " " + ref(note)),
        Column("key_name", name_header),
        *headcount_columns(ctx),
    )
    return ctx.sheet("by_sector" if by == "sector" else "by_type", number, columns, named)


def by_sector(ctx: Context, number: int) -> TableSheet:
    _ = ctx._
    headers = (_("ISIC Rev.4 section"), "sectors", _("Sector name"))
    return _breakdown(ctx, number, "sector", ISIC_NAMES, headers)


def by_type(ctx: Context, number: int) -> TableSheet:
    _ = ctx._
    headers = (_("Cooperative type code"), "types", _("Cooperative type"))
    return _breakdown(ctx, number, "cooperative_type", TYPE_NAMES, headers)


def trends(ctx: Context, number: int) -> TableSheet:
    _, ref = ctx._, ctx.notes.ref
    assert ctx.data.trends is not None
    measures = {"enterprises": _("Enterprises"), "employment_total": _("Persons employed")}
    frame = ctx.with_names(ctx.data.trends).with_columns(
        labelled("measure", measures, "measure_name")
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
    return ctx.sheet("trends", number, columns, frame)


def coverage(ctx: Context, number: int) -> TableSheet:
    _, ref = ctx._, ctx.notes.ref
    assert ctx.data.coverage is not None
    items = {
        "women": _("Women"),
        "turnover": _("Turnover"),
        "new_enterprises": _("New enterprises"),
        "transfers": _("Transfers to employees"),
    }
    frame = ctx.with_names(ctx.data.coverage).with_columns(labelled("item", items, "item_name"))
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
    return ctx.sheet("coverage", number, columns, frame)


def estimates(ctx: Context, number: int) -> TableSheet:
    _, ref = ctx._, ctx.notes.ref
    assert ctx.data.estimates is not None
    suffix = " " + _("with estimates")
    columns = (
        *area_columns(ctx),
        *member_columns(ctx, response_rate=False),
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
    return ctx.sheet("estimates", number, columns, ctx.with_names(ctx.data.estimates))


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
