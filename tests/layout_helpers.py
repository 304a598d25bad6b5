"""Measure a report as WeasyPrint laid it out: how full each page is, which pages end a
chapter, how many lines each table header cell takes, and how many rows of a table fall
on each page.

Reads the layout boxes of ``weasyprint.Document`` (``page._page_box`` and its children,
with their positions in CSS pixels): no image analysis, no text extraction heuristics.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from reports.fetcher import STATIC_DIR, ReportURLFetcher


@dataclass(frozen=True)
class PageFill:
    number: int  # 1-based
    fill: float  # share of the content area's height that holds content
    chapter_end: bool  # the last page of a chapter (the next page starts one) or of the book
    starts_chapter: bool


@dataclass(frozen=True)
class HeaderCell:
    page: int
    text: str
    words: int
    lines: int
    line_texts: tuple[str, ...]


def render_document(html: str):
    return HTML(
        string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=ReportURLFetcher()
    ).render()


def _walk(box) -> Iterator:
    """The box and its descendants; the page's margin boxes (header, footer) left out."""
    yield box
    for child in getattr(box, "children", ()) or ():
        if not isinstance(child, boxes.MarginBox):
            yield from _walk(child)


def _content_area(page_box) -> tuple[float, float]:
    """Top and height of the page's content area (inside the page margins)."""
    top = page_box.margin_top + page_box.padding_top + page_box.border_top_width
    return top, page_box.height


def _is_chapter_start(box) -> bool:
    """An h1 (chapter title) or the imprint's title begins a chapter-level section."""
    tag = getattr(box, "element_tag", None)
    if tag == "h1":
        return True
    element = getattr(box, "element", None)
    return element is not None and tag == "h2" and "imprint-title" in element.get("class", "")


def page_fills(document) -> list[PageFill]:
    measured: list[tuple[float, bool]] = []
    for page in document.pages:
        page_box = page._page_box
        top, height = _content_area(page_box)
        bottom = top
        starts = False
        for box in _walk(page_box):
            if _is_chapter_start(box):
                starts = True
            if isinstance(box, boxes.LineBox | boxes.ReplacedBox | boxes.TableRowBox):
                bottom = max(bottom, box.position_y + box.margin_height())
        measured.append(((bottom - top) / height, starts))
    out = []
    for i, (fill, starts) in enumerate(measured):
        last = i == len(measured) - 1
        out.append(PageFill(i + 1, fill, last or measured[i + 1][1], starts))
    return out


def text_lines(document) -> list[tuple[int, str]]:
    """(page, text) of every line of the pages' content, running heads and feet apart."""
    return [
        (number, _text(box))
        for number, page in enumerate(document.pages, start=1)
        for box in _walk(page._page_box)
        if isinstance(box, boxes.LineBox)
    ]


def _text(box) -> str:
    parts = [b.text for b in _walk(box) if isinstance(b, boxes.TextBox)]
    return " ".join(" ".join(parts).split())


def header_cells(document) -> list[HeaderCell]:
    """Every ``thead`` cell of every table, with the words on each of its lines."""
    cells = []
    for number, page in enumerate(document.pages, start=1):
        for box in _walk(page._page_box):
            if not isinstance(box, boxes.TableRowGroupBox) or not box.is_header:
                continue
            for cell in _walk(box):
                if not isinstance(cell, boxes.TableCellBox):
                    continue
                lines = [_text(line) for line in _walk(cell) if isinstance(line, boxes.LineBox)]
                lines = [line for line in lines if line]
                text = " ".join(lines)
                cells.append(HeaderCell(number, text, len(text.split()), len(lines), tuple(lines)))
    return cells


def table_rows_per_page(document) -> dict[str, list[tuple[int, int, bool]]]:
    """For each table (by id, else caption), its fragment on each page: (page, body rows,
    whether the fragment shows the table's head)."""
    out: dict[str, list[tuple[int, int, bool]]] = {}
    names: dict[int, str] = {}  # a table's later fragments have no caption: by element
    for number, page in enumerate(document.pages, start=1):
        for wrapper in _walk(page._page_box):
            if not getattr(wrapper, "is_table_wrapper", False):
                continue
            caption = next(
                (_text(c) for c in wrapper.children if isinstance(c, boxes.TableCaptionBox)), ""
            )
            for table in wrapper.children:
                if not isinstance(table, boxes.TableBox):
                    continue
                rows = sum(
                    1
                    for group in table.children
                    if isinstance(group, boxes.TableRowGroupBox) and not group.is_header
                    for row in group.children
                    if isinstance(row, boxes.TableRowBox)
                )
                key = names.setdefault(
                    id(wrapper.element),
                    wrapper.element.get("id")
                    or caption
                    or f"table {len(names) + 1} (no caption, page {number})",
                )
                repeats_head = any(
                    isinstance(g, boxes.TableRowGroupBox) and g.is_header for g in table.children
                )
                out.setdefault(key, []).append((number, rows, repeats_head))
    return out
