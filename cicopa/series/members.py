"""Per-member sums and places, the building blocks of every series table."""

from __future__ import annotations

import polars as pl

from cicopa.reference import Reference
from cicopa.statistics import EMPLOYMENT, HEADCOUNTS, located_rows
from cicopa.validation import TYPED_ROW_SCHEMA

MEASURES = (*HEADCOUNTS, *EMPLOYMENT)
# The input of every series function: reference year -> that year's accepted rows
# (YearValidation.accepted_rows); a year without a folder or submissions is absent.
Accepted = dict[int, pl.DataFrame]


def no_rows() -> pl.DataFrame:
    """Accepted rows of a year nobody reported in."""
    return pl.DataFrame(schema={**TYPED_ROW_SCHEMA, "file": pl.String()})


def rows_of(accepted: Accepted, year: int) -> pl.DataFrame:
    return accepted.get(year, no_rows())


def places(reference: Reference) -> pl.DataFrame:
    """Every member of the registry with its country, region, sub-region and membership."""
    return reference.members.select("member_id", "country", "joined", "left").join(
        reference.regions.select("country", "region", "sub_region"), on="country", how="left"
    )


def active_in(year: int) -> pl.Expr:
    """A member is active in `year` when joined <= year < left (SPEC section 2)."""
    return (pl.col("joined") <= year) & (pl.col("left").is_null() | (pl.col("left") > year))


def member_sums(accepted: Accepted, reference: Reference, year: int) -> pl.DataFrame:
    """member_id and its sums of every headcount and employment measure in `year`.

    One row per member with an accepted submission in the year (a member has one).
    """
    rows = located_rows(rows_of(accepted, year), reference, year)
    return rows.group_by("member_id").agg(pl.col(m).sum().cast(pl.Int64) for m in MEASURES)


def has_reporters(accepted: Accepted, year: int) -> bool:
    """Whether the year has at least one accepted submission anywhere."""
    return rows_of(accepted, year).height > 0
