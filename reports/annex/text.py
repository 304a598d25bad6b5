"""The annex's words: numbered notes, the two shorthands, names of areas and things.

English is the source language; French and Spanish come from the gettext domain
``annex`` (reports/locale/annex.pot and reports/locale/{fr,es}/LC_MESSAGES/annex.po),
kept apart from the report's ``messages`` so the two documents' catalogues can change
independently. Names of regions, sectors and types are the report's own (``messages``).

Updating the catalogues after changing a message here or in ``tables``/``workbook``::

    .venv/bin/pybabel extract -o reports/locale/annex.pot --no-location --omit-header \\
        reports/annex
    .venv/bin/pybabel update -D annex -i reports/locale/annex.pot -d reports/locale -w 100 \\
        --ignore-obsolete --no-fuzzy-matching --ignore-pot-creation-date
    # translate every new msgstr, then: .venv/bin/pytest tests/test_annex_i18n.py
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from cicopa.statistics import WORLD
from reports.i18n import (
    N_,
    REGION_NAMES,
    SUB_REGION_NAMES,
    country_name,
    translations,
)

DOMAIN = "annex"
Gettext = Callable[[str], str]
# The two shorthands of government statistical spreadsheets; the same in every language.
NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
SHORTHANDS = (NOT_AVAILABLE, NOT_APPLICABLE)

LEVEL_WORDS: dict[str, str] = {
    "global": N_("World"),
    "region": N_("Region"),
    "sub_region": N_("Sub-region"),
    "country": N_("Country"),
}

# (key, text) in the order they are numbered; tables refer to notes by key.
NOTES: tuple[tuple[str, str], ...] = (
    ("source", N_(
        "The figures come from the annual survey of CICOPA member organisations. Each member "
        "reports, for the reference year (a calendar year), its affiliated cooperatives by "
        "economic sector and cooperative type.")),
    ("accepted", N_(
        "Only accepted submissions count. A submission with any error is rejected as a "
        "whole; when a member sent several files, only the latest counts and the others are "
        "superseded; a file that cannot be read at all is unreadable. None of these enter "
        "the figures.")),
    ("shorthand", N_(
        "Shorthand used in the tables: [x] means not available: no accepted row in the area "
        "gives the figure, so it was not reported (a zero is a reported zero). [z] means not "
        "applicable: a share or change whose denominator is zero, the parent area of the "
        "World, or a member column for files whose member cannot be placed.")),
    ("employment_in", N_(
        "Employment in cooperatives follows the ILO Guidelines concerning statistics of "
        "cooperatives (20th International Conference of Labour Statisticians, 2018): "
        "worker-members (members who work in their cooperative) plus employees who are not "
        "members.")),
    ("employment_scope", N_(
        "Employment within the scope of cooperatives (ILO, 20th ICLS, 2018) is the "
        "producer-members: self-employed producers who are members of a cooperative.")),
    ("persons_employed", N_(
        "Persons employed, CICOPA's headline figure, is employment in cooperatives plus "
        "employment within the scope of cooperatives: worker-members + employees + "
        "producer-members.")),
    ("response_rate", N_(
        "Response rate is the number of members with an accepted submission divided by the "
        "number of members registered (active in the reference year) in the area. Shares "
        "and rates are stored as fractions rounded to 4 decimal places and shown as "
        "percentages.")),
    ("women", N_(
        "Women and women's share of persons employed count only the rows that report "
        "women: the share divides women by the persons employed in those rows.")),
    ("turnover", N_(
        "Turnover is converted from the currency of each submission to US dollars at the "
        "annual average exchange rate of the reference year, rounded to the cent, and "
        "summed over the rows that report turnover. Exchange rates: %(source)s")),
    ("new", N_(
        "New enterprises are cooperatives created during the reference year; transfers are "
        "those of them that were businesses transferred to their employees. Both are summed "
        "over the rows that report them.")),
    ("levels", N_(
        "Areas are the World; the four ICA regions (Africa, Americas, Asia-Pacific, Europe); "
        "CICOPA's sub-regional organisations within the Americas (North America, Mercosur); "
        "and countries. The parent of a country is its sub-region where there is one, else "
        "its region. A region includes its sub-regions and countries, so rows at different "
        "levels must not be added together. Every area with at least one registered member "
        "appears, reporting or not.")),
    ("sectors", N_(
        "Economic sectors are the sections of the International Standard Industrial "
        "Classification of All Economic Activities, Revision 4 (ISIC Rev.4); NACE Rev.2 "
        "sections are the same letters. A sector appears for an area when at least one "
        "accepted row in the area reports it.")),
    ("types", N_(
        "Cooperative types are the kinds of cooperative CICOPA's members federate: worker, "
        "social, producers', multi-stakeholder and other cooperatives. A type appears for "
        "an area when at least one accepted row in the area reports it.")),
    ("trends", N_(
        "Trends compare consecutive years among the last three that have accepted "
        "submissions. The change of a total mixes growth with changes in who reports: "
        "members that joined, resumed reporting, left or stopped reporting. The "
        "like-for-like change compares only the members that reported in both years. "
        "Value = continuing + joined + resumed; previous value = continuing previous + "
        "left + stopped.")),
    ("coverage", N_(
        "Coverage of an optional item is the share of persons employed that is in accepted "
        "rows giving the item (a row gives an item when its cell is not empty; a zero "
        "counts).")),
    ("estimates", N_(
        "Estimates add, to what members reported, a figure for each registered member "
        "without an accepted submission: its latest accepted year among the three before "
        "the reference year, times the growth of that measure among the members of its "
        "region that reported in both years (else the world's growth, else no growth). "
        "Members with no accepted submission in those years are not estimated.")),
    ("files", N_(
        "Submission files are counted by status: accepted, rejected (any error), "
        "superseded (replaced by a later file from the same member) and unreadable. A file "
        "is placed in an area by the country code that begins its member identifier (for "
        "example IT- for Italy). Files that cannot be placed are counted as not allocated "
        "and in the World row, which counts every file.")),
    ("members", N_(
        "Reporting members are the member organisations with an accepted submission for "
        "the reference year; their names are as registered with CICOPA.")),
)  # fmt: skip


@dataclass(frozen=True)
class SheetText:
    """The words around one table: its title, its line in the contents, its notes."""

    title: str  # with %(number)s (the table's number) and %(year)s (the reference year)
    description: str  # one line for the table of contents
    notes: tuple[str, ...]  # keys of NOTES named in the line above the table


# Keyed by the table's stable name (its Excel table), in the order the annex numbers them.
SHEETS: dict[str, SheetText] = {
    "by_area": SheetText(
        N_("Table %(number)s: Members, enterprises and employment by area, %(year)s"),
        N_("Members, response rate, enterprises, employment, women, turnover and new "
           "enterprises for the World, regions, sub-regions and countries"),
        ("source", "accepted", "levels")),
    "by_sector": SheetText(
        N_("Table %(number)s: Enterprises and employment by economic sector and area, "
           "%(year)s"),
        N_("Enterprises and employment by economic sector, for the World, regions, "
           "sub-regions and countries"),
        ("source", "accepted", "levels", "sectors")),
    "by_type": SheetText(
        N_("Table %(number)s: Enterprises and employment by cooperative type and area, "
           "%(year)s"),
        N_("Enterprises and employment by cooperative type, for the World, regions, "
           "sub-regions and countries"),
        ("source", "accepted", "levels", "types")),
    "trends": SheetText(
        N_("Table %(number)s: Change in enterprises and persons employed, growth and "
           "membership, up to %(year)s"),
        N_("Change between consecutive years for the World, regions and sub-regions, split "
           "into continuing, joining, resuming, leaving and stopping members"),
        ("source", "accepted", "levels", "trends")),
    "coverage": SheetText(
        N_("Table %(number)s: Coverage of the optional items by area, %(year)s"),
        N_("How much of persons employed the figures on women, turnover, new enterprises "
           "and transfers cover, by area"),
        ("source", "accepted", "levels", "coverage")),
    "estimates": SheetText(
        N_("Table %(number)s: Enterprises and employment with estimates for non-response, "
           "by area, %(year)s"),
        N_("Reported figures plus estimates for registered members that did not report, "
           "by area"),
        ("source", "levels", "estimates")),
    "submission_files": SheetText(
        N_("Table %(number)s: Survey response and submission files by region, %(year)s"),
        N_("Members registered and reporting, response rate, and submission files by "
           "status, for the World, regions and sub-regions"),
        ("accepted", "levels", "files")),
    "exchange_rates": SheetText(
        N_("Table %(number)s: Exchange rates used for turnover, %(year)s"),
        N_("Annual average exchange rates of the reference year, currency units per US "
           "dollar"),
        ("turnover",)),
    "reporting_members": SheetText(
        N_("Table %(number)s: Members with an accepted submission, %(year)s"),
        N_("The member organisations whose figures are in the tables, by country"),
        ("accepted", "members")),
}  # fmt: skip


@cache
def gettext(lang: str) -> Gettext:
    """The annex's messages in a language; English returns them unchanged."""
    return translations(lang, DOMAIN).gettext


@cache
def report_gettext(lang: str) -> Gettext:
    """The report's catalogue: names of regions, sectors, types, the exchange-rate source."""
    return translations(lang).gettext


@dataclass(frozen=True)
class Notes:
    """The numbered notes of one workbook, in its language."""

    lang: str
    fx_source: str

    @property
    def items(self) -> tuple[tuple[str, str], ...]:
        _ = gettext(self.lang)
        source = without_paths(report_gettext(self.lang)(self.fx_source))
        return tuple((key, _(text) % {"source": source}) for key, text in NOTES)

    def number(self, key: str) -> int:
        return next(i for i, (k, _text) in enumerate(NOTES, 1) if k == key)

    def ref(self, *keys: str) -> str:
        """'[note 3] [note 5]' for the given note keys, in the notes' own order."""
        _ = gettext(self.lang)
        numbers = sorted(self.number(k) for k in keys)
        return " ".join(_("[note %(number)s]") % {"number": n} for n in numbers)

    def line(self, *keys: str) -> str:
        """The line above a table: which notes apply, and what the shorthands mean."""
        _ = gettext(self.lang)
        return _(
            "Notes: see the Notes sheet %(notes)s. [x] = not available, [z] = not "
            "applicable %(shorthand)s."
        ) % {"notes": self.ref(*keys), "shorthand": self.ref("shorthand")}


# A parenthesised file path ("(reference/fx_rates.csv)") or a bare one: the annex is
# published, and the secretariat's folders are nobody else's business.
_PATH = re.compile(r"\s*\([^()]*[/\\][^()]*\)|\s*\S*[/\\]\S*")


def without_paths(text: str) -> str:
    return re.sub(r"\s+([.,;])", r"\1", _PATH.sub("", text)).strip()


def area_names(codes_levels: list[tuple[str, str, str | None]], lang: str) -> dict[str, str]:
    """area_code -> its name in the language, from (level, area_code, English name)."""
    t = report_gettext(lang)
    _ = gettext(lang)
    names = {}
    for level, code, english in codes_levels:
        if code == WORLD:
            names[code] = _("World")
        elif level == "region":
            names[code] = t(REGION_NAMES[code]) if code in REGION_NAMES else english or code
        elif level == "sub_region":
            names[code] = t(SUB_REGION_NAMES[code]) if code in SUB_REGION_NAMES else english or code
        else:
            names[code] = country_name(code, english, lang)
    return names
