"""The report as a publication: front matter, the sample mark, the executive summary and
the issue-10 figures (like-for-like change, coverage, estimates, revised edition), number
formats per language, and the accessible archival PDF (pdfua checker, PDF/A structure)."""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path

import pikepdf
import polars as pl
import pytest
from pypdf import PdfReader

from reports.filters import NumberFormat
from reports.render import render_html, render_pdf
from tests.builders import with_kenya
from tests.pdf_text import page_texts
from tests.test_report_render import make_data, make_data_with_trends, plain_report

YEAR = 2025
MARK = "Sample data — not CICOPA's figures"


def _pages(pdf: bytes) -> list[str]:
    return [" ".join(text.split()) for text in page_texts(pdf)]


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    return render_pdf(dataclasses.replace(make_data(), sample=True), "en")


@pytest.fixture(scope="module")
def real_pdf() -> bytes:
    return plain_report()


def test_the_sample_mark_is_on_every_page_of_a_sample_build(sample_pdf):
    pages = _pages(sample_pdf)
    assert len(pages) > 10
    assert [i for i, text in enumerate(pages, 1) if MARK not in text] == []


def test_no_sample_mark_on_other_data(real_pdf):
    assert not any("Sample data" in text for text in _pages(real_pdf))


def test_the_sample_generator_writes_the_marker(tmp_path: Path):
    from cicopa.settings import is_sample
    from tools.generate_sample_data import generate

    assert not is_sample(tmp_path)
    generate(tmp_path)
    assert is_sample(tmp_path)


def test_front_matter_comes_from_settings_not_the_clock(monkeypatch, real_pdf):
    text = _pages(real_pdf)[1]
    # Default publication day: BUILD_AFTER (1 April) of the year after the reference year.
    assert "1 April 2026" in text
    assert "CC BY 4.0" in text and "https://creativecommons.org/licenses/by/4.0/" in text
    assert "CICOPA (2026). CICOPA Annual Statistics 2025. Edition 1." in text
    assert "statistics@cicopa.coop" in text
    assert "ISSN" not in text
    monkeypatch.setenv("CICOPA_PUBLICATION_DATE", "2026-05-12")
    from cicopa import settings

    monkeypatch.setattr(settings, "ISSN", "1234-5679")
    html = render_html(make_data(), "fr")
    assert "12 mai 2026" in html and "1234-5679" in html


def test_key_figure_cards_extract_as_number_space_word(real_pdf):
    cover = _pages(real_pdf)[0]
    # make_data: enterprises 40,000 + 10,000 + 500 + 7,000 + 500 + 10,000 = 68,000.
    assert re.search(r"68,000\s+enterprises", cover), cover
    assert "68,000enterprises" not in cover


# --- the issue-10 tables, hand-made in SPEC 3's shape -----------------------------------


def _series() -> pl.DataFrame:
    # World, persons employed, 2024 -> 2025 (make_data's world total is 3,000,000):
    # previous 2,900,000 = continuing 2,700,000 + left 150,000 + stopped 50,000;
    # value 3,000,000 = continuing 2,781,000 + joined 180,000 + resumed 39,000.
    rows = [
        ("global", "WORLD", "employment_total", 2_900_000, 3_000_000, 40, 2_700_000,
         2_781_000, 180_000, 39_000, 150_000, 50_000),
        ("global", "WORLD", "enterprises", 64_000, 68_000, 40, 60_000, 61_800, 4_000, 2_200,
         3_000, 1_000),
        ("region", "EUROPE", "employment_total", 950_000, 1_100_000, 20, 900_000, 945_000,
         155_000, 0, 50_000, 0),
        ("region", "AMERICAS", "employment_total", 1_000_000, 950_000, 10, 1_000_000,
         950_000, 0, 0, 0, 0),
    ]  # fmt: skip
    frame = pl.DataFrame(
        rows,
        schema=["level", "area_code", "measure", "previous_value", "value",
                "continuing_members", "continuing_previous", "continuing_value",
                "joined_value", "resumed_value", "left_value", "stopped_value"],
        orient="row",
    )  # fmt: skip
    return frame.with_columns(
        previous_year=pl.lit(YEAR - 1),
        year=pl.lit(YEAR),
        change=(pl.col("value") / pl.col("previous_value") - 1).round(4),
        change_like_for_like=(pl.col("continuing_value") / pl.col("continuing_previous") - 1).round(
            4
        ),
    )


def _coverage() -> pl.DataFrame:
    rows = [
        ("global", "WORLD", "women", 7, 5, 3_000_000, 2_700_000, 0.9),
        ("global", "WORLD", "turnover", 7, 1, 3_000_000, 800_000, 0.2667),
        ("global", "WORLD", "new_enterprises", 45, 18, 3_000_000, 780_000, 0.26),
        ("global", "WORLD", "transfers", 7, 0, 3_000_000, 0, 0.0),
    ]
    return pl.DataFrame(
        rows,
        schema=["level", "area_code", "item", "members_reporting", "members_reporting_item",
                "employment_total", "employment_total_item", "coverage"],
        orient="row",
    )  # fmt: skip


def _estimates() -> pl.DataFrame:
    # 1 member imputed: 3,000,000 reported + 120,000 imputed = 3,120,000 (3.846 %).
    return pl.DataFrame(
        [("global", "WORLD", 8, 7, 1, 0, 69_000, 900_000, 800_000, 1_420_000, 1_700_000,
          3_120_000, 120_000, 0.0385)],
        schema=["level", "area_code", "members_registered", "members_reporting",
                "members_imputed", "members_not_estimated", "enterprises", "worker_members",
                "employees", "producer_members", "employment_in_cooperatives",
                "employment_total", "employment_total_imputed", "imputed_share"],
        orient="row",
    )  # fmt: skip


def _revised() -> pl.DataFrame:
    return pl.DataFrame(
        [(1, "global", "WORLD", "employment_total", 2_990_000, 3_000_000, "added IT-NEW.csv")],
        schema=["revision", "level", "area_code", "measure", "previous", "revised", "reason"],
        orient="row",
    )


@pytest.fixture(scope="module")
def full_data():
    base = make_data_with_trends()
    by_area = base.by_area.with_columns(
        new_enterprises=pl.when(pl.col("level") == "global")
        .then(736)
        .otherwise(pl.col("new_enterprises"))
    )
    return dataclasses.replace(
        base,
        by_area=by_area,
        series_trends=_series(),
        coverage=_coverage(),
        estimates=_estimates(),
        edition=2,
        revised_headlines=_revised(),
    )


@pytest.fixture(scope="module")
def full_text(full_data) -> str:
    """The text a reader sees (HTML without its tags, white space made one space)."""
    html = re.sub(r"<style>.*?</style>|<svg.*?</svg>", " ", render_html(full_data), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#160;", " ").split())


def test_coverage_is_printed_beside_the_figure_it_qualifies(full_text):
    assert (
        "736 cooperatives were created during the year, reported by 18 of 45 members "
        "covering 26 % of persons employed" in full_text
    )


def test_summary_gives_like_for_like_change_and_the_regions_that_moved(full_text):
    # 2,781,000 / 2,700,000 - 1 = +3.0 %; 61,800 / 60,000 - 1 = +3.0 %;
    # total 3,000,000 / 2,900,000 - 1 = +3.4 %.
    assert "Among the 40 member organisations that reported for both 2024 and 2025" in full_text
    assert "persons employed changed by +3.0 %" in full_text
    assert "changed by +3.4 %" in full_text
    # Europe 945,000 / 900,000 - 1 = +5.0 %, Americas 950,000 / 1,000,000 - 1 = -5.0 %.
    assert "grew most in Europe (+5.0 %) and least in Americas (−5.0 %)" in full_text


def test_the_bridge_table_gives_both_years_as_the_sum_of_their_parts(full_text):
    # Persons employed: 2,900,000 = 2,700,000 continuing + 150,000 left + 50,000 stopped;
    # 3,000,000 = 2,781,000 continuing (+3.0 %) + 180,000 joined + 39,000 resumed.
    # Each cell is a value of trends.csv: no difference such as +81,000 is printed.
    for line in (
        "Members that reported in both years 60,000 61,800 (+3.0 %) 2,700,000 2,781,000 (+3.0 %)",
        "Members that joined CICOPA – 4,000 – 180,000",
        "Members that reported again – 2,200 – 39,000",
        "Members that left CICOPA 3,000 – 150,000 –",
        "Members that did not report 1,000 – 50,000 –",
        "All reporting members 64,000 68,000 (+6.3 %) 2,900,000 3,000,000 (+3.4 %)",
    ):
        assert line in full_text, line
    assert not re.search(r"(?<![\d,])81,000", full_text)
    assert full_text.index("Like-for-like change") < full_text.index("Totals of the reporting")


def test_estimates_are_labelled_beside_the_reported_figures(full_text):
    # 120,000 / 3,120,000 = 3.846 % -> 3.8 %.
    assert "gives 3,120,000 persons employed in all, of which 3.8 % estimated" in full_text
    assert "Estimate including non-response" in full_text


def test_the_edition_note_names_the_revised_headline(full_text):
    assert "Edition 2 revises these headline figures" in full_text
    assert "World, Persons employed: 2,990,000 → 3,000,000" in full_text


def test_a_share_is_rounded_once_from_the_unrounded_counts():
    """Kenya: women 79,347 of 185,620 = 42.747 % prints 42.7 %, not 42.8 % from 0.4275."""
    row = re.search(
        r"<th scope=\"row\">Kenya</th>.*?</tr>", render_html(with_kenya(make_data())), re.S
    )
    assert row and "42.7 %" in row.group(0) and "42.8" not in row.group(0)


# --- languages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "four", "five"),
    [("es", "3\u202f000", "11\u202f000"), ("fr", "3\u202f000", "11\u202f000")],
)
def test_four_and_five_digit_figures_group_alike_in_a_table(lang, four, five):
    html = render_html(make_data(), lang)
    table = re.search(r'id="table-sectors".*?</table>', html, re.S).group(0)
    # make_data's sectors: F has 11,000 enterprises; A has 7,000.
    assert five in table
    assert "7\u202f000" in table and "7000" not in table and "7.000" not in table
    assert four == NumberFormat(lang).int(3000)


def test_spanish_prose_keeps_four_digits_whole_and_negatives_take_a_minus():
    es = NumberFormat("es")
    assert es.int_text(6800) == "6800" and es.int_text(68000) == "68\u202f000"
    assert es.int(1234) == "1\u202f234"  # tables group four digits
    assert es.change(-0.013) == "\u22121,3\u00a0%"
    assert NumberFormat("en").int(-300) == "\u2212300"


def test_names_come_from_one_table_in_each_language():
    from reports.i18n import area_name, country_name

    assert country_name("KR", "Republic of Korea", "fr") == "République de Corée"
    assert country_name("KR", "Republic of Korea", "es") == "República de Corea"
    assert area_name("region", "AMERICAS", "es") == "Américas (CICOPA Américas)"
    assert area_name("region", "AMERICAS", "fr") == "Amériques (CICOPA Américas)"
    assert area_name("sub_region", "MERCOSUR", "es") == "Mercosur (CICOPA Mercosur)"


# --- the accessible archival PDF --------------------------------------------------------


def _struct_elements(pdf: bytes) -> list[dict[str, str]]:
    """Each structure element of the PDF's tag tree as {"S": its type, "Alt": its text
    alternative, "Scope": a table header's scope}, the last two "" when absent.

    pikepdf, and plain values: its objects die with the document; pypdf took 20 s here.
    """
    found: list[dict[str, str]] = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        seen: set[tuple[int, int]] = set()
        stack = [document.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if not isinstance(node, pikepdf.Dictionary):
                continue  # a marked-content id
            if node.is_indirect:
                if node.objgen in seen:
                    continue
                seen.add(node.objgen)
            attributes = node.get("/A")
            scope = attributes.get("/Scope") if isinstance(attributes, pikepdf.Dictionary) else None
            found.append({
                "S": str(node.get("/S", "")), "Alt": str(node.get("/Alt", "")),
                "Scope": str(scope or ""),
            })  # fmt: skip
            kids = node.get("/K")
            if kids is not None:
                stack.extend(list(kids) if isinstance(kids, pikepdf.Array) else [kids])
    return found


@pytest.fixture(scope="module")
def real_structure(real_pdf) -> list[dict[str, str]]:
    """The structure elements of the real PDF, walked once."""
    return _struct_elements(real_pdf)


def test_every_table_header_has_a_scope(real_structure):
    headers = [e for e in real_structure if e["S"] == "/TH"]
    assert len(headers) > 50
    assert {h["Scope"] for h in headers} == {"/Column", "/Row"}


def test_chart_alternatives_state_the_data(real_structure):
    alts = [e["Alt"] for e in real_structure if e["S"] == "/Figure"]
    regions = next(a for a in alts if a.startswith("Persons employed by region, 2025"))
    # make_data: Europe = IT 800,000 + FR 200,000 persons employed.
    assert "Europe: 1,000,000" in regions and "Americas: 1,060,000" in regions


def test_pdfua_checker_finds_nothing(real_pdf, tmp_path):
    from pdfua import Severity, validate

    path = tmp_path / "report.pdf"
    path.write_bytes(real_pdf)
    report = validate(str(path))
    problems = [(f.rule_id, f.message) for f in report.findings if f.severity != Severity.INFO]
    assert problems == []


def test_pdfa_structure_xmp_output_intent_fonts_and_attachments(real_pdf):
    reader = PdfReader(io.BytesIO(real_pdf))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp or 'pdfaid:part="3"' in xmp
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
    assert "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in xmp
    intents = root["/OutputIntents"]
    assert any(i.get_object()["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in i.get_object()
               for i in intents)  # fmt: skip
    fonts = []
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            fonts.append(target["/FontDescriptor"].get_object())
    assert fonts and all("/FontFile2" in f or "/FontFile3" in f for f in fonts)
    files = [f.get_object() for f in root["/AF"]]
    # WeasyPrint lists the one file spec twice in /AF (names tree and object): harmless.
    assert {(str(f["/F"]), str(f["/AFRelationship"])) for f in files} == {("by_area.csv", "/Data")}


@pytest.mark.parametrize(
    "table", ["table-regions", "lfl-areas", "table-response", "table-estimates"]
)
def test_the_world_is_the_last_row_of_every_table_by_region(full_data, table: str):
    """One convention for the reader: the world is the total row, after the regions."""
    # Europe's estimate too, so that the estimates table has a region before the world.
    europe = full_data.estimates.with_columns(
        level=pl.lit("region"), area_code=pl.lit("EUROPE"),
        employment_total=pl.lit(1_120_000, pl.Int64), imputed_share=pl.lit(0.1071),
    )  # fmt: skip
    data = dataclasses.replace(full_data, estimates=pl.concat([full_data.estimates, europe]))
    html = render_html(data, "en")
    found = re.search(rf'<table class="[^"]*\b{table}\b[^"]*"|<table[^>]*id="{table}"', html)
    assert found, table
    body = html[found.start() : html.index("</table>", found.start())]
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\">([^<]*)</th>", body)
    assert len(rows) > 1 and rows[-1] == "World" and "World" not in rows[:-1], rows
    last = re.findall(r"<tr([^>]*)>\s*<th scope=\"row\">", body)[-1]
    assert "total" in last, last
