"""The `collection` catalogues: every member-facing message extracted, and translated."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from reports.member_texts import DOMAIN, LOCALE_DIR, SOURCES, po_path, translations

ROOT = Path(__file__).resolve().parents[1]
PYTHON_SOURCES = [ROOT / s for s in SOURCES if s.endswith(".py")]
TEMPLATES = [ROOT / s for s in SOURCES if s.endswith(".j2")]
TRANSLATED = ("fr", "es")


def extracted() -> set[str | tuple[str, ...]]:
    """Every `_()`, `gettext`, `ngettext` and `N_` string in the modules and the template."""
    ids: set[str | tuple[str, ...]] = set()
    for path in PYTHON_SOURCES:
        for _line, message, _comments, _context in extract_from_file("python", str(path)):
            ids.add(message)
    for path in TEMPLATES:
        options = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
        for _line, message, _comments, _context in extract_from_file(
            babel_extract, str(path), options=options
        ):
            ids.add(message)
    return ids


def pot() -> Catalog:
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("rb") as handle:
        return read_po(handle)


def test_every_message_is_in_the_pot() -> None:
    template = {m.id for m in pot() if m.id}
    found = extracted()
    assert len(found) > 150
    missing = found - template
    assert not missing, f"re-extract reports/locale/{DOMAIN}.pot: {sorted(map(str, missing))}"
    stale = template - found
    assert not stale, f"messages no longer used: {sorted(map(str, stale))}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated(lang: str) -> None:
    with po_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    assert catalog.num_plurals == 2
    for message in pot():
        if not message.id:
            continue
        translated = catalog.get(message.id)
        assert translated is not None, f"{lang}: no entry for {message.id!r}"
        assert not translated.fuzzy, f"{lang}: fuzzy {message.id!r}"
        strings = (
            translated.string if isinstance(translated.string, tuple) else (translated.string,)
        )
        if isinstance(message.id, tuple):
            assert len(strings) == catalog.num_plurals, f"{lang}: plural forms of {message.id!r}"
        assert all(s.strip() for s in strings), f"{lang}: untranslated {message.id!r}"
    # Placeholders agree with the msgid (python-format checks).
    problems = [(m.id, errors) for m, errors in catalog.check() if errors]
    assert not problems


def test_french_typography() -> None:
    """French puts a non-breaking space before : ; and inside « » (not a plain space)."""
    with po_path("fr").open("rb") as handle:
        catalog = read_po(handle, locale="fr", domain=DOMAIN)
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if message.id and text:
                for plain in (" :", " ;", "« ", " »"):
                    assert plain not in text, (plain, text)


def test_runtime_catalogues() -> None:
    assert translations("en").gettext("Column") == "Column"
    assert translations("fr").gettext("Column") == "Colonne"
    assert translations("es").gettext("Column") == "Columna"
    assert translations("fr").ngettext("%(num)d error", "%(num)d errors", 1) == "%(num)d erreur"
    assert translations("fr").ngettext("%(num)d error", "%(num)d errors", 2) == "%(num)d erreurs"
    assert translations("es").ngettext("%(num)d warning", "%(num)d warnings", 3) == (
        "%(num)d advertencias"
    )
    with pytest.raises(ValueError):
        translations("de")
