"""The report's three languages: message catalogues, names of things, number formats.

English is the source language; French and Spanish come from gettext catalogues under
``locale/``. Only the ``.po`` files are committed: at render time each one is parsed with
Babel and compiled in memory (no ``.mo``, no build step).

Updating the catalogues after changing a message in a template or in the Python code
(``babel.cfg`` lists the files; run from the repository root)::

    .venv/bin/pybabel extract -F reports/babel.cfg -o reports/locale/messages.pot \\
        --no-location --omit-header -c TRANSLATORS: reports
    .venv/bin/pybabel update -i reports/locale/messages.pot -d reports/locale -w 100 \\
        --ignore-obsolete --no-fuzzy-matching --ignore-pot-creation-date
    # then translate every new (empty) msgstr in fr and es, each plural form included:
    # msgstr[0] and msgstr[1] (Babel's plural rules: fr "n > 1", es "n != 1").
    .venv/bin/pytest tests/test_i18n.py

A new language: ``pybabel init -i reports/locale/messages.pot -d reports/locale -l xx``
and add it to ``LANGUAGES``. Messages are %-formatted by Jinja (newstyle gettext), so a
per cent sign in a translation is written ``%%``.

``tests/test_i18n.py`` fails while any message lacks a translation or a plural form.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from functools import cache
from gettext import NullTranslations
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from cicopa.marker import N_ as N_  # the one marker, re-exported for the report's modules
from cicopa.settings import LANGUAGES, LOCALE_DIR

DOMAIN = "messages"


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown report language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return lang


def po_path(lang: str, domain: str = DOMAIN) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


@cache
def translations(lang: str, domain: str = DOMAIN) -> NullTranslations:
    """A domain's catalogue for a language, compiled in memory from its ``.po`` file.

    English is the source language: its "translation" returns every message unchanged.
    The report uses the ``messages`` domain; member-facing collection texts use
    ``collection`` (reports/member_texts.py).
    """
    check_language(lang)
    if lang == "en":
        return NullTranslations()
    with po_path(lang, domain).open("rb") as po:
        catalog = read_po(po, locale=lang, domain=domain)
    mo = io.BytesIO()
    write_mo(mo, catalog, use_fuzzy=False)
    mo.seek(0)
    return Translations(fp=mo, domain=domain)


# --- Names of things: region, sub-region, ISIC section, cooperative type -----------------
# The English text is the same as in cicopa/columns.py (a test checks it). Regions,
# sub-regions and countries are named in each language from ONE reference table,
# ``names.csv``: the UN's country names (République de Corée, República de Corea) and
# the organisations as they name themselves (CICOPA Américas, CICOPA North America).

NAMES_FILE = LOCALE_DIR.parent / "names.csv"


@cache
def _names() -> dict[tuple[str, str], dict[str, str]]:
    with NAMES_FILE.open(encoding="utf-8", newline="") as handle:
        return {(row["kind"], row["code"]): row for row in csv.DictReader(handle)}


def area_name(kind: str, code: str, lang: str) -> str:
    """A region's or sub-region's name in ``lang`` (kind ``region`` or ``sub_region``)."""
    check_language(lang)
    row = _names().get((kind, code))
    if row is None:
        raise KeyError(f"names.csv has no {kind} {code!r}")
    return row[lang] or row["en"]


REGION_NAMES: dict[str, str] = {
    code: row["en"] for (kind, code), row in _names().items() if kind == "region"
}
SUB_REGION_NAMES: dict[str, str] = {
    code: row["en"] for (kind, code), row in _names().items() if kind == "sub_region"
}
ISIC_NAMES: dict[str, str] = {
    "A": N_("Agriculture, forestry and fishing"),
    "B": N_("Mining and quarrying"),
    "C": N_("Manufacturing"),
    "D": N_("Electricity, gas, steam and air conditioning supply"),
    "E": N_("Water supply; sewerage, waste management and remediation"),
    "F": N_("Construction"),
    "G": N_("Wholesale and retail trade; repair of motor vehicles"),
    "H": N_("Transportation and storage"),
    "I": N_("Accommodation and food service activities"),
    "J": N_("Information and communication"),
    "K": N_("Financial and insurance activities"),
    "L": N_("Real estate activities"),
    "M": N_("Professional, scientific and technical activities"),
    "N": N_("Administrative and support service activities"),
    "O": N_("Public administration and defence; compulsory social security"),
    "P": N_("Education"),
    "Q": N_("Human health and social work activities"),
    "R": N_("Arts, entertainment and recreation"),
    "S": N_("Other service activities"),
    "T": N_("Activities of households as employers"),
    "U": N_("Activities of extraterritorial organizations and bodies"),
}
TYPE_NAMES: dict[str, str] = {
    "worker": N_("Worker cooperatives"),
    "social": N_("Social cooperatives"),
    "producer": N_("Producers' cooperatives"),
    "multi_stakeholder": N_("Multi-stakeholder cooperatives"),
    "other": N_("Other cooperatives"),
}
STATUS_LABELS: dict[str, str] = {
    "accepted": N_("Accepted: the figures count"),
    "superseded": N_("Superseded by a later file of the same member"),
    "rejected": N_("Rejected: at least one error, no figure counts"),
    "unreadable": N_("Unreadable: the file could not be parsed"),
}
# Sentences the pipeline passes in English (ReportData.fx_source): translated when known,
# shown as given otherwise.
KNOWN_SENTENCES: tuple[str, ...] = (
    N_(
        "Annual average exchange rates from the IMF International Financial Statistics "
        "and national central banks, rounded (reference/fx_rates.csv)."
    ),
    N_(
        "Exchange rates are annual averages for the reference year (illustrative rates "
        "for this fictional sample report)."
    ),
)
# What the files the pipeline embeds in the PDF contain (other names get a generic line).
ATTACHMENT_DESCRIPTIONS: dict[str, str] = {
    "by_area.csv": N_("Statistics by area: world, regions, sub-regions and countries"),
    "by_sector.csv": N_("Statistics by economic activity (ISIC Rev.4 section)"),
    "by_type.csv": N_("Statistics by type of cooperative"),
    "trends.csv": N_(
        "Change from one year to the next: reported and like for like, with its parts"
    ),
    "coverage.csv": N_("Coverage of the optional items (women, turnover, cooperatives created)"),
    "estimates.csv": N_("Estimates including non-response, beside the reported figures"),
    "provenance.json": N_("Provenance of the figures: input files and their checksums"),
}
ATTACHMENT_OTHER = N_("Data file of the report")


def country_name(code: str | None, english: str | None, lang: str) -> str:
    """A country's name in the report's language: names.csv (UN names), else CLDR.

    English is the name given by the reference data (regions.csv), as staff keep it.
    """
    if lang == "en" or not code:
        return english or code or ""
    row = _names().get(("country", str(code).upper()))
    if row and row.get(lang):
        return row[lang]
    return Locale.parse(lang).territories.get(str(code).upper(), english or str(code))


def sort_key(text: str) -> str:
    """Alphabetical order that ignores accents and case (Équateur with the Es)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string; nothing in it can close the string or a <style>."""
    out = []
    for char in text:
        if char in '"\\<>&' or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def css_content(message: str, counters: dict[str, str]) -> str:
    """A CSS ``content`` value from a translated message with ``%(name)s`` placeholders.

    ``css_content("Page %(page)s of %(pages)s", {"page": "counter(page)", ...})`` gives
    ``"Page " counter(page) " of " counter(pages)``.
    """
    parts: list[str] = []
    rest = message
    while rest:
        positions = [(rest.find(f"%({k})s"), k) for k in counters if f"%({k})s" in rest]
        if not positions:
            parts.append(css_string(rest))
            break
        index, key = min(positions)
        if index:
            parts.append(css_string(rest[:index]))
        parts.append(counters[key])
        rest = rest[index + len(f"%({key})s") :]
    return " ".join(parts) or '""'
