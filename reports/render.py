"""Render the annual report: ``ReportData`` -> HTML (Jinja2) -> PDF (WeasyPrint).

Plain Python, no orchestrator. The pipeline writes the HTML here with ``render_html`` and
turns it into PDF in its rendering process (``reports.pdf``); ``render_pdf`` does both.

``render_pdf(data, lang="fr", attachments=[("by_area.csv", b"...")])`` gives an archival
PDF/A-3a document (tagged, with the statistics embedded as data files) in English, French
or Spanish; messages come from the gettext catalogues in ``locale/`` (see
``reports/i18n.py`` for how to update them).

Everything that comes from members (names, comments, file names) is untrusted text: the
Jinja environment escapes every value (``autoescape``), the templates never mark such a
value safe, and WeasyPrint may read only our own static files (``ReportURLFetcher``).
The only markup marked safe is what this module builds itself from numbers and our own
translated labels: the SVG charts and the CSS of the page footer.

The PDF carries no time stamp: the same data, language and attachments give the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from cicopa.settings import REPORT_TEMPLATES as TEMPLATES_DIR
from reports.compiled import bytecode_cache
from reports.context import build_context
from reports.filters import NumberFormat
from reports.i18n import (
    LANGUAGES,
    check_language,
    translations,
)
from reports.model import ReportData
from reports.pdf import checked_attachments

__all__ = ["LANGUAGES", "build_context", "make_environment", "render_html", "render_pdf"]

TEMPLATE = "report.html.j2"
# Classification codes as the three languages write them: ISIC Rev.4, CITI Rév.4, ...
CODE = re.compile(r"\b(ISIC|CITI|CIIU|NACE) ?(Rev|Rév)\. ?(\d)")
TEXT_BETWEEN_TAGS = re.compile(r">([^<]+)<")
HYPHENATED = re.compile(r"(?<![\w-])(\w+(?:-\w+)+)(?![\w-])")


def make_environment(lang: str = "en") -> Environment:
    """The report's Jinja environment: escaping on, unknown names an error, gettext on."""
    check_language(lang)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        # Escape in every template, whatever its name (html, .j2, or a string).
        autoescape=select_autoescape(
            enabled_extensions=("html", "htm", "xml", "j2"),
            default_for_string=True,
            default=True,
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
        bytecode_cache=bytecode_cache("report"),
    )
    # Messages are extracted with the same setting (babel.cfg: trimmed = true).
    env.policies["ext.i18n.trimmed"] = True
    catalogue = translations(lang)
    env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(NumberFormat(lang, catalogue).filters())
    return env


@cache
def _template(lang: str):
    return make_environment(lang).get_template(TEMPLATE)


def render_html(
    data: ReportData, lang: str = "en", *, attachments: Sequence[tuple[str, bytes]] = ()
) -> str:
    """The report as one HTML document; relative URLs point into ``reports/static/``.

    ``attachments`` only lists the embedded files in Annex C (``render_pdf`` embeds them).
    """
    check_language(lang)
    html = _template(lang).render(**build_context(data, lang, attachments))
    # A classification code never breaks across lines ("CITI Rév. / 4)"): a no-break
    # space before the revision and a word joiner after its full stop.
    html = CODE.sub("\\1\u00a0\\2.\u2060\\3", html)
    return _keep_hyphenated(html)


def _keep_hyphenated(html: str) -> str:
    """A hyphenated word never breaks at its hyphen ("Pays- / Bas", "non- / response").

    Each such word of the body's text (outside the SVG charts, whose text is laid out
    by reports/charts.py) is wrapped in a no-wrap span; the hyphen stays U+002D, so the
    PDF's text still reads "Pays-Bas". Only text between tags is touched: attribute
    values and markup are left as they are.
    """
    head, marker, body = html.partition("<body")
    if not marker:
        return html
    parts = re.split(r"(<svg\b.*?</svg>)", body, flags=re.S)
    for i in range(0, len(parts), 2):
        parts[i] = TEXT_BETWEEN_TAGS.sub(
            lambda m: ">" + HYPHENATED.sub(r'<span class="nw">\1</span>', m.group(1)) + "<",
            parts[i],
        )
    return head + marker + "".join(parts)


def render_pdf(
    data: ReportData, lang: str = "en", attachments: Sequence[tuple[str, bytes]] = ()
) -> bytes:
    """The report as PDF/A-3a bytes (A4) in ``lang``; the same inputs give the same bytes.

    ``attachments`` are ``(file name, content)`` pairs embedded in the PDF as associated
    files: CSV files as the report's data (AFRelationship ``Data``), others as
    ``Supplement``. Their dates are fixed (1 January after the reference year, or
    SOURCE_DATE_EPOCH), so they never carry the time of the build.
    """
    from reports.pdf import pdf_from_html  # WeasyPrint: only where a PDF is made

    attachments = checked_attachments(attachments)
    html = render_html(data, lang, attachments=attachments)
    return pdf_from_html(html, data.year, lang, attachments)
