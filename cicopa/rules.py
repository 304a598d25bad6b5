"""The rule catalogue: every rule a submission can break, written once.

Each rule says where it comes from (the pandera checks of ``schemas/submission.py``, a
reader, or the year's collection), which columns it reads, its severity, the English
sentence of ``validation/issues.csv`` (a template with named fields, one per variant of
the sentence), and what a member reads in a feedback letter or on the portal: what is
wrong and what a correct value looks like, marked with ``N_`` for the ``collection``
gettext domain (reports/locale) and translated where they are shown.

The validator (cicopa.messages), the readers, the collection (cicopa.outcomes), the
feedback letters and the portal read their texts from here; ``tests/test_rules.py``
checks that every rule any code can emit, and every pandera check, has its entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from cicopa.columns import INTEGER_COLUMNS, PER_SUBMISSION_COLUMNS
from cicopa.issues import Issue, Severity
from cicopa.marker import N_

Origin = Literal["schema", "reader", "collection"]


@dataclass(frozen=True)
class Rule:
    """One rule: its source, the columns it reads, its sentence and its member texts."""

    name: str
    origin: Origin
    what: str  # what is wrong, in plain words (a msgid of the `collection` domain)
    fix: str  # what a correct value looks like (msgid; %(...)s placeholders)
    # The English sentence of issues.csv by variant, with str.format fields.
    messages: Mapping[str, str]
    severity: Severity = "error"
    checks: tuple[str, ...] = ()  # the pandera checks reported under this rule
    columns: tuple[str, ...] = ()  # the columns it reads
    # True when each column is judged on its own (a cell rule); False when one failure
    # reads all of `columns` (a cross-column or registry rule).
    per_cell: bool = True
    # For a dataframe-wide check: the column the issue is reported against.
    reported_column: str | None = None
    # What a correct value looks like when it depends on the column (msgids).
    fix_by_column: Mapping[str, str] = field(default_factory=dict)

    def message(self, variant: str = "default", **fields: Any) -> str:
        """The English sentence of one issue, its fields filled in."""
        return self.messages[variant].format(**fields)

    def fix_for(self, column: str | None) -> str:
        """The (untranslated) text saying what a correct value looks like."""
        return self.fix_by_column.get(column or "", self.fix)


# The start of every cell-level sentence: "Row 4, employees: ".
WHERE = "Row {row}, {column}: "
OTHER_DIGITS = (
    WHERE + "{shown} is written with digits other than 0-9 (full-width or another "
    "script's digits); type the figure again with the digits 0 to 9."
)
TYPES_TEXT = "worker, social, producer, multi_stakeholder or other"

FIX_NON_NEGATIVE = N_("0 or more, e.g. 12.")
FIX_NON_NEGATIVE_AMOUNT = N_("0 or more, e.g. 250000.50.")
FIX_COUNT = N_("A whole number, 0 if there are none, e.g. 12.")
FIX_MEMBER = N_("Your member identifier, %(member_id)s.")
FIX_YEAR = N_("The reference year, %(year)s.")
FIX_SAME = N_("The same value in every row, e.g. %(example)s.")
FIX_VALUE = N_("A value.")
FIX_SECTOR = N_("One letter from A to U, e.g. C.")
FIX_TYPE = N_("worker, social, producer, multi_stakeholder or other.")
# For a rule name no entry knows (an issue written by an older version, say).
UNKNOWN_WHAT = N_("See the details below.")
FIX_UNKNOWN = N_("As described in the survey form.")
UNKNOWN_CHECK = WHERE + "{shown} fails the check '{check}'."

_IDENTIFIERS = {"member_id": FIX_MEMBER, "reference_year": FIX_YEAR}
EMPLOYED = ("worker_members", "employees", "producer_members")

_CATALOGUE: tuple[Rule, ...] = (
    # --- pass 1: the cells as text (schemas.submission.SubmissionCells) ---------------
    Rule(
        "required_value",
        "schema",
        N_("The cell is empty, but this column must be filled in every row."),
        FIX_VALUE,
        {
            "default": WHERE + "the value is empty; enter a value.",
            "count": WHERE + "the value is empty; enter a whole number (0 if none).",
            "sector": WHERE + "the value is empty; enter the ISIC section letter (A to U).",
            "cooperative_type": WHERE + f"the value is empty; enter {TYPES_TEXT}.",
        },
        checks=("not_nullable",),
        columns=(
            "member_id", "reference_year", "sector", "cooperative_type", "enterprises",
            *EMPLOYED,
        ),
        fix_by_column={
            **{c: FIX_COUNT for c in INTEGER_COLUMNS},
            **_IDENTIFIERS,
            "sector": FIX_SECTOR,
            "cooperative_type": FIX_TYPE,
        },
    ),
    Rule(
        "whole_number",
        "schema",
        N_("This is not a whole number."),
        N_("Digits only, e.g. 12; 0 if there are none."),
        {
            "default": WHERE + "{shown} is not a whole number; write digits only, e.g. 120.",
            "too_long": WHERE
            + "{shown} has more than 15 digits; no count is that large, check the figure.",
            "other_digits": OTHER_DIGITS,
        },
        checks=("whole_number",),
        columns=INTEGER_COLUMNS,
        fix_by_column=_IDENTIFIERS,
    ),
    Rule(
        "no_thousands_separator",
        "schema",
        N_("The number is written with a thousands separator."),
        N_("Digits only, without separators, e.g. 12000."),
        {
            "default": WHERE + "{shown} looks like a number with a thousands separator; "
            "write {digits} without separators."
        },
        checks=("whole_number",),
        columns=INTEGER_COLUMNS,
    ),
    Rule(
        "number",
        "schema",
        N_("This is not a number."),
        N_("Digits with a point as decimal mark, e.g. 250000.50, without currency sign."),
        {
            "default": WHERE + "{shown} is not a number; write digits with '.' as decimal "
            "mark, e.g. 1250000.50, without thousands separators or currency signs.",
            "too_long": WHERE + "{shown} is too long for an amount; write at most 15 digits "
            "before the decimal point, without exponent.",
            "other_digits": OTHER_DIGITS,
        },
        checks=("decimal_number",),
        columns=("turnover",),
    ),
    Rule(
        "iso_date",
        "schema",
        N_("This is not a valid date."),
        N_("Year-month-day, e.g. %(example_date)s."),
        {
            "default": WHERE + "{shown} is not a date; write it as YYYY-MM-DD, e.g. 2026-02-15.",
            "other_digits": OTHER_DIGITS,
        },
        checks=("iso_date",),
        columns=("submitted_at",),
    ),
    Rule(
        "sector_code",
        "schema",
        N_("This is not an ISIC Rev.4 section letter."),
        FIX_SECTOR,
        {"default": WHERE + "{shown} is not an ISIC Rev.4 section; use one letter from A to U."},
        checks=("sector_code",),
        columns=("sector",),
    ),
    Rule(
        "cooperative_type_code",
        "schema",
        N_("This is not one of the cooperative types of the survey."),
        FIX_TYPE,
        {"default": WHERE + f"{{shown}} is not a cooperative type; use {TYPES_TEXT}."},
        checks=("cooperative_type_code",),
        columns=("cooperative_type",),
    ),
    Rule(
        "currency_code",
        "schema",
        N_("This is not an ISO 4217 currency code."),
        N_("Three capital letters, e.g. EUR."),
        {
            "default": WHERE
            + "{shown} is not an ISO 4217 currency code; use three letters such as EUR."
        },
        checks=("currency_code",),
        columns=("currency",),
    ),
    # --- pass 2: typed figures, identities and the registry (schemas.submission.Submission)
    Rule(
        "non_negative",
        "schema",
        N_("The figure is negative."),
        FIX_NON_NEGATIVE,
        {"default": WHERE + "{value} is negative; {column} must be 0 or more."},
        checks=("greater_than_or_equal_to",),
        columns=(
            "enterprises", *EMPLOYED, "women", "turnover", "new_enterprises", "transfers",
        ),
        fix_by_column={"turnover": FIX_NON_NEGATIVE_AMOUNT},
    ),
    Rule(
        "one_value_per_submission",
        "schema",
        N_(
            "The value differs from the one in an earlier row; a file carries one value of "
            "this column for all its rows."
        ),
        FIX_SAME,
        {
            "default": WHERE + "{value} differs from {first_value} in row {first_row}; "
            "a submission carries one {column} for all its rows."
        },
        checks=("one_value_per_submission",),
        columns=PER_SUBMISSION_COLUMNS,
        fix_by_column=_IDENTIFIERS,
    ),
    Rule(
        "member_active_in_year",
        "schema",
        N_("This member identifier is not in the registry, or was not a member in the year."),
        FIX_UNKNOWN,
        {
            "unknown": WHERE + "{shown} is not in the member registry; use the member_id "
            "the CICOPA secretariat gave you (e.g. IT-LEGACOOP).",
            "inactive": WHERE + "{shown} was not a member in {year} (membership from "
            "{joined}); check the member_id and the year.",
            "former": WHERE + "{shown} was not a member in {year} (membership from "
            "{joined} to {last_year}); check the member_id and the year.",
        },
        checks=("member_active_in_year",),
        columns=("member_id", "reference_year"),
        per_cell=False,
    ),
    Rule(
        "year_matches_folder",
        "schema",
        N_("The reference year is not the year of this survey."),
        FIX_UNKNOWN,
        {
            "default": WHERE + "{value} does not match the reference year {folder_year} "
            "this file was filed under; report figures for {folder_year}."
        },
        checks=("year_matches_folder",),
        columns=("reference_year",),
    ),
    Rule(
        "currency_known_for_year",
        "schema",
        N_("We have no exchange rate of this currency for the year."),
        N_("A currency of the list in the survey form, e.g. USD or EUR."),
        {
            "default": WHERE + "{shown} has no {year} exchange rate in the reference data; "
            "report turnover in USD or EUR, or ask the secretariat to add the rate."
        },
        checks=("currency_known_for_year",),
        columns=("currency", "reference_year"),
        per_cell=False,
    ),
    Rule(
        "currency_with_turnover",
        "schema",
        N_("A turnover is given, but no currency."),
        N_("The ISO 4217 code of the turnover, e.g. EUR."),
        {
            "default": WHERE + "turnover is given but the submission names no currency; "
            "add the ISO 4217 code, e.g. EUR."
        },
        checks=("currency_with_turnover",),
        columns=("turnover", "currency"),
        per_cell=False,
        reported_column="currency",
    ),
    Rule(
        "women_within_employment",
        "schema",
        N_("There are more women than persons counted in the row."),
        N_("At most worker_members + employees + producer_members of the same row."),
        {
            "default": WHERE + "{value} women is more than the {employed} persons this row "
            "reports (worker_members + employees + producer_members); women are counted "
            "among them."
        },
        checks=("women_within_employment",),
        columns=("women", *EMPLOYED),
        per_cell=False,
        reported_column="women",
    ),
    Rule(
        "transfers_within_new_enterprises",
        "schema",
        N_(
            "There are more transfers than new enterprises, or new_enterprises is empty; "
            "transfers are counted among the new enterprises."
        ),
        N_("At most the new_enterprises of the same row, which must be filled in too."),
        {
            "default": WHERE + "{value} transfers is more than the {created} new_enterprises; "
            "transfers are counted among the new enterprises.",
            "no_new_enterprises": WHERE + "{value} transfers are given but new_enterprises is "
            "empty; transfers are counted among the new enterprises, so fill it in too.",
        },
        checks=("transfers_within_new_enterprises",),
        columns=("transfers", "new_enterprises"),
        per_cell=False,
        reported_column="transfers",
    ),
    Rule(
        "enterprises_when_employment",
        "schema",
        N_("The row counts persons employed but no enterprise to employ them."),
        N_("The number of cooperatives these persons work in: 1 or more."),
        {
            "default": WHERE + "{value} enterprises, but the row reports persons employed "
            "(up to {employed} in one column); give the number of cooperatives they work in."
        },
        checks=("enterprises_when_employment",),
        columns=("enterprises", *EMPLOYED),
        per_cell=False,
        reported_column="enterprises",
    ),
    Rule(
        "unique_sector_and_type",
        "schema",
        N_("This sector and cooperative type are already reported in an earlier row."),
        N_("One row per sector and cooperative type: add the figures up in a single row."),
        {
            "default": WHERE + "sector {sector} with cooperative type {cooperative_type} is "
            "already reported in row {first_row}; report each pair once, adding up the figures."
        },
        checks=("unique_sector_and_type",),
        columns=("sector", "cooperative_type"),
        per_cell=False,
        reported_column="cooperative_type",
    ),
    # --- the readers (cicopa.readers, cicopa.spreadsheets) ------------------------------
    Rule(
        "unreadable_file",
        "reader",
        N_("The file could not be read at all."),
        N_("The survey form saved as .xlsx (or a .csv or .json file as described in the form)."),
        {
            # Why a parser gave up: the reader says it in words of its own.
            "reason": "{reason}",
            "not_regular": "This entry is not a regular file (a symbolic link, a FIFO or a "
            "device) and was not opened; put the submission file itself in the folder.",
            "rows_lost": "{read} data rows were read but {checked} were checked; the file "
            "cannot be counted. Please report this to the secretariat.",
        },
    ),
    Rule(
        "malformed_row",
        "reader",
        N_(
            "The row does not match the header row: a value is missing or extra, or a quote is "
            "left open."
        ),
        N_("One value per column, each quote closed, nothing right of the last column."),
        {"reason": "{reason}"},  # the reader's own sentence, naming the row
    ),
    Rule(
        "error_cell",
        "reader",
        N_("The cell holds an error value (such as #DIV/0!) instead of a figure."),
        N_("The figure typed in, or a formula that gives one."),
        {
            "default": WHERE + "the cell holds the error value {label} instead of a figure; "
            "correct the formula or type the figure."
        },
    ),
    Rule(
        "uncached_formula",
        "reader",
        N_("The cell holds a formula whose result was never saved."),
        N_("The file saved again by a spreadsheet program, or the figure typed in."),
        {
            "default": WHERE + "the cell holds a formula whose result was never saved (the "
            "program that wrote the file does not calculate); open the file in a spreadsheet "
            "program and save it again, or type the figure."
        },
    ),
    Rule(
        "required_column",
        "reader",
        N_("A required column is missing from the header row."),
        N_("A column named %(column)s in the header row, as in the survey form."),
        {"default": "The required column '{column}' is missing; add it to the header row."},
    ),
    Rule(
        "duplicate_column",
        "reader",
        N_("The column appears twice in the header row."),
        N_("Each column once: delete the second one."),
        {"default": "The column '{column}' appears twice; keep one of them."},
    ),
    Rule(
        "unknown_column",
        "reader",
        N_("This column is not part of the survey; its values were ignored."),
        N_("Nothing to correct; remarks belong in the column comment."),
        {"default": "The column '{column}' is not part of the survey and was ignored."},
        severity="warning",
    ),
    # --- the year's collection (cicopa.validation, cicopa.outcomes) ---------------------
    Rule(
        "no_data_rows",
        "collection",
        N_("The file has column names but no rows of figures."),
        N_("One row of figures per sector and cooperative type."),
        {
            "default": "The file has a header but no data rows; fill in one row per sector "
            "and cooperative type."
        },
    ),
    Rule(
        "ambiguous_resubmission",
        "collection",
        N_(
            "You sent several files this year and their submitted_at dates do not show which "
            "one is the latest."
        ),
        N_(
            "A date and time in submitted_at, the latest in the file that counts, e.g. "
            "%(example_date)s 10:30."
        ),
        {
            "default": "{member} sent several files this year ({others}) and submitted_at "
            "cannot tell which is the latest; fill submitted_at in each file (date and time) "
            "or withdraw the files that do not apply."
        },
        columns=("submitted_at",),
    ),
    Rule(
        "large_change",
        "collection",
        N_(
            "The total changed by more than half against your last accepted year; please "
            "confirm it."
        ),
        N_("The figure confirmed, or corrected in a new file."),
        {
            "default": "Total {column} is {new:,}, {change:.0%} {direction} the {old:,} "
            "accepted for {year}; please confirm the figure or correct it."
        },
        severity="warning",
        columns=("enterprises", *EMPLOYED),
    ),
)  # fmt: skip

RULES: Mapping[str, Rule] = MappingProxyType({rule.name: rule for rule in _CATALOGUE})


def check_name(check: str) -> str:
    """A pandera check's name without its arguments: greater_than_or_equal_to(0) -> ..."""
    return check.partition("(")[0]


def rules_of_check(check: str) -> tuple[Rule, ...]:
    """The rules a pandera check is reported under (one check can speak as several)."""
    name = check_name(check)
    return tuple(rule for rule in _CATALOGUE if name in rule.checks)


# Which column a dataframe-wide check reports against.
DATAFRAME_CHECK_COLUMNS: Mapping[str, str] = MappingProxyType(
    {c: r.reported_column for r in _CATALOGUE if r.reported_column for c in r.checks}
)
# The columns each cross-column or registry check reads: when pass 1 already refused
# one of them in a row, pass 2 does not judge that row again with that check.
RULE_INPUTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {c: r.columns for r in _CATALOGUE if not r.per_cell for c in r.checks}
)


def new_issue(
    rule: str,
    file: str,
    variant: str = "default",
    *,
    row: int | None = None,
    column: str | None = None,
    member_id: str | None = None,
    **fields: Any,
) -> Issue:
    """An issue of a catalogued rule, with the rule's severity and sentence.

    The sentence's fields are `fields`, plus `row` and `column` where it names them.
    """
    entry = RULES[rule]
    message = entry.message(variant, row=row, column=column, **fields)
    return Issue(file, rule, message, entry.severity, row, column, member_id)
