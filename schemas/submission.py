"""pandera models for survey submissions (SPEC section 2).

Validation runs in two passes over all rows of the files being checked at once
(`_file` tells the files apart, so per-submission rules use `.over("_file")`):

1. `SubmissionCells` checks the text as sent: required values present, numbers
   written as numbers, codes from their lists.
2. `Submission` checks the typed figures: ranges, the identities between
   columns, one value per submission, uniqueness, and the registry rules, whose
   context (member status, known currencies, folder year) the validator joins in
   as `_`-prefixed columns before validating.

Both are validated eagerly with `lazy=True`, so every error of a file is
reported in one round.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from cicopa.columns import COOPERATIVE_TYPES, INTEGER_COLUMNS, PER_SUBMISSION_COLUMNS, SECTORS

FILE = "_file"
FOLDER_YEAR = "_folder_year"
MEMBER_STATUS = "_member_status"  # active / inactive / unknown, from the registry
CURRENCY_KNOWN = "_currency_known"  # the (year, currency) pair is in fx_rates.csv

# At most 15 digits: counts and money stay exact in 64-bit numbers, and a longer
# figure is a typing error. `12,0` is a whole number too (a ';' CSV's decimal comma).
# Digits are ASCII 0-9 only: `\d` is Unicode in polars (and Python), so full-width `120` would pass
# the shape and then become null on cast, an accepted file with an empty figure.
WHOLE_NUMBER = r"^-?[0-9]{1,15}([.,]0+)?$"
THOUSANDS_SEPARATED = r"^-?[1-9][0-9]{0,2}([.,][0-9]{3})+$"
DECIMAL_NUMBER = r"^-?([0-9]{1,15}(\.[0-9]*)?|\.[0-9]+)$"
ISO_DATE_TIME = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$"
)


def _text_matches(data: PolarsData, pattern: str) -> pl.LazyFrame:
    value = pl.col(data.key)
    return data.lazyframe.select(value.is_null() | value.str.contains(pattern))


class SubmissionCells(pa.DataFrameModel):
    """Pass 1: the cells as text, after trimming and case-folding of codes."""

    member_id: str = pa.Field(nullable=False)
    reference_year: str = pa.Field(nullable=False)
    sector: str = pa.Field(nullable=False)
    cooperative_type: str = pa.Field(nullable=False)
    enterprises: str = pa.Field(nullable=False)
    worker_members: str = pa.Field(nullable=False)
    employees: str = pa.Field(nullable=False)
    producer_members: str = pa.Field(nullable=False)
    women: str = pa.Field(nullable=True)
    turnover: str = pa.Field(nullable=True)
    currency: str = pa.Field(nullable=True)
    new_enterprises: str = pa.Field(nullable=True)
    transfers: str = pa.Field(nullable=True)
    submitted_at: str = pa.Field(nullable=True)
    comment: str = pa.Field(nullable=True)

    @pa.check(*INTEGER_COLUMNS, name="whole_number")
    def whole_number(cls, data: PolarsData) -> pl.LazyFrame:
        # `12` and `12.0` are whole numbers; `12.5`, `12 000` and `1.200` are not.
        value = pl.col(data.key)
        return data.lazyframe.select(
            value.is_null()
            | (value.str.contains(WHOLE_NUMBER) & ~value.str.contains(THOUSANDS_SEPARATED))
        )

    @pa.check("turnover", name="decimal_number")
    def decimal_number(cls, data: PolarsData) -> pl.LazyFrame:
        return _text_matches(data, DECIMAL_NUMBER)

    @pa.check("submitted_at", name="iso_date")
    def iso_date(cls, data: PolarsData) -> pl.LazyFrame:
        # The shape, then the calendar: 2026-02-30 has the shape of a date but is none.
        value = pl.col(data.key)
        real_day = value.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).is_not_null()
        return data.lazyframe.select(
            value.is_null() | (value.str.contains(ISO_DATE_TIME) & real_day)
        )

    @pa.check("sector", name="sector_code")
    def sector_code(cls, data: PolarsData) -> pl.LazyFrame:
        value = pl.col(data.key)
        return data.lazyframe.select(value.is_null() | value.is_in(SECTORS))

    @pa.check("cooperative_type", name="cooperative_type_code")
    def cooperative_type_code(cls, data: PolarsData) -> pl.LazyFrame:
        value = pl.col(data.key)
        return data.lazyframe.select(value.is_null() | value.is_in(list(COOPERATIVE_TYPES)))

    @pa.check("currency", name="currency_code")
    def currency_code(cls, data: PolarsData) -> pl.LazyFrame:
        return _text_matches(data, r"^[A-Z]{3}$")

    class Config:
        strict = False  # `_row`, `_file` and context columns travel along
        coerce = False


def _one_value(data: PolarsData) -> pl.LazyFrame:
    value = pl.col(data.key)
    first = value.drop_nulls().first().over(FILE)
    return data.lazyframe.select(value.is_null() | (value == first))


class Submission(pa.DataFrameModel):
    """Pass 2: typed figures, identities, uniqueness and registry rules."""

    member_id: str = pa.Field(nullable=True)
    reference_year: pl.Int64 = pa.Field(nullable=True)
    sector: str = pa.Field(nullable=True)
    cooperative_type: str = pa.Field(nullable=True)
    enterprises: pl.Int64 = pa.Field(nullable=True, ge=0)
    worker_members: pl.Int64 = pa.Field(nullable=True, ge=0)
    employees: pl.Int64 = pa.Field(nullable=True, ge=0)
    producer_members: pl.Int64 = pa.Field(nullable=True, ge=0)
    women: pl.Int64 = pa.Field(nullable=True, ge=0)
    turnover: pl.Float64 = pa.Field(nullable=True, ge=0)
    currency: str = pa.Field(nullable=True)
    new_enterprises: pl.Int64 = pa.Field(nullable=True, ge=0)
    transfers: pl.Int64 = pa.Field(nullable=True, ge=0)
    submitted_at: str = pa.Field(nullable=True)
    comment: str = pa.Field(nullable=True)

    @pa.check(*PER_SUBMISSION_COLUMNS, name="one_value_per_submission")
    def one_value_per_submission(cls, data: PolarsData) -> pl.LazyFrame:
        return _one_value(data)

    @pa.check("member_id", name="member_active_in_year")
    def member_active_in_year(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col(data.key).is_null() | (pl.col(MEMBER_STATUS) == "active")
        )

    @pa.check("reference_year", name="year_matches_folder")
    def year_matches_folder(cls, data: PolarsData) -> pl.LazyFrame:
        value = pl.col(data.key)
        return data.lazyframe.select(
            value.is_null() | pl.col(FOLDER_YEAR).is_null() | (value == pl.col(FOLDER_YEAR))
        )

    @pa.check("currency", name="currency_known_for_year")
    def currency_known_for_year(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_null() | pl.col(CURRENCY_KNOWN))

    @pa.dataframe_check(name="currency_with_turnover")
    def currency_with_turnover(cls, data: PolarsData) -> pl.LazyFrame:
        # The currency may sit on one row only; it applies to the whole submission.
        file_currency = pl.col("currency").drop_nulls().first().over(FILE)
        return data.lazyframe.select(pl.col("turnover").is_null() | file_currency.is_not_null())

    @pa.dataframe_check(name="women_within_employment")
    def women_within_employment(cls, data: PolarsData) -> pl.LazyFrame:
        employed = pl.col("worker_members") + pl.col("employees") + pl.col("producer_members")
        return data.lazyframe.select(
            pl.col("women").is_null() | employed.is_null() | (pl.col("women") <= employed)
        )

    @pa.dataframe_check(name="transfers_within_new_enterprises")
    def transfers_within_new_enterprises(cls, data: PolarsData) -> pl.LazyFrame:
        transfers, created = pl.col("transfers"), pl.col("new_enterprises")
        return data.lazyframe.select(
            transfers.is_null()
            | (transfers == 0)
            | (created.is_not_null() & (transfers <= created))
        )

    @pa.dataframe_check(name="enterprises_when_employment")
    def enterprises_when_employment(cls, data: PolarsData) -> pl.LazyFrame:
        employed = pl.max_horizontal("worker_members", "employees", "producer_members")
        return data.lazyframe.select(
            employed.is_null()
            | (employed <= 0)
            | pl.col("enterprises").is_null()
            | (pl.col("enterprises") > 0)
        )

    @pa.dataframe_check(name="unique_sector_and_type")
    def unique_sector_and_type(cls, data: PolarsData) -> pl.LazyFrame:
        # Only the repeats fail, so the first occurrence stays the reference row.
        key = pl.struct(FILE, "sector", "cooperative_type")
        return data.lazyframe.select(
            pl.col("sector").is_null()
            | pl.col("cooperative_type").is_null()
            | key.is_first_distinct()
        )

    class Config:
        strict = False
        coerce = False
