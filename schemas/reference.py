"""pandera models for the reference tables staff maintain (SPEC section 2)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.api.polars.types import PolarsData

from cicopa.columns import MEMBER_KINDS, MEMBERSHIPS, REGIONS, SUB_REGION_PARENT
from cicopa.settings import LANGUAGES

MEMBER_ID_PATTERN = r"^[A-Z]{2}-[A-Z0-9]{2,16}$"
KNOWN_COUNTRY = "_known_country"  # joined in by the loader: the country is in regions.csv


class MemberRegistry(pa.DataFrameModel):
    """reference/members.csv: one row per member organisation, past and present."""

    member_id: str = pa.Field(unique=True, str_matches=MEMBER_ID_PATTERN)
    name: str = pa.Field(str_length={"min_value": 1})
    country: str = pa.Field(str_matches=r"^[A-Z]{2}$")
    membership: str = pa.Field(isin=list(MEMBERSHIPS))
    kind: str = pa.Field(isin=list(MEMBER_KINDS))
    joined: pl.Int64 = pa.Field(ge=1900, le=2100)
    left: pl.Int64 = pa.Field(nullable=True, ge=1900, le=2100)
    language: str = pa.Field(nullable=True, isin=list(LANGUAGES))

    @pa.check("country", name="country_in_regions")
    def country_in_regions(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(KNOWN_COUNTRY))

    @pa.dataframe_check(name="left_after_joined")
    def left_after_joined(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("left").is_null() | (pl.col("left") > pl.col("joined")))

    class Config:
        strict = False


class RegionTable(pa.DataFrameModel):
    """reference/regions.csv: country -> ICA region and CICOPA sub-region."""

    country: str = pa.Field(unique=True, str_matches=r"^[A-Z]{2}$")
    country_name: str = pa.Field(str_length={"min_value": 1})
    region: str = pa.Field(isin=list(REGIONS))
    sub_region: str = pa.Field(nullable=True, isin=list(SUB_REGION_PARENT))

    @pa.dataframe_check(name="sub_region_within_region")
    def sub_region_within_region(cls, data: PolarsData) -> pl.LazyFrame:
        parent = pl.col("sub_region").replace_strict(SUB_REGION_PARENT, default=None)
        return data.lazyframe.select(pl.col("sub_region").is_null() | (parent == pl.col("region")))

    class Config:
        strict = True


class ExchangeRates(pa.DataFrameModel):
    """reference/fx_rates.csv: annual average units of currency per USD."""

    year: pl.Int64 = pa.Field(ge=1900, le=2100)
    currency: str = pa.Field(str_matches=r"^[A-Z]{3}$")
    per_usd: pl.Float64 = pa.Field(gt=0)

    @pa.check("per_usd", name="finite_rate")
    def finite_rate(cls, data: PolarsData) -> pl.LazyFrame:
        # `inf` passes "> 0" and would turn every turnover into 0 USD.
        return data.lazyframe.select(pl.col(data.key).is_finite())

    @pa.dataframe_check(name="usd_is_one")
    def usd_is_one(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("currency") != "USD") | (pl.col("per_usd") == 1.0))

    class Config:
        strict = True
        unique = ["year", "currency"]
