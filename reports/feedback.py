"""Feedback letters: one PDF per member whose answer needs action, in the member's language.

A member gets a letter when its submission is rejected (or unreadable) or when its
accepted submission carries warnings. A withdrawn file (reference/withdrawals.csv) gets no
letter and is not listed in one: the secretariat withdrew it with the member's agreement,
so there is nothing for the member to correct in it. The letter names the file (name, date received,
a short SHA-256), gives the verdict, explains every issue in plain words with its row
and column and what a correct value looks like, and gives the deadline for a corrected
file. The validator's own sentence (English) follows each explanation as "details".

Member names, file names and messages are untrusted: the template escapes every value
(autoescape) and WeasyPrint reads only the report's own static files
(``reports.fetcher.ReportURLFetcher``). The PDF carries no time stamp: the same inputs
give the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from gettext import NullTranslations
from pathlib import PurePosixPath
from typing import Any

import polars as pl
from babel import Locale
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import HTML

from cicopa.columns import INTEGER_COLUMNS
from cicopa.outcomes import YearValidation
from cicopa.reference import Reference
from cicopa.settings import CONTACT
from cicopa.tracker import ACCEPTED, REJECTED, deciding_file, files_by_member
from cicopa.validation import parse_timestamp
from reports.fetcher import STATIC_DIR, TEMPLATES_DIR, ReportURLFetcher
from reports.member_texts import BABEL_LOCALES, N_, format_day, member_language, translations

TEMPLATE = "feedback.html.j2"
SHA_SHORT = 12  # enough to tell two files apart when the member asks which one we mean

# What is wrong, in plain words, per rule of cicopa/validation.py and cicopa/readers.py.
RULE_WHAT: dict[str, str] = {
    "required_column": N_("A required column is missing from the header row."),
    "required_value": N_("The cell is empty, but this column must be filled in every row."),
    "whole_number": N_("This is not a whole number."),
    "no_thousands_separator": N_("The number is written with a thousands separator."),
    "number": N_("This is not a number."),
    "iso_date": N_("This is not a valid date."),
    "sector_code": N_("This is not an ISIC Rev.4 section letter."),
    "cooperative_type_code": N_("This is not one of the cooperative types of the survey."),
    "currency_code": N_("This is not an ISO 4217 currency code."),
    "non_negative": N_("The figure is negative."),
    "one_value_per_submission": N_(
        "The value differs from the one in an earlier row; a file carries one value of this "
        "column for all its rows."
    ),
    "member_active_in_year": N_(
        "This member identifier is not in the registry, or was not a member in the year."
    ),
    "year_matches_folder": N_("The reference year is not the year of this survey."),
    "currency_known_for_year": N_("We have no exchange rate of this currency for the year."),
    "currency_with_turnover": N_("A turnover is given, but no currency."),
    "women_within_employment": N_("There are more women than persons counted in the row."),
    "transfers_within_new_enterprises": N_(
        "There are more transfers than new enterprises, or new_enterprises is empty; "
        "transfers are counted among the new enterprises."
    ),
    "enterprises_when_employment": N_(
        "The row counts persons employed but no enterprise to employ them."
    ),
    "unique_sector_and_type": N_(
        "This sector and cooperative type are already reported in an earlier row."
    ),
    "unreadable_file": N_("The file could not be read at all."),
    "malformed_row": N_(
        "The row does not match the header row: a value is missing or extra, or a quote is "
        "left open."
    ),
    "error_cell": N_("The cell holds an error value (such as #DIV/0!) instead of a figure."),
    "uncached_formula": N_("The cell holds a formula whose result was never saved."),
    "duplicate_column": N_("The column appears twice in the header row."),
    "unknown_column": N_("This column is not part of the survey; its values were ignored."),
    "no_data_rows": N_("The file has column names but no rows of figures."),
    "ambiguous_resubmission": N_(
        "You sent several files this year and their submitted_at dates do not show which "
        "one is the latest."
    ),
    "large_change": N_(
        "The total changed by more than half against your last accepted year; please confirm it."
    ),
}
UNKNOWN_WHAT = N_("See the details below.")

# What a correct value looks like, per rule (a few depend on the column).
RULE_FIX: dict[str, str] = {
    "required_column": N_("A column named %(column)s in the header row, as in the survey form."),
    "whole_number": N_("Digits only, e.g. 12; 0 if there are none."),
    "no_thousands_separator": N_("Digits only, without separators, e.g. 12000."),
    "number": N_("Digits with a point as decimal mark, e.g. 250000.50, without currency sign."),
    "iso_date": N_("Year-month-day, e.g. %(example_date)s."),
    "sector_code": N_("One letter from A to U, e.g. C."),
    "cooperative_type_code": N_("worker, social, producer, multi_stakeholder or other."),
    "currency_code": N_("Three capital letters, e.g. EUR."),
    "currency_known_for_year": N_("A currency of the list in the survey form, e.g. USD or EUR."),
    "currency_with_turnover": N_("The ISO 4217 code of the turnover, e.g. EUR."),
    "women_within_employment": N_(
        "At most worker_members + employees + producer_members of the same row."
    ),
    "transfers_within_new_enterprises": N_(
        "At most the new_enterprises of the same row, which must be filled in too."
    ),
    "enterprises_when_employment": N_(
        "The number of cooperatives these persons work in: 1 or more."
    ),
    "unique_sector_and_type": N_(
        "One row per sector and cooperative type: add the figures up in a single row."
    ),
    "unreadable_file": N_(
        "The survey form saved as .xlsx (or a .csv or .json file as described in the form)."
    ),
    "malformed_row": N_(
        "One value per column, each quote closed, nothing right of the last column."
    ),
    "error_cell": N_("The figure typed in, or a formula that gives one."),
    "uncached_formula": N_(
        "The file saved again by a spreadsheet program, or the figure typed in."
    ),
    "duplicate_column": N_("Each column once: delete the second one."),
    "unknown_column": N_("Nothing to correct; remarks belong in the column comment."),
    "no_data_rows": N_("One row of figures per sector and cooperative type."),
    "ambiguous_resubmission": N_(
        "A date and time in submitted_at, the latest in the file that counts, e.g. "
        "%(example_date)s 10:30."
    ),
    "large_change": N_("The figure confirmed, or corrected in a new file."),
}
FIX_NON_NEGATIVE = N_("0 or more, e.g. 12.")
FIX_NON_NEGATIVE_AMOUNT = N_("0 or more, e.g. 250000.50.")
FIX_COUNT = N_("A whole number, 0 if there are none, e.g. 12.")
FIX_MEMBER = N_("Your member identifier, %(member_id)s.")
FIX_YEAR = N_("The reference year, %(year)s.")
FIX_SAME = N_("The same value in every row, e.g. %(example)s.")
FIX_VALUE = N_("A value.")
FIX_UNKNOWN = N_("As described in the survey form.")

VERDICT_REJECTED = N_(
    "Rejected: none of the figures of this file count until a corrected file is sent."
)
VERDICT_UNREADABLE = N_(
    "Unreadable: the file could not be opened, so none of its figures count until a "
    "readable file is sent."
)
VERDICT_WARNINGS = N_(
    "Accepted with warnings: the figures count. Please check the points below; if a figure "
    "is wrong, send a corrected file."
)
NEXT_REJECTED = N_(
    "Please send a corrected file by %(deadline)s to %(contact)s. Correct every point above "
    "in the same file: the whole file is checked again, and a file with any error counts "
    "for nothing."
)
NEXT_REJECTED_DATE = N_(
    "Give the corrected file a later submitted_at than this one (the date you send it): the "
    "latest file replaces the earlier ones."
)
NEXT_WARNINGS = N_(
    "If a figure is wrong, please send a corrected file by %(deadline)s to %(contact)s, with "
    "a later submitted_at. If the figures are right, there is nothing to do; a short reply "
    "confirming them helps us."
)
NEXT_REJECTED_NO_DATE = N_(
    "This file has no submitted_at, so a new file cannot be dated after it: fill in "
    "submitted_at in the corrected file and tell us that it replaces this one, so that we "
    "withdraw this one."
)
NEXT_UNREADABLE = N_("Fill in submitted_at in the new file with the date you send it.")
WHOLE_FILE = N_("whole file")
# With the colon: French puts a (non-breaking) space before it.
SEVERITY = {"error": N_("Error:"), "warning": N_("Warning:")}


def _counts(catalogue: NullTranslations, errors: int, warnings: int) -> str:
    """ "2 errors, 1 warning" in the member's language (plural forms from the catalogue)."""
    parts = []
    if errors:
        parts.append(
            catalogue.ngettext("%(num)d error", "%(num)d errors", errors) % {"num": errors}
        )
    if warnings:
        parts.append(
            catalogue.ngettext("%(num)d warning", "%(num)d warnings", warnings) % {"num": warnings}
        )
    return ", ".join(parts)


def _fix(rule: str, column: str | None) -> str:
    """The message (untranslated) saying what a correct value looks like."""
    if rule == "non_negative":
        return FIX_NON_NEGATIVE_AMOUNT if column == "turnover" else FIX_NON_NEGATIVE
    if rule in ("required_value", "one_value_per_submission", "whole_number"):
        if column == "member_id":
            return FIX_MEMBER
        if column == "reference_year":
            return FIX_YEAR
    if rule == "required_value":
        if column == "sector":
            return RULE_FIX["sector_code"]
        if column == "cooperative_type":
            return RULE_FIX["cooperative_type_code"]
        return FIX_COUNT if column in INTEGER_COLUMNS else FIX_VALUE
    if rule == "one_value_per_submission":
        return FIX_SAME
    return RULE_FIX.get(rule, FIX_UNKNOWN)


def _example(column: str | None, values: Mapping[str, Any]) -> str:
    if column == "currency":
        return "EUR"
    if column == "submitted_at":
        return str(values["example_date"])
    return str(values.get(column or "", ""))


def message_values(member_id: str, year: int, deadline_text: str) -> dict[str, Any]:
    """The values the explanations' placeholders take, for one member and year."""
    return {
        "member_id": member_id,
        "year": year,
        "example_date": date(year + 1, 2, 15).isoformat(),
        "deadline": deadline_text,
        "contact": CONTACT,
    }


def explain(
    rule: str, column: str | None, catalogue: NullTranslations, values: Mapping[str, Any]
) -> tuple[str, str]:
    """(what is wrong, what a correct value looks like) for one issue, translated.

    The letter and the portal's answer use the same words.
    """
    what = catalogue.gettext(RULE_WHAT.get(rule, UNKNOWN_WHAT))
    fix = catalogue.gettext(_fix(rule, column)) % {
        **values,
        "column": column or "",
        "example": _example(column, values),
    }
    return what, fix


# --- the view model -------------------------------------------------------------------


def letter_files(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The files a letter is about: the rejected ones, or the accepted one with warnings."""
    status, decided = deciding_file(files)
    if status == ACCEPTED and decided is not None:
        return [decided] if decided["warnings"] else []
    if status == REJECTED:
        live = [f for f in files if f["status"] in ("rejected", "unreadable")]
        return sorted(live, key=lambda f: f["file"])
    return []


def _received(text: str | None, lang: str, catalogue: NullTranslations) -> str:
    if not text:
        return catalogue.gettext(N_("no date given"))
    moment = parse_timestamp(text)
    return format_day(moment.date(), lang) if moment else text


def _shown_name(file: str, year: int) -> str:
    """The file as the member knows it: its path under the year's submissions folder."""
    path = PurePosixPath(file)
    prefix = PurePosixPath("submissions", str(year))
    return str(path.relative_to(prefix)) if path.is_relative_to(prefix) else file


def _country(code: str | None, regions: pl.DataFrame, lang: str) -> str:
    english = regions.filter(pl.col("country") == code)["country_name"]
    name = english[0] if english.len() else code or ""
    if lang == "en" or not code:
        return str(name)
    return Locale.parse(BABEL_LOCALES[lang]).territories.get(str(code).upper(), str(name))


def letter_context(
    *,
    member: Mapping[str, Any],
    files: list[dict[str, Any]],
    issues: pl.DataFrame,
    regions: pl.DataFrame,
    year: int,
    deadline: date,
) -> dict[str, Any]:
    """Everything the template shows, already translated; values are plain text."""
    lang = member_language(member.get("language"))
    catalogue = translations(lang)

    def say(message: str, **values: Any) -> str:
        text = catalogue.gettext(message)
        return text % values if values else text

    member_id = str(member["member_id"])
    deadline_text = format_day(deadline, lang)
    values = message_values(member_id, year, deadline_text)
    shown = []
    any_rejected = False
    for record in files:
        status = record["status"]
        any_rejected = any_rejected or status != "accepted"
        rows = []
        for issue in issues.filter(pl.col("file") == record["file"]).iter_rows(named=True):
            column, rule = issue["column"], issue["rule"]
            what, fix = explain(rule, column, catalogue, values)
            rows.append(
                {
                    "row": str(issue["row"]) if issue["row"] is not None else say(WHOLE_FILE),
                    "column": column or "–",
                    "severity": issue["severity"],
                    "severity_label": say(SEVERITY.get(issue["severity"], SEVERITY["error"])),
                    "what": what,
                    "fix": fix,
                    "details": issue["message"],
                    "rule": rule,
                }
            )
        verdict = {
            "rejected": VERDICT_REJECTED,
            "unreadable": VERDICT_UNREADABLE,
        }.get(status, VERDICT_WARNINGS)
        shown.append(
            {
                "name": _shown_name(record["file"], year),
                "received": _received(record["submitted_at"], lang, catalogue),
                "sha": (record["sha256"] or "")[:SHA_SHORT],
                "rows": record["rows"] if status != "unreadable" else None,
                "status": status,
                "rejected": status != "accepted",
                "verdict": say(verdict),
                "counts": _counts(catalogue, record["errors"] or 0, record["warnings"] or 0),
                "issues": rows,
            }
        )
    next_steps = [say(NEXT_WARNINGS, **values)]
    if any_rejected:
        # The resubmission rule orders files by submitted_at: an undated file blocks it.
        readable = [f for f in files if f["status"] == "rejected"]
        ordering = (
            NEXT_REJECTED_NO_DATE
            if any(not f["submitted_at"] for f in readable)
            else NEXT_REJECTED_DATE
            if readable
            else NEXT_UNREADABLE
        )
        next_steps = [say(NEXT_REJECTED, **values), say(ordering)]
    return {
        "lang": lang,
        "year": year,
        "member": {
            "id": member_id,
            "name": str(member.get("name") or member_id),
            "country": _country(member.get("country"), regions, lang),
        },
        "files": shown,
        "rejected": any_rejected,
        # The note on how rows are counted, only when some issue points at a row.
        "has_rows": any(i["row"].isdigit() for f in shown for i in f["issues"]),
        "deadline": deadline_text,
        "contact": CONTACT,
        "next_steps": next_steps,
    }


# --- rendering ------------------------------------------------------------------------


def make_environment(lang: str) -> Environment:
    """Escaping on everywhere, unknown names an error, gettext from the `collection` domain."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every value, whatever the template's name
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def render_html(context: Mapping[str, Any]) -> str:
    return make_environment(context["lang"]).get_template(TEMPLATE).render(**context)


def render_pdf(context: Mapping[str, Any]) -> bytes:
    """A4 letter; relative URLs resolve in reports/static, nothing else may be read."""
    document = HTML(
        string=render_html(context),
        base_url=STATIC_DIR.as_uri() + "/",
        url_fetcher=ReportURLFetcher(),
    )
    with _fixed_font_timestamp(context["year"]):
        return document.write_pdf(pdf_tags=True)


@contextmanager
def _fixed_font_timestamp(year: int) -> Iterator[None]:
    """Keep the build time out of the embedded font subsets (fontTools reads
    SOURCE_DATE_EPOCH), as reports/render.py does; a caller's value is respected."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp()))
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def feedback_contexts(
    *, reference: Reference, validation: YearValidation, year: int, deadline: date
) -> dict[str, dict[str, Any]]:
    """The letter of every member to act, as template contexts, by member_id."""
    members = {m["member_id"]: m for m in reference.members.iter_rows(named=True)}
    grouped = files_by_member(validation.submissions, members)
    contexts = {}
    for member_id in sorted(grouped):
        files = letter_files(grouped[member_id])
        if files:
            contexts[member_id] = letter_context(
                member=members[member_id],
                files=files,
                issues=validation.issues,
                regions=reference.regions,
                year=year,
                deadline=deadline,
            )
    return contexts


def feedback_pdfs(
    *, reference: Reference, validation: YearValidation, year: int, deadline: date
) -> dict[str, bytes]:
    """One PDF per member with a rejected submission or warnings on its accepted one.

    Members of the registry are included whether or not they are active in `year`: a
    former member who sends a file is told why it does not count.
    """
    contexts = feedback_contexts(
        reference=reference, validation=validation, year=year, deadline=deadline
    )
    return {member_id: render_pdf(context) for member_id, context in contexts.items()}
