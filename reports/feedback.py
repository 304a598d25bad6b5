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

from collections.abc import Mapping
from datetime import date
from gettext import NullTranslations
from pathlib import PurePosixPath
from typing import Any

import polars as pl
from babel import Locale
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from cicopa.outcomes import YearValidation
from cicopa.reference import Reference
from cicopa.rules import FIX_UNKNOWN, RULES, UNKNOWN_WHAT
from cicopa.settings import CONTACT
from cicopa.settings import REPORT_TEMPLATES as TEMPLATES_DIR
from cicopa.tracker import ACCEPTED, REJECTED, deciding_file, files_by_member
from cicopa.validation import parse_timestamp
from reports.compiled import bytecode_cache
from reports.member_texts import BABEL_LOCALES, N_, format_day, member_language, translations

TEMPLATE = "feedback.html.j2"
SHA_SHORT = 12  # enough to tell two files apart when the member asks which one we mean

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

    The texts are the rule catalogue's (cicopa.rules); the letter and the portal's
    answer use the same words.
    """
    entry = RULES.get(rule)
    what = catalogue.gettext(entry.what if entry else UNKNOWN_WHAT)
    fix = catalogue.gettext(entry.fix_for(column) if entry else FIX_UNKNOWN) % {
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
        bytecode_cache=bytecode_cache("letters"),
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def render_html(context: Mapping[str, Any]) -> str:
    return make_environment(context["lang"]).get_template(TEMPLATE).render(**context)


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


def letters_html(
    *, reference: Reference, validation: YearValidation, year: int, deadline: date
) -> dict[str, str]:
    """The HTML of every member's letter, by member_id (``feedback_contexts`` rendered)."""
    contexts = feedback_contexts(
        reference=reference, validation=validation, year=year, deadline=deadline
    )
    return {member_id: render_html(context) for member_id, context in contexts.items()}


def feedback_pdfs(
    *, reference: Reference, validation: YearValidation, year: int, deadline: date
) -> dict[str, bytes]:
    """One PDF per member with a rejected submission or warnings on its accepted one.

    Members of the registry are included whether or not they are active in `year`: a
    former member who sends a file is told why it does not count. The build makes the
    same letters (``letters_html``) and has them rendered by its rendering process.
    """
    from reports.pdf import letter_pdf  # WeasyPrint: only where a PDF is made

    letters = letters_html(reference=reference, validation=validation, year=year, deadline=deadline)
    return {member_id: letter_pdf(html, year) for member_id, html in letters.items()}
