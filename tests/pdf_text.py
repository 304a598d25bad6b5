"""The text of a PDF's pages, extracted once per process for the same bytes.

pypdf takes about 2.4 s for a 22-page report, and several tests read one report.
"""

from __future__ import annotations

import functools
import io

from pypdf import PdfReader


@functools.lru_cache(maxsize=16)
def page_texts(pdf: bytes) -> tuple[str, ...]:
    """Each page's text as pypdf extracts it (bytes are their own cache key)."""
    return tuple(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
