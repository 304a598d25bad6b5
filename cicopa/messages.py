"""The sentence of a failed cell: which rule it breaks and the words a member can act on.

The sentences are the templates of the rule catalogue (cicopa.rules); this module picks
the rule and the variant for one pandera failure and fills in the fields, quoting the
member's own value and, where a rule compares rows, the row it is compared with.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from cicopa.columns import INTEGER_COLUMNS
from cicopa.readers import ROW
from cicopa.reference import Reference
from cicopa.rules import EMPLOYED, RULES, UNKNOWN_CHECK, check_name
from schemas.submission import FILE, FOLDER_YEAR, MEMBER_STATUS, THOUSANDS_SEPARATED


class Lookups:
    """What a message quotes from other rows, computed once per frame and column."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self._first: dict[str, dict[Any, tuple[Any, int]]] = {}
        self._pairs: dict[tuple[Any, Any, Any], int] | None = None

    def first_value(self, file: str, column: str) -> tuple[Any, int]:
        """The first non-empty value of `column` in `file`, and its row."""
        if column not in self._first:
            firsts = (
                self.frame.filter(pl.col(column).is_not_null())
                .group_by(FILE, maintain_order=True)
                .agg(pl.col(column).first(), pl.col(ROW).first())
            )
            self._first[column] = {f: (v, r) for f, v, r in firsts.iter_rows()}
        return self._first[column][file]

    def first_pair_row(self, file: str, sector: Any, cooperative_type: Any) -> int:
        """The row that first reports this sector and cooperative type in `file`."""
        if self._pairs is None:
            firsts = self.frame.group_by(
                FILE, "sector", "cooperative_type", maintain_order=True
            ).agg(pl.col(ROW).first())
            self._pairs = {(f, s, t): r for f, s, t, r in firsts.iter_rows()}
        return self._pairs[(file, sector, cooperative_type)]


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_THOUSANDS = re.compile(THOUSANDS_SEPARATED)
# The checks on the text of a figure, and the rule each is reported under.
_TEXT_CHECKS = {"whole_number": "whole_number", "decimal_number": "number", "iso_date": "iso_date"}


def _other_digits(value: str) -> bool:
    return not value.isascii() and any(ch.isdigit() and not ch.isascii() for ch in value)


def _variant(check: str, column: str, value: Any, row: dict[str, Any]) -> tuple[str, str]:
    """(rule, variant of its sentence) for one failed cell."""
    text = value if isinstance(value, str) else None
    if check == "not_nullable":
        if column in ("sector", "cooperative_type"):
            return "required_value", column
        return "required_value", "count" if column in INTEGER_COLUMNS else "default"
    if check in _TEXT_CHECKS and text is not None and _other_digits(text):
        return _TEXT_CHECKS[check], "other_digits"
    if check == "whole_number" and text is not None and len(text.lstrip("-")) > 15:
        return "whole_number", "too_long"
    if check == "whole_number" and text is not None and _THOUSANDS.search(text):
        return "no_thousands_separator", "default"
    if check == "decimal_number" and text is not None and len(text) > 15:
        return "number", "too_long"
    if check == "member_active_in_year":
        if row[MEMBER_STATUS] == "unknown":
            return "member_active_in_year", "unknown"
        return "member_active_in_year", "former" if row["left"] else "inactive"
    if check == "transfers_within_new_enterprises" and row["new_enterprises"] is None:
        return check, "no_new_enterprises"
    rules = [rule.name for rule in RULES.values() if check_name(check) in rule.checks]
    return (rules[0], "default") if rules else (check, "")


def describe(
    check: str, column: str, row: dict[str, Any], lookups: Lookups, reference: Reference | None
) -> tuple[str, str]:
    """The rule name and the sentence a member can act on, for one failed cell."""
    value = row.get(column)
    rule, variant = _variant(check, column, value, row)
    fields: dict[str, Any] = {
        "row": row[ROW],
        "column": column,
        "shown": f"'{value}'",
        "value": _fmt(value),
    }
    if rule not in RULES:
        return rule, UNKNOWN_CHECK.format(check=check, **fields)
    if rule == "no_thousands_separator":
        fields["digits"] = str(value).replace(".", "").replace(",", "")
    elif rule == "one_value_per_submission":
        first_value, fields["first_row"] = lookups.first_value(row[FILE], column)
        fields["first_value"] = _fmt(first_value)
    elif rule == "member_active_in_year" and variant != "unknown":
        fields.update(year=row["_status_year"], joined=row["joined"])
        fields["last_year"] = row["left"] - 1 if row["left"] else None
    elif rule == "year_matches_folder":
        fields["folder_year"] = row[FOLDER_YEAR]
    elif rule == "currency_known_for_year":
        fields["year"] = row["_status_year"]
    elif rule == "women_within_employment":
        fields["employed"] = sum(row[c] for c in EMPLOYED)
    elif rule == "transfers_within_new_enterprises":
        fields["created"] = row["new_enterprises"]
    elif rule == "enterprises_when_employment":
        fields["employed"] = max(row[c] or 0 for c in EMPLOYED)
    elif rule == "unique_sector_and_type":
        fields.update(sector=row["sector"], cooperative_type=row["cooperative_type"])
        fields["first_row"] = lookups.first_pair_row(
            row[FILE], row["sector"], row["cooperative_type"]
        )
    return rule, RULES[rule].message(variant, **fields)
