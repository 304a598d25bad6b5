"""The report's layout as WeasyPrint lays it out, in each language: no page less than a
third full except where a chapter ends, table heads that never stack one word per line,
no word broken at its hyphen, and tables that break repeat their head and leave at least
three rows on each page.

The data are the bundled fictional sample report (``reports.sample``, 29 countries, the
sample's headline) with the series chapters' tables (like-for-like bridge, coverage,
estimates) of ``tests/test_report_publication``, so that every chapter is drawn.
"""

from __future__ import annotations

import dataclasses
import re

import polars as pl
import pytest

from reports.render import render_html
from reports.sample import sample_attachments, sample_report_data
from tests.layout_helpers import (
    header_cells,
    page_fills,
    render_document,
    table_rows_per_page,
    text_lines,
)
from tests.test_report_publication import _coverage, _estimates, _series

LANGS = ("en", "fr", "es")


def _coverage_with_regions() -> pl.DataFrame:
    """The world's coverage and each region's, as coverage.csv gives them: every region then
    prints its coverage note under its figures."""
    world = _coverage()
    regions = [
        row | {"level": "region", "area_code": code}
        for code in ("AFRICA", "AMERICAS", "ASIA_PACIFIC", "EUROPE")
        for row in world.to_dicts()
    ]
    return pl.concat([world, pl.DataFrame(regions, schema=world.schema)])


@pytest.fixture(scope="module", params=LANGS)
def laid_out(request):
    data = dataclasses.replace(
        sample_report_data(),
        series_trends=_series(),
        coverage=_coverage_with_regions(),
        estimates=_estimates(),
        sample=True,
    )
    html = render_html(data, request.param, attachments=sample_attachments(data))
    return request.param, render_document(html)


def test_no_page_under_a_third_full_except_a_chapter_end(laid_out):
    lang, document = laid_out
    fills = page_fills(document)
    assert len(fills) >= 15
    thin = [(p.number, round(p.fill, 2)) for p in fills if p.fill < 1 / 3 and not p.chapter_end]
    assert thin == [], f"{lang}: pages less than a third full inside a chapter: {thin}"
    # The measure itself: the cover is full, and some page is neither empty nor full.
    assert fills[0].fill > 0.9
    assert any(0.2 < p.fill < 0.9 for p in fills)


def test_no_table_head_stacks_one_word_per_line(laid_out):
    lang, document = laid_out
    cells = header_cells(document)
    assert len(cells) > 60
    stacked = [c.line_texts for c in cells if c.words >= 3 and c.lines >= c.words]
    assert stacked == [], f"{lang}: heads with one word per line: {stacked}"
    # A line of a head holds whole words: never a word cut in two.
    cut = [c.line_texts for c in cells if any(re.search(r"\w-$", t) for t in c.line_texts)]
    assert cut == []


def test_no_word_breaks_at_its_hyphen(laid_out):
    lang, document = laid_out
    lines = text_lines(document)
    assert any("-" in text for _, text in lines)  # hyphenated words are there (Pays-Bas)
    broken = [(page, text) for page, text in lines if re.search(r"\w-$", text)]
    assert broken == [], f"{lang}: lines ending inside a hyphenated word: {broken}"
    # Nor inside a classification code ("ISIC Rev.4", "CITI Rév.4", "CIIU Rev.4").
    split_code = [(p, t) for p, t in lines if re.search(r"(ISIC|CITI|CIIU|NACE)( R[ée]v\.)?$", t)]
    assert split_code == []


def test_a_table_that_breaks_repeats_its_head_and_keeps_three_rows_a_page(laid_out):
    lang, document = laid_out
    tables = table_rows_per_page(document)
    broken = {name: parts for name, parts in tables.items() if len(parts) > 1}
    assert broken, "the sample's member list runs over two pages"
    for name, parts in broken.items():
        assert all(rows >= 3 for _, rows, _ in parts), f"{lang}: {name}: {parts}"
        assert all(head for _, _, head in parts), f"{lang}: {name} loses its head: {parts}"
