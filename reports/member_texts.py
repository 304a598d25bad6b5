"""Member-facing texts of the yearly collection, in three languages.

Everything a member reads (the survey form, the feedback letter) comes from the gettext
domain ``collection``, in the same locale tree as the report::

    reports/locale/collection.pot
    reports/locale/{fr,es}/LC_MESSAGES/collection.po

Only the ``.po`` files are committed: at run time each one is parsed with Babel and
compiled in memory (no ``.mo``, no build step), like the report's own catalogue.
After changing a message, re-extract the ``.pot`` and merge it into the ``.po`` files::

    .venv/bin/python -c "from reports.member_texts import update_catalogues; update_catalogues()"

then translate every new (empty) msgstr, each plural form, in fr and es.
``tests/test_collection_i18n.py`` fails while any message lacks a translation or is
missing from the ``.pot``.

The commands (``cicopa collection ...``) are in pipelines/collection_cli.py.
"""

from __future__ import annotations

from datetime import date
from gettext import NullTranslations
from pathlib import Path

from babel.dates import format_date
from babel.messages.pofile import read_po

from cicopa.marker import N_ as N_  # re-exported for the collection's modules
from cicopa.settings import (
    BABEL_LOCALES,
    LANGUAGES,
    LOCALE_DIR,
    PROJECT_ROOT,
)
from reports.i18n import po_path as report_po_path
from reports.i18n import translations as report_translations

DOMAIN = "collection"


def member_language(value: object) -> str:
    """A member's language from members.csv: en, fr or es; English for anything else."""
    text = str(value or "").strip().lower()
    return text if text in LANGUAGES else "en"


def po_path(lang: str) -> Path:
    return report_po_path(lang, DOMAIN)


def translations(lang: str) -> NullTranslations:
    """The ``collection`` catalogue of a language, through the report's catalogue loader."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return report_translations(lang, DOMAIN)


# Where the messages of the domain are: marked with N_(), _(), gettext() or ngettext().
SOURCES: tuple[str, ...] = (
    "reports/forms.py",
    "reports/form_texts.py",
    "reports/form_sheets.py",
    # The rule catalogue: what is wrong and how to fix it, per validation rule.
    "cicopa/rules.py",
    "reports/feedback.py",
    "reports/member_texts.py",
    "cicopa/tracker.py",
    "reports/templates/feedback.html.j2",
    # The member pages of the web application speak the member's language too.
    "web/member.py",
    "web/templates/member.html.j2",
)


def update_catalogues() -> None:
    """Re-extract ``collection.pot`` and merge it into the fr and es ``.po`` files.

    Translations of unchanged messages are kept; new messages get an empty msgstr (no
    fuzzy guesses); messages no longer used are dropped.
    """
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import write_po
    from jinja2.ext import babel_extract

    template = Catalog(domain=DOMAIN, project="cicopa-stats", fuzzy=False)
    for source in SOURCES:
        path = PROJECT_ROOT / source
        is_template = path.suffix == ".j2"
        method = babel_extract if is_template else "python"
        options = {"extensions": "jinja2.ext.i18n"} if is_template else {}
        for _line, message, comments, context in extract_from_file(
            method, str(path), options=options
        ):
            template.add(message, None, auto_comments=comments, context=context)
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, template, omit_header=True, no_location=True, width=100)
    for lang in LANGUAGES[1:]:
        with po_path(lang).open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=DOMAIN)
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        with po_path(lang).open("wb") as handle:
            write_po(handle, catalog, no_location=True, width=100, ignore_obsolete=True)


def format_day(day: date, lang: str) -> str:
    """A date the way a letter writes it: 31 March 2026, 31 mars 2026, 31 de marzo de 2026."""
    return format_date(day, format="long", locale=BABEL_LOCALES.get(lang, "en_GB"))
