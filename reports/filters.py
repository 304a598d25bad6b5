"""Number formats for people reading English: 68,000 · 48.2 % · US$ 1,234.5 million.

Every filter shows a missing value (None, NaN) as an en dash, so an empty cell in the
statistics is never mistaken for a zero. Spaces are plain ASCII spaces (so the text
extracted from the PDF reads "48.2 %"); the stylesheet keeps figures from wrapping.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from numbers import Real

DASH = "–"  # en dash: "no figure"


def _missing(value: object) -> bool:
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, Real):
        return math.isnan(float(value))
    return True


def _round(value: object, places: int, scale: int = 0) -> Decimal:
    """``value * 10**scale`` rounded half up, as a statistics office rounds.

    The statistics carry fractions with 4 decimals (0.4565), so a percentage with one
    decimal often ends in an exact 5: it must read 45.7 %, not the 45.6 % that binary
    floating point and round-half-even would give. ``repr`` keeps the shortest decimal
    form of a float, which is the value as the statistics wrote it.
    """
    number = Decimal(value) if isinstance(value, int) else Decimal(repr(float(value)))
    rounded = number.scaleb(scale).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never "-0"


def fmt_int(value: object) -> str:
    """A count with thousands separators: 68000 -> "68,000"; rounds a decimal figure."""
    if _missing(value):
        return DASH
    return f"{_round(value, 0):,}"


def fmt_decimal(value: object, places: int = 1) -> str:
    """A decimal number with thousands separators: 1234.56 -> "1,234.6"."""
    if _missing(value):
        return DASH
    return f"{_round(value, places):,}"


def fmt_pct(value: object, places: int = 1) -> str:
    """A fraction as a percentage with a space before the sign: 0.4823 -> "48.2 %"."""
    if _missing(value):
        return DASH
    return f"{_round(value, places, scale=2):,} %"


def fmt_millions(value: object, places: int = 1) -> str:
    """An amount in millions, without unit: 1234500000 -> "1,234.5"."""
    if _missing(value):
        return DASH
    return f"{_round(value, places, scale=-6):,}"


def fmt_usd_millions(value: object, places: int = 1) -> str:
    """US dollars in millions: 1234500000 -> "US$ 1,234.5 million"."""
    if _missing(value):
        return DASH
    return f"US$ {fmt_millions(value, places)} million"


def fmt_rate(value: object) -> str:
    """An exchange rate as published, up to 4 decimals: 0.885, 5.6, 1,150."""
    if _missing(value):
        return DASH
    text = f"{float(value):,.4f}".rstrip("0").rstrip(".")
    return text


def fmt_text(value: object) -> str:
    """A text cell: the text itself, or an en dash when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DASH
    return str(value)


def ratio(pair: tuple[object, object]) -> float | None:
    """``(part, whole) | ratio``: part / whole, or None when either is missing or whole is 0."""
    part, whole = pair
    if _missing(part) or _missing(whole) or not whole:
        return None
    return float(part) / float(whole)


FILTERS = {
    "num": fmt_int,
    "decimal": fmt_decimal,
    "pct": fmt_pct,
    "millions": fmt_millions,
    "usd_millions": fmt_usd_millions,
    "rate": fmt_rate,
    "text": fmt_text,
    "ratio": ratio,
}
