"""The only way the PDF renderer may read anything: our own static files and data: URLs.

Member names, comments and file contents end up in the report. They are escaped by the
template engine, but should markup ever slip through, WeasyPrint's default fetcher would
follow it: ``<img src="https://...">`` calls out to the network and
``<link rel="attachment" href="file:///etc/passwd">`` embeds a local file in the PDF.
``ReportURLFetcher`` refuses every URL that is not a ``data:`` URL or a file inside one
of the allowed folders (``reports/static`` and ``reports/templates`` by default), after
resolving ``..`` and symlinks.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

from cicopa.settings import REPORT_STATIC as STATIC_DIR
from cicopa.settings import REPORT_TEMPLATES as TEMPLATES_DIR

# Types WeasyPrint needs to know (a stylesheet must be text/css); the rest are guessed.
_CONTENT_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}


class RefusedURLError(ValueError):
    """A URL the report renderer is not allowed to read."""


class ReportURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that reads ``data:`` URLs and allow-listed files only."""

    def __init__(self, allowed_dirs: Iterable[Path] | None = None, **kwargs) -> None:
        # No network whatever the URL says: only the data: handler is ever reached.
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, **kwargs)
        dirs = (STATIC_DIR, TEMPLATES_DIR) if allowed_dirs is None else allowed_dirs
        self.allowed_dirs: tuple[Path, ...] = tuple(Path(d).resolve() for d in dirs)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            return self._fetch_file(url)
        raise RefusedURLError(f"the report may not fetch {_short(url)}: not a local file")

    def allowed_path(self, url: str) -> Path:
        """The real path of a ``file:`` URL, or RefusedURLError when it is not allowed."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURLError(f"the report may not fetch {_short(url)}: not a local file")
        try:
            path = Path(url2pathname(unquote(parts.path))).resolve(strict=True)
        except (OSError, RuntimeError, ValueError) as error:
            raise RefusedURLError(f"the report may not fetch {_short(url)}: {error}") from None
        if not any(path.is_relative_to(root) for root in self.allowed_dirs):
            raise RefusedURLError(
                f"the report may not fetch {_short(url)}: outside the report's own files"
            )
        if not path.is_file():
            raise RefusedURLError(f"the report may not fetch {_short(url)}: not a file")
        return path

    def _fetch_file(self, url: str) -> URLFetcherResponse:
        path = self.allowed_path(url)
        content_type = _CONTENT_TYPES.get(path.suffix.lower()) or (
            mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        headers = {"Content-Type": content_type}
        if content_type == "text/css":
            headers["Content-Type"] = "text/css; charset=utf-8"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers=headers)


def _short(url: str) -> str:
    return url if len(url) <= 120 else url[:117] + "..."
