"""`cicopa serve`: a read-only download page of the built years, for secretariat staff.

Standard library only. The page lists, for every `<out>/<year>/` folder, the
outputs of SPEC section 3 (report PDFs, statistics and validation CSVs, the
annex workbook, provenance.json) with size, sha256 and build time, and serves
exactly those files under `/files/<year>/<path>`.

What may be served is an allow-list of output names, never "whatever is under
out": a request path is percent-decoded once, segment by segment; encoded
slashes, dot segments, hidden names, symlinks (anywhere below `<out>`) and any
name outside the list are answered 404, the same answer as a missing file, so
the server says nothing about what else exists. Only GET and HEAD are allowed.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import signal
import socket
import stat
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from cicopa.settings import LANGUAGE_NAMES, out_dir

DEFAULT_PORT = 8080

LANGUAGES = LANGUAGE_NAMES
YEAR = re.compile(r"\d{4}")
# Table files written by the pipeline: lower-case names only, so a stray "~$by_area.csv"
# lock file or ".by_area.csv.tmp" from an interrupted write is never offered.
TABLE_NAME = r"[a-z][a-z0-9_]{0,63}\.csv"
DESCRIPTIONS = {
    "statistics/by_area.csv": "Statistics by area (world, regions, sub-regions, countries)",
    "statistics/by_sector.csv": "Statistics by sector (ISIC Rev.4)",
    "statistics/by_type.csv": "Statistics by cooperative type",
    "validation/submissions.csv": "Every submission file with its status",
    "validation/issues.csv": "Every issue found in the submissions",
    "validation/tracker.csv": "Response tracker: every active member and its status",
    "provenance.json": "Inputs, outputs, code and run of the build",
}
ORDER = [
    "statistics/by_area.csv",
    "statistics/by_sector.csv",
    "statistics/by_type.csv",
    "validation/submissions.csv",
    "validation/issues.csv",
    "validation/tracker.csv",
]
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CSP = "default-src 'none'; style-src 'unsafe-inline'"
CHUNK = 1 << 16


@dataclass(frozen=True)
class Output:
    """One servable file of a year folder."""

    year: str
    relative: str  # path below the year folder, '/'-separated
    group: str  # report, statistics, validation, provenance
    label: str
    path: Path

    @property
    def url(self) -> str:
        return f"/files/{self.year}/{quote(self.relative)}"


def classify(year: str, relative: str) -> tuple[str, str] | None:
    """(group, label) of an allowed output name, or None: the allow-list of what is served."""
    if match := re.fullmatch(rf"annual_report_{year}_(en|fr|es)\.pdf", relative):
        return "report", f"Annual report {year} in {LANGUAGES[match.group(1)]} (PDF)"
    if relative == f"statistical_annex_{year}.xlsx":
        return "statistics", "Statistical annex workbook (all tables)"
    if re.fullmatch(rf"(statistics|validation)/{TABLE_NAME}", relative):
        group = relative.split("/", 1)[0]
        return group, DESCRIPTIONS.get(relative, "Table (CSV)")
    if relative == "provenance.json":
        return "provenance", DESCRIPTIONS[relative]
    return None


def servable(out_root: Path, year: str, relative: str) -> Path | None:
    """The file to serve, or None unless it is an allowed output, really inside `out_root`.

    `out_root` must already be resolved. Any symlink below it is refused (not only one
    that leads outside): the resolved path must be exactly the requested one.
    """
    if not YEAR.fullmatch(year) or classify(year, relative) is None:
        return None
    candidate = out_root / year / relative
    try:
        resolved = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if resolved != candidate or not resolved.is_relative_to(out_root):
        return None
    return resolved if resolved.is_file() else None


def year_outputs(out_root: Path, year: str) -> list[Output]:
    """The servable files of one year folder, in the page's order."""
    folder = out_root / year

    def tables(sub: str) -> list[str]:
        if not (folder / sub).is_dir():
            return []
        names = [f"{sub}/{p.name}" for p in (folder / sub).iterdir()]
        return sorted(names, key=lambda r: (ORDER.index(r) if r in ORDER else len(ORDER), r))

    # Page order: reports, the annex and statistics tables, validation, provenance.
    names = [
        *(f"annual_report_{year}_{lang}.pdf" for lang in LANGUAGES),
        f"statistical_annex_{year}.xlsx",
        *tables("statistics"),
        *tables("validation"),
        "provenance.json",
    ]
    found = []
    for relative in names:
        kind = classify(year, relative)
        path = servable(out_root, year, relative)
        if kind and path:
            found.append(Output(year, relative, kind[0], kind[1], path))
    return found


def built_years(out_root: Path) -> list[str]:
    """Year folders (four digits, not symlinks), newest first."""
    if not out_root.is_dir():
        return []
    return sorted(
        (p.name for p in out_root.iterdir() if YEAR.fullmatch(p.name) and _real_dir(p)),
        reverse=True,
    )


def _real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def resolve_request(out_root: Path, raw: str) -> Path | None:
    """The file for the raw `<year>/<path>` after `/files/`, or None (-> 404)."""
    # An encoded slash, backslash or NUL has no business in an output name; refusing them
    # before decoding means decoding once can never create a new path separator.
    if re.search(r"%(2f|5c|00)", raw, re.IGNORECASE) or "\\" in raw:
        return None
    try:
        segments = [unquote(s, errors="strict") for s in raw.split("/")]
    except UnicodeDecodeError:
        return None
    if any(not s or s.startswith(".") or "\x00" in s for s in segments) or len(segments) < 2:
        return None
    return servable(out_root, segments[0], "/".join(segments[1:]))


# --- the page ---


class _Digests:
    """sha256 of served files, recomputed only when size or mtime changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple[Path, int, int], str] = {}

    def __call__(self, path: Path) -> str:
        info = path.stat()
        key = (path, info.st_size, info.st_mtime_ns)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
        with self._lock:
            self._cache[key] = digest.hexdigest()
        return self._cache[key]


def _read_provenance(outputs: list[Output]) -> dict[str, Any]:
    for output in outputs:
        if output.relative == "provenance.json":
            try:
                record = json.loads(output.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
            return record if isinstance(record, dict) else {}
    return {}


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _size(n: int) -> str:
    """Decimal units, as file managers show them; the exact count is in the title."""
    if n < 1000:
        return f"{n} B"
    value, unit = n / 1000, "kB"
    for bigger in ("MB", "GB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{value:.1f} {unit}"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


# Fixed column widths, so that every year's table lines up with the others.
TABLE_HEAD = (
    '<colgroup><col class="file"><col class="size"><col class="hash"><col class="when">'
    '</colgroup>\n<thead><tr><th>File</th><th class="num">Size</th><th>SHA-256</th>'
    "<th>Built</th></tr></thead>"
)
GROUPS = {
    "report": "Annual report",
    "statistics": "Statistics",
    "validation": "Validation",
    "provenance": "Provenance",
}

STYLE = """
:root { --ink:#1f2933; --muted:#5f6b7a; --line:#dde3ea; --band:#12355b; --accent:#c8102e;
        --ok:#1b7f3b; --warn:#b3261e; --bg:#f5f7fa; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color:var(--ink); background:var(--bg); }
header { background:var(--band); color:#fff; padding:22px 32px 18px;
         border-bottom:4px solid var(--accent); }
header h1 { margin:0; font-size:22px; font-weight:600; letter-spacing:.2px; }
header p { margin:4px 0 0; color:#c9d6e6; font-size:13px; }
nav { margin-top:10px; font-size:13px; }
nav a { color:#fff; margin-right:14px; text-decoration:none; border-bottom:1px solid #7f9cbf; }
main { max-width:1180px; margin:24px auto; padding:0 24px; }
section.year { background:#fff; border:1px solid var(--line); border-radius:8px;
               margin-bottom:26px; overflow:hidden; }
section.year > h2 { margin:0; padding:14px 20px; font-size:20px;
                    border-bottom:1px solid var(--line); display:flex; align-items:baseline;
                    gap:16px; flex-wrap:wrap; }
.meta { font-size:13px; font-weight:400; color:var(--muted); }
table { width:100%; border-collapse:collapse; table-layout:fixed; }
col.file { width:30%; } col.size { width:8%; } col.hash { width:44%; } col.when { width:18%; }
th, td { text-align:left; padding:8px 14px; border-bottom:1px solid var(--line);
         vertical-align:top; }
thead th { font-size:12px; text-transform:uppercase; letter-spacing:.6px; color:var(--muted);
           background:#fafbfc; font-weight:600; }
tr.group th { background:#eef2f7; font-size:13px; color:var(--band); padding:6px 14px; }
td.num { text-align:right; white-space:nowrap; font-variant-numeric:tabular-nums; }
td.when { white-space:nowrap; color:var(--muted); font-size:13px; }
a.file { font-weight:600; color:var(--band); text-decoration:none;
         border-bottom:1px solid #9fb3c8; }
a.file:hover { color:var(--accent); border-bottom-color:var(--accent); }
.desc { display:block; color:var(--muted); font-size:13px; }
.lang { display:inline-block; margin-left:8px; padding:0 7px; border-radius:9px;
        background:#e6edf5; color:var(--band); font-size:12px; }
code.hash { font: 11.5px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
            word-break:break-all; user-select:all; color:#334; }
.ok { color:var(--ok); font-size:12px; white-space:nowrap; }
.bad { color:var(--warn); font-size:12px; font-weight:600; white-space:nowrap; }
.empty { padding:16px 20px; color:var(--muted); }
footer { max-width:1180px; margin:0 auto 32px; padding:0 24px; color:var(--muted);
         font-size:12px; }
"""


def render_index(out_root: Path, digests: Callable[[Path], str]) -> str:
    """The download page: every built year, newest first. Everything shown is escaped."""
    years = built_years(out_root)
    sections = [_year_section(out_root, year, digests) for year in years]
    nav = " ".join(f'<a href="#y{y}">{y}</a>' for y in years)
    body = (
        "\n".join(sections)
        if sections
        else (
            '<section class="year"><p class="empty">No year has been built in this folder yet. '
            "Build one with <code>cicopa build --year YYYY</code>.</p></section>"
        )
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CICOPA annual statistics — downloads</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>CICOPA annual statistics — downloads</h1>
<p>Built outputs in <code>{_e(out_root)}</code>. Read-only: files are listed as built by
<code>cicopa build</code>.</p>
<nav>{nav}</nav>
</header>
<main>
{body}
</main>
<footer>Page generated {_e(_when(datetime.now(UTC)))} by <code>cicopa serve</code>.
SHA-256 fingerprints let auditors check a file against <code>provenance.json</code>.</footer>
</body>
</html>
"""


def _year_section(out_root: Path, year: str, digests: Callable[[Path], str]) -> str:
    outputs = year_outputs(out_root, year)
    record = _read_provenance(outputs)
    built_at = _parse_time(record.get("built_at"))
    recorded = {
        o.get("path"): o.get("sha256")
        for o in record.get("outputs", [])
        if isinstance(o, dict) and isinstance(record.get("outputs"), list)
    }
    meta = []
    if built_at:
        meta.append(f"built {_when(built_at)}")
    else:
        meta.append("no build record (times are file times)")
    run = record.get("orchestrator", {}) if isinstance(record.get("orchestrator"), dict) else {}
    if run.get("run_id"):
        meta.append(f"Dagster run {str(run['run_id'])[:8]}")
    code = record.get("code_revision") if isinstance(record.get("code_revision"), dict) else None
    if code and code.get("commit"):
        dirty = " (with uncommitted changes)" if code.get("uncommitted_changes") else ""
        meta.append(f"code {str(code['commit'])[:7]}{dirty}")

    rows, group = [], None
    for output in outputs:
        if output.group != group:
            group = output.group
            rows.append(f'<tr class="group"><th colspan="4">{_e(GROUPS[group])}</th></tr>')
        rows.append(_file_row(output, digests, built_at, recorded))
    table = (
        f"<table>\n{TABLE_HEAD}\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"
        if outputs
        else '<p class="empty">No outputs in this folder.</p>'
    )
    return (
        f'<section class="year" id="y{_e(year)}">\n<h2>{_e(year)} '
        f'<span class="meta">{_e(" · ".join(meta))}</span></h2>\n{table}\n</section>'
    )


def _file_row(
    output: Output,
    digests: Callable[[Path], str],
    built_at: datetime | None,
    recorded: dict[Any, Any],
) -> str:
    info = output.path.stat()
    digest = digests(output.path)
    when = (
        _e(_when(built_at))
        if built_at
        else f'<span title="file modification time">'
        f"{_e(_when(datetime.fromtimestamp(info.st_mtime, UTC)))}</span>"
    )
    check = ""
    if output.relative in recorded:
        check = (
            '<span class="ok">✓ as recorded in provenance.json</span>'
            if recorded[output.relative] == digest
            else '<span class="bad">✗ differs from provenance.json</span>'
        )
    lang = ""
    if match := re.fullmatch(r"annual_report_\d{4}_(en|fr|es)\.pdf", output.relative):
        lang = f'<span class="lang">{_e(LANGUAGES[match.group(1)])}</span>'
    name = output.relative.rsplit("/", 1)[-1]
    return (
        f'<tr><td><a class="file" href="{_e(output.url)}" download="{_e(name)}">'
        f"{_e(output.relative)}</a>{lang}"
        f'<span class="desc">{_e(output.label)}</span></td>'
        f'<td class="num" title="{info.st_size:,} bytes">{_e(_size(info.st_size))}</td>'
        f'<td><code class="hash">{_e(digest)}</code> {check}</td>'
        f'<td class="when">{when}</td></tr>'
    )


# --- the server ---


class DownloadServer(ThreadingHTTPServer):
    """Serves one out folder; resolved once so that every check compares real paths."""

    def __init__(self, out: Path, host: str, port: int) -> None:
        self.out_root = out.resolve()
        self.digests = _Digests()
        if ":" in host:  # an IPv6 address such as ::1
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: DownloadServer
    server_version = "cicopa-serve"

    def version_string(self) -> str:
        return self.server_version  # no Python version in the Server header

    def do_GET(self) -> None:
        self._respond(body=True)

    def do_HEAD(self) -> None:
        self._respond(body=False)

    def __getattr__(self, name: str) -> Callable[[], None]:
        # BaseHTTPRequestHandler answers 501 to a method it has no do_X for; every
        # method but GET and HEAD is a known refusal here: 405.
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _not_allowed(self) -> None:
        self._plain(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed", {"Allow": "GET, HEAD"})

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Malformed requests get the same short plain answer as everything else.
        self._plain(HTTPStatus(code), message or HTTPStatus(code).phrase.lower())

    def _plain(
        self,
        status: HTTPStatus,
        text: str,
        headers: dict[str, str] | None = None,
        body: bool = True,
    ) -> None:
        data = f"{status.value} {text}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(data)

    def _respond(self, body: bool) -> None:
        # self.path is the raw request target: nothing has normalised or decoded it.
        target = self.path.split("?", 1)[0].split("#", 1)[0]
        if target in ("/", "/index.html"):
            page = render_index(self.server.out_root, self.server.digests).encode()
            self._send_bytes(page, "text/html; charset=utf-8", body)
        elif target == "/healthz":
            self._send_bytes(b"ok", "text/plain; charset=utf-8", body)
        elif target.startswith("/files/"):
            path = resolve_request(self.server.out_root, target[len("/files/") :])
            if path is None:
                self._plain(HTTPStatus.NOT_FOUND, "not found", body=body)
            else:
                self._send_file(path, body)
        else:
            self._plain(HTTPStatus.NOT_FOUND, "not found", body=body)

    def _send_bytes(self, data: bytes, content_type: str, body: bool) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _send_file(self, path: Path, body: bool) -> None:
        try:
            # O_NOFOLLOW: a file swapped for a symlink after the checks is still refused.
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            self._plain(HTTPStatus.NOT_FOUND, "not found", body=body)
            return
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                self._plain(HTTPStatus.NOT_FOUND, "not found", body=body)
                return
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", CONTENT_TYPES[path.suffix])
            self.send_header("Content-Length", str(info.st_size))
            self.send_header("Content-Disposition", f'attachment; filename="{path.name}"')
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Last-Modified", self.date_time_string(int(info.st_mtime)))
            self.end_headers()
            if body:
                for chunk in iter(lambda: handle.read(CHUNK), b""):
                    self.wfile.write(chunk)


def make_server(out: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> DownloadServer:
    """A ThreadingHTTPServer for `out`, bound but not yet serving (port 0: any free port)."""
    return DownloadServer(out, host, port)


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (systemd, docker stop) ends as cleanly as Ctrl-C


def _note(text: str) -> None:
    print(f"cicopa serve: {text}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cicopa serve",
        description="Serve a read-only download page of the built years (reports, "
        "statistics, validation files, provenance).",
    )
    parser.add_argument(
        "--out", type=Path, default=out_dir(), metavar="DIR",
        help="outputs folder with one <year>/ folder per build (default: out/)",
    )  # fmt: skip
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument(
        "--host", default="127.0.0.1", help="bind address (default 127.0.0.1, this machine only)"
    )
    args = parser.parse_args(argv)
    try:
        server = make_server(args.out, args.host, args.port)
    except OSError as exc:
        print(f"cicopa serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    host, port = server.server_address[:2]
    if not server.out_root.is_dir():
        _note(f"{server.out_root} does not exist yet; the page is empty until a year is built")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        _note(f"warning: the page has no login; anyone who reaches {host}:{port} can download")
    print(f"Serving {server.out_root} on http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\ncicopa serve: stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
