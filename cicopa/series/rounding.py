"""Ratios rounded once, exactly, when a series table is written (SPEC section 3).

In memory a ratio is the unrounded float (the report formats from it). In the CSV it
is rounded once from the exact quotient of the two integer sums it divides: integer
arithmetic, halves away from zero, so 1/8 printed with 2 decimals is 0.13 whatever
the binary float of 0.125 would do, and no 4-decimal value is ever rounded again.
"""

from __future__ import annotations

import polars as pl


def half_up_integer(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator / denominator rounded to the nearest integer, halves up (both >= 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


def quotient_text(numerator: pl.Expr, denominator: pl.Expr, decimals: int) -> pl.Expr:
    """numerator / denominator with `decimals` decimals as text; null when denominator is 0.

    Both are integer sums; the result is exact (no float), halves away from zero.
    """
    scale = 10**decimals
    n, d = numerator.cast(pl.Int64), denominator.cast(pl.Int64)
    scaled = (2 * n.abs() * scale + d) // (2 * d)
    sign = pl.when((n < 0) & (scaled > 0)).then(pl.lit("-")).otherwise(pl.lit(""))
    text = pl.concat_str(
        sign,
        (scaled // scale).cast(pl.String),
        pl.lit("."),
        (scaled % scale).cast(pl.String).str.zfill(decimals),
    )
    return pl.when(d > 0).then(text).otherwise(pl.lit(None, pl.String))


# Published ratio column -> (numerator, denominator, decimals), from the integer
# columns of the same table (or hidden `_` columns kept for the purpose).
RATIOS: dict[str, tuple[pl.Expr, pl.Expr, int]] = {
    "change": (pl.col("value") - pl.col("previous_value"), pl.col("previous_value"), 4),
    "change_like_for_like": (
        pl.col("continuing_value") - pl.col("continuing_previous"),
        pl.col("continuing_previous"),
        4,
    ),
    "coverage": (pl.col("employment_total_item"), pl.col("employment_total"), 4),
    "imputed_share": (pl.col("employment_total_imputed"), pl.col("employment_total"), 4),
    "ratio": (pl.col("_ratio_numerator"), pl.col("_ratio_denominator"), 6),
}


def for_csv(frame: pl.DataFrame) -> pl.DataFrame:
    """A series table (trends, coverage, estimates, imputations) as it is published.

    Each ratio column is replaced by its exact rounding; helper columns (`_…`) go.
    """
    return frame.with_columns(
        quotient_text(numerator, denominator, decimals).alias(column)
        for column, (numerator, denominator, decimals) in RATIOS.items()
        if column in frame.columns
    ).select(c for c in frame.columns if not c.startswith("_"))
