"""Render the annual report: ``ReportData`` -> HTML (Jinja2) -> PDF (WeasyPrint).

Plain Python, no orchestrator: the pipeline calls ``render_pdf`` and writes the bytes.

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

import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from weasyprint import HTML, Attachment

from reports import accessibility
from reports.context import build_context
from reports.fetcher import STATIC_DIR, TEMPLATES_DIR, ReportURLFetcher
from reports.filters import NumberFormat
from reports.i18n import (
    ATTACHMENT_DESCRIPTIONS,
    ATTACHMENT_OTHER,
    LANGUAGES,
    check_language,
    translations,
)
from reports.model import ReportData

__all__ = [
    "LANGUAGES",
    "build_context",
    "make_environment",
    "pdf_from_html",
    "render_html",
    "render_pdf",
    "rendering_key",
]

TEMPLATE = "report.html.j2"
# The libraries whose versions change a PDF's bytes (see rendering_key).
RENDERER_DISTRIBUTIONS = ("weasyprint", "pydyf", "fonttools", "tinycss2", "tinyhtml5", "cssselect2")
TEXT_LIBRARIES = r"^lib(harfbuzz|pango|fribidi|fontconfig|freetype)"
PDF_VARIANT = "pdf/a-3a"  # archival, tagged (accessible), may carry embedded files
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
    attachments = _checked_attachments(attachments)
    html = render_html(data, lang, attachments=attachments)
    return pdf_from_html(html, data.year, lang, attachments)


def pdf_from_html(
    html: str, year: int, lang: str, attachments: Sequence[tuple[str, bytes]] = ()
) -> bytes:
    """WeasyPrint's half of ``render_pdf``: the report's HTML to PDF/A-3a bytes."""
    check_language(lang)
    attachments = _checked_attachments(attachments)
    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=ReportURLFetcher())
    gettext = translations(lang).gettext
    with _fixed_timestamp(year) as moment:
        pdf_attachments = [
            Attachment(
                string=content,
                name=name,
                description=gettext(ATTACHMENT_DESCRIPTIONS.get(name, ATTACHMENT_OTHER)),
                created=moment,
                modified=moment,
                relationship="Data" if name.lower().endswith(".csv") else "Supplement",
                url_fetcher=ReportURLFetcher(),
            )
            for name, content in attachments
        ]
        # PDF/A-3a: tagged for screen readers, fonts embedded, an sRGB output intent;
        # unlike PDF/A-2 it keeps embedded files of any type.
        return document.write_pdf(
            pdf_variant=PDF_VARIANT, attachments=pdf_attachments, finisher=accessibility.finish
        )


def rendering_key(
    html: str, year: int, lang: str, attachments: Sequence[tuple[str, bytes]] = ()
) -> str:
    """A digest of everything ``pdf_from_html``'s bytes depend on.

    The HTML, the year and language (attachment dates, descriptions), each attachment,
    SOURCE_DATE_EPOCH, and the renderer: its libraries' versions (Pango and HarfBuzz
    included), the static files (CSS, fonts), the catalogues and this package's code
    that writes the PDF. Equal keys give equal bytes, so a rendering can be reused.
    """
    digest = hashlib.sha256(_renderer_fingerprint())
    for part in (str(year), lang, os.environ.get("SOURCE_DATE_EPOCH", ""), html):
        digest.update(part.encode() + b"\0")
    for name, content in _checked_attachments(attachments):
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


@cache
def _renderer_fingerprint() -> bytes:
    from weasyprint.text.ffi import pango

    digest = hashlib.sha256()
    for dist in RENDERER_DISTRIBUTIONS:
        digest.update(f"{dist} {metadata.version(dist)}\n".encode())
    digest.update(f"pango {pango.pango_version()}\n".encode())
    # The text libraries as loaded (their file names carry their versions, on Linux).
    maps = Path("/proc/self/maps")
    loaded = maps.read_text().split() if maps.is_file() else []
    for library in sorted({w for w in loaded if re.search(TEXT_LIBRARIES, Path(w).name)}):
        digest.update(Path(library).name.encode() + b"\n")
    package = Path(__file__).parent
    files = [*STATIC_DIR.rglob("*"), *(package / "locale").rglob("*.po")]
    files += [package / f"{module}.py" for module in ("render", "accessibility", "fetcher", "i18n")]
    for path in sorted(p for p in files if p.is_file()):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.digest()


def _checked_attachments(attachments: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    checked: list[tuple[str, bytes]] = []
    for item in attachments:
        name, content = item
        if not isinstance(name, str) or not name.strip() or "/" in name or "\\" in name:
            raise ValueError(f"an attachment needs a plain file name, got {name!r}")
        if not isinstance(content, bytes | bytearray):
            raise TypeError(f"attachment {name!r}: content must be bytes")
        if any(name == seen for seen, _ in checked):
            raise ValueError(f"two attachments are named {name!r}")
        checked.append((name, bytes(content)))
    return checked


@contextmanager
def _fixed_timestamp(year: int) -> Iterator[datetime]:
    """Keep the build time out of the PDF: one fixed moment for fonts and attachments.

    WeasyPrint subsets the fonts with fontTools, which stamps each subset's ``head``
    table with the current time unless SOURCE_DATE_EPOCH is set (the reproducible-builds
    convention). Without a value from the caller, 1 January after the reference year is
    used. The variable is restored afterwards. The moment is also the date of the
    embedded files.
    """
    given = os.environ.get("SOURCE_DATE_EPOCH")
    if given is not None and given.strip().isdigit():
        yield datetime.fromtimestamp(int(given), tz=UTC).replace(tzinfo=None)
        return
    moment = datetime(year + 1, 1, 1, tzinfo=UTC)
    os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
    try:
        yield moment.replace(tzinfo=None)
    finally:
        if given is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = given
