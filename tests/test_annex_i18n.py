"""The `annex` catalogues: every message of reports/annex extracted, and translated.

Like tests/test_i18n.py for the report: an English phrase can never slip into the French
or Spanish annex unnoticed (see reports/annex/text.py for how to update the catalogues).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from reports.annex.text import DOMAIN
from reports.i18n import LOCALE_DIR, po_path

ANNEX_DIR = Path(__file__).resolve().parents[1] / "reports" / "annex"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pot() -> Catalog:
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("rb") as handle:
        return read_po(handle)


def test_the_template_holds_exactly_the_messages_of_the_code() -> None:
    extracted = {m for _f, _l, m, _c, _x in extract_from_dir(str(ANNEX_DIR))}
    template = {m.id for m in _pot() if m.id}
    assert len(extracted) > 100
    assert not extracted - template, f"re-extract {DOMAIN}.pot: {sorted(extracted - template)}"
    assert not template - extracted, f"no longer in the code: {sorted(template - extracted)}"


@pytest.mark.parametrize("lang", ("fr", "es"))
def test_every_message_is_translated_with_its_placeholders(lang: str) -> None:
    with po_path(lang, DOMAIN).open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    assert not catalog.fuzzy
    problems = []
    for message in _pot():
        if not message.id:
            continue
        translated = catalog.get(message.id)
        if translated is None or not translated.string.strip() or translated.fuzzy:
            problems.append(f"untranslated: {message.id!r}")
            continue
        if set(PLACEHOLDER.findall(translated.string)) != set(PLACEHOLDER.findall(message.id)):
            problems.append(f"placeholders differ: {message.id!r}")
        if PLACEHOLDER.search(message.id):  # the code %-formats exactly these
            translated.string % dict.fromkeys(PLACEHOLDER.findall(message.id), "1")
    stale = {m.id for m in catalog if m.id} - {m.id for m in _pot() if m.id}
    assert not stale, f"{lang}: not in {DOMAIN}.pot any more: {sorted(stale)}"
    assert not problems, f"{lang}: " + "; ".join(problems)
