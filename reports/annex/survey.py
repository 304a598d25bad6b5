"""The survey's own tables: submission files by status, exchange rates, reporting members."""

from __future__ import annotations

import polars as pl
from babel.numbers import get_currency_name

from cicopa.settings import BABEL_LOCALES
from cicopa.statistics import WORLD
from reports.annex.model import (
    NOT_ALLOCATED,
    Column,
    Context,
    TableSheet,
    area_columns,
    labelled,
    member_columns,
)
from reports.annex.text import report_gettext
from reports.i18n import REGION_NAMES, country_name, sort_key

STATUSES: tuple[str, ...] = ("accepted", "rejected", "superseded", "unreadable")


def _files_by_area(by_area: pl.DataFrame, submissions: pl.DataFrame) -> pl.DataFrame:
    """Submission files by status for the World, regions, sub-regions and 'not allocated'."""
    countries = by_area.filter(pl.col("level") == "country").select(
        pl.col("area_code").alias("country"), pl.col("parent_code").alias("parent")
    )
    parents = by_area.select(
        pl.col("area_code").alias("parent"),
        pl.col("level").alias("parent_level"),
        pl.col("parent_code").alias("grand_parent"),
    )
    files = (
        submissions.select(
            "status",
            # SPEC: a member_id starts with its country's ISO code ("IT-LEGACOOP").
            pl.col("member_id")
            .str.extract(r"^\s*([A-Za-z]{2})-", 1)
            .str.to_uppercase()
            .alias("country"),
        )
        .join(countries, on="country", how="left")
        .join(parents, on="parent", how="left")
        .select(
            "status",
            pl.concat_list(
                pl.lit(WORLD),
                pl.col("parent").fill_null(pl.lit(NOT_ALLOCATED)),
                pl.when(pl.col("parent_level") == "sub_region").then(pl.col("grand_parent")),
            ).alias("area_code"),
        )
        .explode("area_code")
        .drop_nulls("area_code")
    )
    counts = files.group_by("area_code").agg(
        pl.len().cast(pl.Int64).alias("submissions_files"),
        *((pl.col("status") == s).sum().cast(pl.Int64).alias(f"submissions_{s}") for s in STATUSES),
    )
    tallies = [c for c in counts.columns if c != "area_code"]
    areas = (
        by_area.filter(pl.col("level").is_in(["global", "region", "sub_region"]))
        .select("level", "area_code", "members_registered", "members_reporting", "response_rate")
        .join(counts, on="area_code", how="left", maintain_order="left")
        .with_columns(pl.col(tallies).fill_null(0))
    )
    extra = counts.filter(pl.col("area_code") == NOT_ALLOCATED).with_columns(
        pl.lit(NOT_ALLOCATED).alias("level"), pl.lit(None, pl.String).alias("area_code")
    )
    return pl.concat([areas, extra], how="diagonal_relaxed")


def files(ctx: Context, number: int) -> TableSheet:
    _, ref = ctx._, ctx.notes.ref
    placed = pl.col("level") != NOT_ALLOCATED
    frame = ctx.with_names(_files_by_area(ctx.data.by_area, ctx.data.submissions)).with_columns(
        pl.when(placed)
        .then(pl.col("area"))
        .otherwise(pl.lit(_("Member not identified or not registered")))
        .alias("area")
    )
    labels = {
        "accepted": _("Files accepted (number)"),
        "rejected": _("Files rejected (number)"),
        "superseded": _("Files superseded (number)"),
        "unreadable": _("Files unreadable (number)"),
    }
    columns = (
        *area_columns(ctx),
        *member_columns(ctx, response_rate=True, not_applicable=~placed),
        Column(
            "submissions_files",
            _("Submission files received (number)") + " " + ref("files"),
            "count",
        ),
        *(Column(f"submissions_{s}", labels[s], "count") for s in STATUSES),
    )
    return ctx.sheet("submission_files", number, columns, frame)


def exchange_rates(ctx: Context, number: int) -> TableSheet:
    _ = ctx._
    locale = BABEL_LOCALES[ctx.lang]
    rates = ctx.data.fx_rates.sort("currency")
    names = {c: get_currency_name(c, locale=locale) for c in rates["currency"].unique()}
    frame = rates.with_columns(labelled("currency", names, "name"))
    columns = (
        Column("currency", _("Currency code (ISO 4217)")),
        Column("name", _("Currency")),
        Column("per_usd", _("Units of the currency per US dollar (annual average)"), "rate"),
    )
    return ctx.sheet("exchange_rates", number, columns, frame)


def reporting_members(ctx: Context, number: int) -> TableSheet:
    _, t = ctx._, report_gettext(ctx.lang)
    members = ctx.data.reporting_members
    pairs = members.select("country", "country_name").unique().rows()
    countries = {code: country_name(code, english, ctx.lang) for code, english in pairs}
    regions = {code: t(name) for code, name in REGION_NAMES.items()}
    frame = members.with_columns(
        pl.col("country").replace_strict(countries, default=None).alias("country_local"),
        labelled("region", regions, "region_name"),
    )
    order = {name: sort_key(name) for name in countries.values()}
    frame = frame.sort(
        pl.col("country_local").replace_strict(order, default=None),
        pl.col("name").str.to_lowercase(),
        "member_id",
    )
    columns = (
        Column("member_id", _("Member code")),
        Column("name", _("Member name")),
        Column("country", _("Country code (ISO 3166-1)")),
        Column("country_local", _("Country")),
        Column("region_name", _("Region")),
    )
    return ctx.sheet("reporting_members", number, columns, frame)
