"""HTML to PDF (WeasyPrint): the report as PDF/A-3a, a member's feedback letter, and
the key that lets a rebuild reuse a rendering.

Apart from ``reports.render`` so that a process that only renders (the run's rendering
process, ``pipelines.resources.DocumentRenderer``) imports WeasyPrint and the
catalogues, not pandera, pandas or the templates: about 80 MiB instead of 145 before it
renders anything. WeasyPrint itself is imported by the functions that render: a process
that writes HTML, hashes attachments or checks their names does without it.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path

from cicopa.files import write_atomic
from cicopa.process import collect_for_batch
from cicopa.settings import REPORT_STATIC as STATIC_DIR
from reports.i18n import ATTACHMENT_DESCRIPTIONS, ATTACHMENT_OTHER, check_language, translations

__all__ = [
    "PDF_VARIANT",
    "checked_attachments",
    "letter_pdf",
    "pdf_from_html",
    "prepare_renderer",
    "rendering_key",
    "report_pdf",
]

# How often the rendering process looks whether the process it serves is still there.
PARENT_CHECK_SECONDS = 1.0
PDF_VARIANT = "pdf/a-3a"  # archival, tagged (accessible), may carry embedded files
# The libraries whose versions change a PDF's bytes (see rendering_key).
RENDERER_DISTRIBUTIONS = ("weasyprint", "pydyf", "fonttools", "tinycss2", "tinyhtml5", "cssselect2")
TEXT_LIBRARIES = r"^lib(harfbuzz|pango|fribidi|fontconfig|freetype)"


def pdf_from_html(
    html: str, year: int, lang: str, attachments: Sequence[tuple[str, bytes]] = ()
) -> bytes:
    """WeasyPrint's half of ``render_pdf``: the report's HTML to PDF/A-3a bytes."""
    from weasyprint import HTML, Attachment

    from reports import accessibility
    from reports.fetcher import ReportURLFetcher

    check_language(lang)
    attachments = checked_attachments(attachments)
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


def report_pdf(
    html: str,
    year: int,
    lang: str,
    attachments: Sequence[tuple[str, bytes]] = (),
    renderings: Path | None = None,
) -> tuple[bytes, bool]:
    """The report's PDF from its HTML, and whether an earlier rendering served.

    A PDF is reused from ``renderings`` (a folder of the instance's storage) when its
    rendering key, ``rendering_key``, is the one it was rendered from: the same key gives
    the same bytes, so a rebuild that changes nothing the report shows need not run
    WeasyPrint again. A fresh rendering is kept there as the language's newest.
    """
    key = rendering_key(html, year, lang, attachments)
    if renderings is not None and (stored := _stored_rendering(renderings, lang, key)):
        return stored, True
    pdf = pdf_from_html(html, year, lang, attachments)
    if renderings is not None:
        _store_rendering(renderings, lang, key, pdf)
    return pdf, False


def _stored_rendering(folder: Path, lang: str, key: str) -> bytes | None:
    try:
        pdf = (folder / f"{lang}-{key}.pdf").read_bytes()
    except OSError:
        return None  # never rendered, or replaced by a concurrent build
    # A cut-off file (a disk filled while storing it) is rendered again.
    return pdf if pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-64:] else None


def _store_rendering(folder: Path, lang: str, key: str, pdf: bytes) -> None:
    """Keep the newest rendering of each language: the one a rebuild may reuse."""
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / f"{lang}-{key}.pdf", pdf)
    for older in folder.glob(f"{lang}-*.pdf"):
        if older.name != f"{lang}-{key}.pdf":
            older.unlink(missing_ok=True)
    # A rendering process that ended while storing (its build killed) left its part.
    for part in folder.glob(f".{lang}-*.pdf.*.tmp"):
        part.unlink(missing_ok=True)


def letter_pdf(html: str, year: int) -> bytes:
    """A member's feedback letter (``reports.feedback``): A4, tagged; relative URLs
    resolve in reports/static and nothing else may be read."""
    from weasyprint import HTML

    from reports.fetcher import ReportURLFetcher

    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=ReportURLFetcher())
    with _fixed_timestamp(year):
        return document.write_pdf(pdf_tags=True)


def prepare_renderer() -> None:
    """Ready a process to render: WeasyPrint and the renderer's fingerprint loaded, the
    batch collection thresholds of ``cicopa.process``, and what was imported frozen (no
    collection walks it again). Run first in the rendering process, while the run it
    serves reads and checks the year. The process then collects before each document
    (``pipelines.rendering``): a document's layout is a web of cycles that outlives its
    rendering, which rare collections would let pile up, +50 MiB per report.
    """
    import atexit
    import gc

    import weasyprint  # noqa: F401  (the import is the point)

    collect_for_batch()
    _renderer_fingerprint()
    gc.freeze()
    # It holds no file open and nothing to flush when it is told to stop: it ends
    # without tearing its modules down, which the build it served waited for.
    atexit.register(os._exit, 0)
    threading.Thread(target=_end_with, args=(os.getppid(),), daemon=True).start()


def _end_with(parent: int) -> None:
    """End this process once the process that started it is gone (killed, say): it would
    otherwise wait for work for ever, as the queue it reads stays open in itself."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


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
    for name, content in checked_attachments(attachments):
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
    files += [package / f"{module}.py" for module in ("pdf", "accessibility", "fetcher", "i18n")]
    for path in sorted(p for p in files if p.is_file()):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.digest()


def checked_attachments(attachments: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
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
