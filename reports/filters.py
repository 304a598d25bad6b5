"""Number formats for the reader's language: 68,000 · 68 000 · 68 000 and 48.2 % · 48,2 %.

``NumberFormat(lang)`` formats with Babel (CLDR): French groups digits with a narrow
no-break space (U+202F) and writes ``48,2 %`` with a no-break space before the sign.
Spanish follows the RAE and ISO 80000 rather than CLDR's full stop: digits grouped with a
narrow no-break space, decimal comma. In tables (``int``) every number of four digits or
more is grouped, so 3 000 stands aligned beside 11 000; in running text (``int_text``)
a four-digit number stays whole (6800), as the RAE writes it. English keeps the house
style "68,000" and "48.2 %" (an ASCII space before the sign, so the text extracted from
the PDF reads "48.2 %"; the stylesheet keeps figures from wrapping). A negative number
takes a true minus sign (U+2212), never a hyphen.

Every filter shows a missing value (None, NaN) as an en dash, so an empty cell in the
statistics is never mistaken for a zero. Rounding is half up, as a statistics office
rounds. The module-level ``fmt_*`` functions are the English formats.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from gettext import NullTranslations
from numbers import Real

from babel import Locale
from babel.numbers import format_decimal, format_percent

DASH = "–"  # en dash: "no figure"
MINUS = "\u2212"  # the minus sign of typeset mathematics, as wide as the plus sign
NARROW_NBSP = "\u202f"
# Digits of the smallest grouped number in running text, less three (CLDR's minimum
# grouping digits): Spanish prose writes 6800 but 68 000. Tables group from four digits.
MIN_GROUPING_DIGITS = {"en": 1, "fr": 1, "es": 2}
# Group separators that replace the locale's own (RAE / ISO 80000 for Spanish).
GROUP_SEPARATORS = {"es": NARROW_NBSP}


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


class NumberFormat:
    """The report's number filters in one language (``en``, ``fr`` or ``es``)."""

    def __init__(self, lang: str = "en", translations: NullTranslations | None = None) -> None:
        self.lang = lang
        self.locale = Locale.parse(lang)
        self.translations = translations or NullTranslations()
        percent = self.locale.percent_formats[None].pattern  # "#,##0 %" with U+00A0 in fr
        self._percent_pattern = percent if lang != "en" else "#,##0 %"
        self._min_grouping = MIN_GROUPING_DIGITS.get(lang, 1)
        self._group = GROUP_SEPARATORS.get(lang)

    # -- building blocks

    def _grouped(self, number: Decimal, text: bool = False) -> bool:
        digits = len(str(abs(int(number))))
        return digits >= 3 + (self._min_grouping if text else 1)

    def _signed(self, text: str) -> str:
        """The locale's number with its own group separator and a true minus sign."""
        if self._group:
            text = text.replace(self.locale.number_symbols["latn"]["group"], self._group)
        return MINUS + text[1:] if text.startswith("-") else text

    def _decimal(
        self, number: Decimal, places: int, max_places: int | None = None, text: bool = False
    ) -> str:
        pattern = "#,##0"
        if places or max_places:
            pattern += "." + "0" * places + "#" * ((max_places or places) - places)
        return self._signed(
            format_decimal(
                number,
                format=pattern,
                locale=self.locale,
                group_separator=self._grouped(number, text),
            )
        )

    # -- filters

    def int(self, value: object) -> str:
        """A count: 68000 -> "68,000" / "68 000" / "68.000"; rounds a decimal figure."""
        if _missing(value):
            return DASH
        return self._decimal(_round(value, 0), 0)

    def int_text(self, value: object) -> str:
        """A count in running text: as ``int``, but Spanish keeps 6800 whole (RAE)."""
        if _missing(value):
            return DASH
        return self._decimal(_round(value, 0), 0, text=True)

    def pct(self, value: object, places: int = 1) -> str:
        """A fraction as a percentage: 0.4823 -> "48.2 %" / "48,2 %" (CLDR spacing)."""
        if _missing(value):
            return DASH
        # Rounded half up first; Babel then only multiplies by 100, exactly.
        number = _round(value, places, scale=2).scaleb(-2)
        pattern = self._percent_pattern
        if places:
            pattern = pattern.replace("#,##0", "#,##0." + "0" * places, 1)
        return self._signed(
            format_percent(
                number,
                format=pattern,
                locale=self.locale,
                group_separator=self._grouped(number.scaleb(2)),
            )
        )

    def change(self, value: object, places: int = 1) -> str:
        """A relative change with its sign: 0.042 -> "+4.2 %", -0.013 -> "−1.3 %"."""
        if _missing(value):
            return DASH
        text = self.pct(value, places)
        return text if text.startswith(MINUS) or _round(value, places, 2).is_zero() else "+" + text

    def millions(self, value: object, places: int = 1) -> str:
        """An amount in millions, without unit: 1234500000 -> "1,234.5"."""
        if _missing(value):
            return DASH
        return self._decimal(_round(value, places, scale=-6), places)

    def usd_millions(self, value: object, places: int = 1) -> str:
        """US dollars in millions: "US$ 1,234.5 million" / "1 234,5 millions de dollars US"."""
        if _missing(value):
            return DASH
        amount = _round(value, places, scale=-6)
        n = self.plural_number(amount)
        # TRANSLATORS: turnover in millions of US dollars; %(amount)s is the number as
        # formatted for the language (110 234,8). The form follows the amount (CLDR).
        return self.translations.ngettext("US$ %(amount)s million", "US$ %(amount)s million", n) % {
            "amount": self._decimal(amount, places)
        }

    def rate(self, value: object) -> str:
        """An exchange rate as published, up to 4 decimals: 0.885, 5.6, 1,150."""
        if _missing(value):
            return DASH
        return self._decimal(_round(value, 4), 0, max_places=4)

    def plural_number(self, amount: Decimal) -> int:
        """An integer in the same CLDR plural category as ``amount`` in this language.

        gettext chooses a plural form from an integer; "1,5 million" is singular in
        French but "1,5 millones" is plural in Spanish, so the category is decided here.
        """
        category = self.locale.plural_form(abs(amount))
        return {"one": 1, "many": 1_000_000}.get(category, 2)

    def filters(self) -> dict[str, object]:
        return {
            "num": self.int,
            "numt": self.int_text,
            "pct": self.pct,
            "change": self.change,
            "millions": self.millions,
            "usd_millions": self.usd_millions,
            "rate": self.rate,
            "text": fmt_text,
            "ratio": ratio,
        }


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


_ENGLISH = NumberFormat("en")
fmt_int = _ENGLISH.int
fmt_pct = _ENGLISH.pct
fmt_change = _ENGLISH.change
fmt_usd_millions = _ENGLISH.usd_millions
fmt_rate = _ENGLISH.rate
