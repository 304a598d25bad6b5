"""The report in three languages: complete catalogues, extracted messages, local formats.

The catalogues are reports/locale/messages.pot and reports/locale/{fr,es}/LC_MESSAGES/
messages.po (see reports/i18n.py for how to update them). These tests fail while any
message lacks a translation or a plural form, so an English phrase can never slip into
the French or Spanish report unnoticed.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from pypdf import PdfReader

from cicopa.columns import COOPERATIVE_TYPES, ISIC_SECTIONS, REGIONS, SUB_REGIONS
from reports.filters import NumberFormat
from reports.i18n import (
    ISIC_NAMES,
    LOCALE_DIR,
    REGION_NAMES,
    SUB_REGION_NAMES,
    TYPE_NAMES,
    css_content,
    translations,
)
from reports.model import ReportData
from reports.render import make_environment
from tests.pdf_text import page_texts
from tests.test_report_render import ATTACHMENTS, YEAR, archived_report, make_data_with_trends

REPORTS_DIR = Path(__file__).resolve().parent.parent / "reports"
TRANSLATED = ("fr", "es")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
NNBSP, NBSP = "\u202f", "\u00a0"


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=locale)


def _key(message) -> str | tuple[str, ...]:
    return message.id if isinstance(message.id, str) else tuple(message.id)


@pytest.fixture(scope="module")
def template() -> Catalog:
    return _read(LOCALE_DIR / "messages.pot")


# --- The catalogues ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_has_every_plural_form_translated(template: Catalog, lang: str):
    catalog = _read(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", lang)
    assert not catalog.fuzzy, "the catalogue header is marked fuzzy"
    # The header's plural rule is Babel's (CLDR) for the language.
    assert catalog.num_plurals == Catalog(locale=lang).num_plurals
    assert catalog.plural_expr == Catalog(locale=lang).plural_expr
    expected = {_key(m) for m in template if m.id}
    present = {_key(m): m for m in catalog if m.id}
    missing = sorted(map(str, expected - present.keys()))
    obsolete_only = sorted(str(k) for k in catalog.obsolete if k in expected - present.keys())
    assert not obsolete_only, f"{lang}: only obsolete (#~) entries for {obsolete_only}"
    assert not missing, f"{lang}: not in the catalogue: {missing}"
    stale = sorted(map(str, present.keys() - expected))
    assert not stale, f"{lang}: not in messages.pot any more (run pybabel update): {stale}"
    problems = []
    for key, message in present.items():
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        if isinstance(message.id, tuple) and len(forms) != catalog.num_plurals:
            problems.append(f"{len(forms)} plural forms for {catalog.num_plurals}: {key!r}")
        if any(not form.strip() for form in forms):
            problems.append(f"empty translation: {key!r}")
    assert not problems, f"{lang}: " + "; ".join(problems)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_the_placeholders(template: Catalog, lang: str):
    """Every %(name)s of a message is in its translation, and formatting it works.

    Jinja's newstyle gettext always %-formats a message, so a literal per cent sign in
    a translation must be written %%.
    """
    catalog = _read(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", lang)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) <= wanted | {"num"}, (message.id, form)
            form % dict.fromkeys(wanted | {"num"}, "1")  # raises on a stray "%"
        # Every placeholder of the plural message appears in the plural translation.
        assert set(PLACEHOLDER.findall(forms[-1])) >= set(PLACEHOLDER.findall(ids[-1])), message.id


def test_the_template_holds_exactly_the_messages_of_the_code(template: Catalog):
    """Extract again, as `pybabel extract -F reports/babel.cfg` does, and compare."""
    with (REPORTS_DIR / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    extracted = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(REPORTS_DIR), method_map, options_map
    ):
        extracted.add(message if isinstance(message, str) else tuple(message))
    in_template = {_key(m) for m in template if m.id}
    assert sorted(map(str, extracted - in_template)) == [], "run pybabel extract"
    assert sorted(map(str, in_template - extracted)) == [], "messages no longer in the code"
    # The templates' own {% trans %} blocks and _() calls are among them.
    assert "Key figures" in extracted
    assert ("country", "countries") in extracted


def test_labels_match_the_vocabulary_of_the_survey():
    assert REGION_NAMES == REGIONS
    assert SUB_REGION_NAMES == SUB_REGIONS
    assert ISIC_NAMES == ISIC_SECTIONS
    assert TYPE_NAMES == COOPERATIVE_TYPES


def test_catalogues_compile_in_memory_with_real_plurals():
    fr, es = translations("fr"), translations("es")
    assert fr.gettext("Key figures") == "Chiffres clés"
    assert es.gettext("Key figures") == "Cifras clave"
    assert fr.ngettext("country", "countries", 1) == "pays"
    assert es.ngettext("country", "countries", 1) == "país"
    assert es.ngettext("country", "countries", 2) == "países"
    # French is singular for 0 and 1 (plural=(n > 1)); Spanish is plural for 0.
    assert fr.ngettext("enterprise", "enterprises", 0) == "entreprise"
    assert es.ngettext("enterprise", "enterprises", 0) == "empresas"
    assert not list(LOCALE_DIR.rglob("*.mo")), "no compiled catalogue is committed"


def test_page_footer_css_is_quoted():
    assert css_content("Page %(page)s of %(pages)s", {"page": "counter(page)",
                       "pages": "counter(pages)"}) == (
        '"Page " counter(page) " of " counter(pages)'
    )  # fmt: skip
    hostile = css_content('a"}</style><b>%(page)s', {"page": "counter(page)"})
    assert hostile == '"a\\22 }\\3c /style\\3e \\3c b\\3e " counter(page)'


def test_environment_has_the_language_and_escapes(template: Catalog):
    env = make_environment("fr")
    assert env.autoescape("report.html.j2") is True
    rendered = env.from_string('{{ _("Key figures") }} {{ x }}').render(x="<b>")
    assert rendered == "Chiffres clés &lt;b&gt;"


# --- Numbers, independently of the code under test -----------------------------------------


def _grouped(digits: str, separator: str) -> str:
    """'3000000' -> '3<sep>000<sep>000', written out here rather than with Babel."""
    head = len(digits) % 3 or 3
    return separator.join(
        [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    )


@pytest.mark.parametrize(
    ("lang", "value", "expected"),
    [
        ("fr", 68_000, _grouped("68000", NNBSP)),
        ("fr", 3_000_000, _grouped("3000000", NNBSP)),
        ("fr", 6_800, _grouped("6800", NNBSP)),
        # RAE / ISO 80000: a narrow no-break space, and in tables from four digits on.
        ("es", 68_000, _grouped("68000", NNBSP)),
        ("es", 3_000_000, _grouped("3000000", NNBSP)),
        ("es", 6_800, _grouped("6800", NNBSP)),
        ("es", 12_345, _grouped("12345", NNBSP)),
        ("en", 68_000, "68,000"),
    ],
)
def test_counts_in_each_language(lang: str, value: int, expected: str):
    assert NumberFormat(lang).int(value) == expected


def test_percentages_and_money_in_each_language():
    fr = NumberFormat("fr", translations("fr"))
    es = NumberFormat("es", translations("es"))
    # CLDR puts a no-break space (U+00A0) between the number and the sign in both.
    assert fr.pct(0.4823) == f"48,2{NBSP}%"
    assert es.pct(0.4565) == f"45,7{NBSP}%"  # half up, as in English
    assert fr.change(0.0625) == f"+6,3{NBSP}%"
    assert es.change(-0.013) == f"\u22121,3{NBSP}%"  # a true minus sign
    assert fr.usd_millions(110_234.8e6) == f"110{NNBSP}234,8 millions de dollars US"
    assert fr.usd_millions(1.5e6) == "1,5 million de dollars US"  # French: singular below 2
    assert es.usd_millions(110_234.8e6) == f"110{NNBSP}234,8 millones de US$"
    assert es.usd_millions(1.5e6) == "1,5 millones de US$"  # Spanish: plural but for 1
    assert es.usd_millions(1e6) == "1,0 millón de US$"  # CLDR es "one": n = 1, 1.0 too
    assert fr.rate(1150.0) == f"1{NNBSP}150"


# --- The French and Spanish reports ----------------------------------------------------------


def _text(pdf: bytes) -> str:
    """The PDF's text with ASCII white space runs made one space (no-break spaces kept)."""
    text = " ".join(page_texts(pdf))
    return re.sub(r"[ \t\r\n]+", " ", text).replace(" ,", ",")


@pytest.fixture(scope="module")
def data() -> ReportData:
    return make_data_with_trends()


@pytest.fixture(scope="module", params=("en", "fr", "es"))
def report(request, data: ReportData) -> tuple[str, bytes, str]:
    pdf = archived_report(request.param)
    return request.param, pdf, _text(pdf)


HEADLINES = {  # the fixture's world: 68,000 enterprises, 3,000,000 persons employed
    "en": ("68,000", "3,000,000", "45.7 %", "US$ 30,000.0 million"),
    "fr": (
        _grouped("68000", NNBSP),
        _grouped("3000000", NNBSP),
        f"45,7{NBSP}%",
        f"{_grouped('30000', NNBSP)},0 millions de dollars US",
    ),
    "es": (
        _grouped("68000", NNBSP),
        _grouped("3000000", NNBSP),
        f"45,7{NBSP}%",
        f"30{NNBSP}000,0 millones de US$",
    ),
}
HEADINGS = {
    "en": ("Key figures", "Global overview", "Trends", "Methodology", "Annex", "Page 2 of"),
    "fr": (
        "Chiffres clés",
        "Vue d’ensemble mondiale",
        "Évolution",
        "Méthodologie",
        "Annexe",
        "Page 2 sur",
        "Tableau 1. Membres, entreprises et emploi par région, 2025",
        "Graphique 1. Personnes occupées par région, 2025",
        "Amériques (CICOPA Américas)",
        "Afrique",
        "Asie-Pacifique",
        "C Activités de fabrication",
        "Coopératives de travail associé",
        f"Aucune statistique n’a été établie pour {YEAR - 2}",
        "Italie",
    ),
    "es": (
        "Cifras clave",
        "Panorama mundial",
        "Evolución",
        "Metodología",
        "Anexo",
        "Página 2 de",
        "Cuadro 1. Miembros, empresas y empleo por región, 2025",
        "Gráfico 1. Personas ocupadas por región, 2025",
        "Europa (CECOP – CICOPA Europe)",
        "Asia-Pacífico",
        "C Industrias manufactureras",
        "Cooperativas de trabajo asociado",
        f"No se elaboraron estadísticas para {YEAR - 2}",
        "Italia",
    ),
}
ENGLISH_ONLY = ("Key figures", "Persons employed", "Methodology", "Page 2 of", "Table 1.")


def test_headline_figures_in_the_reader_s_format(report: tuple[str, bytes, str]):
    lang, _pdf, text = report
    for expected in HEADLINES[lang]:
        assert expected in text, (lang, expected)


def test_headings_and_names_are_translated(report: tuple[str, bytes, str]):
    lang, _pdf, text = report
    for expected in HEADINGS[lang]:
        assert expected in text, (lang, expected)
    if lang != "en":
        for english in ENGLISH_ONLY:
            assert english not in text, (lang, english)
        assert "68,000" not in text and "3,000,000" not in text


def test_document_metadata_is_in_the_language(report: tuple[str, bytes, str]):
    lang, pdf, _text = report
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == lang
    title = {
        "en": f"CICOPA Annual Statistics {YEAR}",
        "fr": f"Statistiques annuelles {YEAR} de la CICOPA",
        "es": f"Estadísticas anuales {YEAR} de CICOPA",
    }[lang]
    assert reader.metadata.title == title
    assert reader.metadata.author == "CICOPA"
    assert 'pdfaid:part="3"' in catalog["/Metadata"].get_object().get_data().decode()
    chapters = [item.title for item in reader.outline if not isinstance(item, list)]
    # Contents, the executive summary, then the chapters (Key figures first).
    assert len(chapters) == 11 and chapters[2] == HEADINGS[lang][0]
    assert reader.attachments == {name: [content] for name, content in ATTACHMENTS}
