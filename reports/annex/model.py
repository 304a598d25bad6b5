"""The annex's model: the frames it is made from, and what a table and a column are.

Frames come in with the columns of SPEC section 3 (statistics/*.csv,
validation/submissions.csv, reference/fx_rates.csv); each table adds the translated
names of levels, areas, sectors and types, and says for each column where a missing
value is not applicable ([z]) rather than not available ([x]).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import polars as pl

from reports.annex.text import LEVEL_WORDS, SHEETS, Gettext, Notes, area_names, gettext

Kind = Literal["text", "count", "percent", "usd", "year", "rate"]
NOT_ALLOCATED = "not_allocated"  # level of the row of files that cannot be placed


@dataclass(frozen=True)
class AnnexData:
    """The published tables of one reference year, as the annex shows them.

    ``trends``, ``coverage`` and ``estimates`` (SPEC trends.csv, coverage.csv,
    estimates.csv) are optional: their sheets are written when they are given.
    """

    year: int
    by_area: pl.DataFrame
    by_sector: pl.DataFrame
    by_type: pl.DataFrame
    submissions: pl.DataFrame  # validation/submissions.csv
    fx_rates: pl.DataFrame  # year, currency, per_usd: the rates of the reference year
    reporting_members: pl.DataFrame  # member_id, name, country, country_name, region
    fx_source: str  # one sentence naming the exchange-rate source
    trends: pl.DataFrame | None = None
    coverage: pl.DataFrame | None = None
    estimates: pl.DataFrame | None = None


@dataclass(frozen=True)
class Column:
    source: str  # column of the table's frame
    header: str  # translated, with its unit and note markers
    kind: Kind = "text"
    # Where a null of this column is not applicable ([z]); elsewhere it is [x].
    not_applicable: pl.Expr | None = None


@dataclass(frozen=True)
class TableSheet:
    key: str  # stable name of the Excel table, the same in every language
    title: str
    description: str  # one line for the table of contents
    notes_line: str
    columns: tuple[Column, ...]
    frame: pl.DataFrame


@dataclass(frozen=True)
class Context:
    data: AnnexData
    lang: str
    notes: Notes

    @property
    def _(self) -> Gettext:
        return gettext(self.lang)

    @property
    def year(self) -> int:
        return self.data.year

    def names(self) -> dict[str, str]:
        rows = self.data.by_area.select("level", "area_code", "area_name").rows()
        return area_names(rows, self.lang)

    def with_names(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`level_words` and `area` (translated) beside `level` and `area_code`."""
        _ = self._
        levels = {k: _(v) for k, v in LEVEL_WORDS.items()} | {NOT_ALLOCATED: _("Not allocated")}
        return frame.with_columns(
            labelled("level", levels, "level_words"), labelled("area_code", self.names(), "area")
        )

    def sheet(
        self, key: str, number: int, columns: tuple[Column, ...], frame: pl.DataFrame
    ) -> TableSheet:
        """Table `number` of the annex: its words (text.SHEETS[key]) around its columns."""
        _, text = self._, SHEETS[key]
        return TableSheet(
            key=key,
            title=_(text.title) % {"number": number, "year": self.year},
            description=_(text.description),
            notes_line=self.notes.line(*text.notes),
            columns=columns,
            frame=frame,
        )


def labelled(column: str, labels: Mapping[str, str], alias: str) -> pl.Expr:
    """`column` with each code replaced by its label (a code without one kept), as `alias`."""
    return pl.col(column).replace_strict(labels, default=pl.col(column)).alias(alias)


def area_columns(ctx: Context) -> tuple[Column, ...]:
    _ = ctx._
    return (
        Column("level_words", _("Level")),
        Column("area_code", _("Area code"), not_applicable=pl.col("level") == NOT_ALLOCATED),
        Column("area", _("Area name")),
    )


def member_columns(
    ctx: Context, *, response_rate: bool, not_applicable: pl.Expr | None = None
) -> tuple[Column, ...]:
    """Members registered and reporting (`not_applicable` where a null is [z]), and the rate."""
    _, ref = ctx._, ctx.notes.ref
    counts = (
        Column("members_registered", _("Members registered (number)"), "count", not_applicable),
        Column("members_reporting", _("Members reporting (number)"), "count", not_applicable),
    )
    if not response_rate:
        return counts
    rate = _("Response rate (%)") + " " + ref("response_rate")
    return (*counts, Column("response_rate", rate, "percent", pl.lit(True)))


def headcount_columns(ctx: Context, suffix: str = "") -> tuple[Column, ...]:
    _, ref = ctx._, ctx.notes.ref
    return (
        Column("enterprises", _("Enterprises (number)") + suffix, "count"),
        Column("worker_members", _("Worker-members (number)") + suffix, "count"),
        Column("employees", _("Employees (number)") + suffix, "count"),
        Column(
            "producer_members",
            _("Producer-members (number)") + suffix + " " + ref("employment_scope"),
            "count",
        ),
        Column(
            "employment_in_cooperatives",
            _("Employment in cooperatives (number)") + suffix + " " + ref("employment_in"),
            "count",
        ),
        Column(
            "employment_total",
            _("Persons employed (number)") + suffix + " " + ref("persons_employed"),
            "count",
        ),
    )
