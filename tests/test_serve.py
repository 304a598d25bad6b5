"""`cicopa serve`: the public download page, over HTTP and in a real browser."""

from __future__ import annotations

import hashlib
import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builders import make_reference
from tests.web_helpers import chromium, page_errors, raw_request, running
from web.guard import CSP

SECRET = b"TOP SECRET, outside the out folder\n"
HOSTILE = '<img src=x onerror="alert(1)">.csv'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<p>CICOPA annual report</p>").write_pdf()


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """An out folder with two built years, and bait that must never be served."""
    root = tmp_path_factory.mktemp("serve")
    out = root / "out"
    _write(root / "secret.txt", SECRET)
    pdf = _pdf()
    files: dict[str, bytes] = {}
    for year in ("2024", "2025"):
        langs = ("en", "fr", "es") if year == "2025" else ("en",)
        for lang in langs:
            files[f"{year}/annual_report_{year}_{lang}.pdf"] = pdf
        files[f"{year}/statistics/by_area.csv"] = b"level,area_code\nglobal,WORLD\n"
        files[f"{year}/statistics/by_sector.csv"] = b"level,area_code,sector\n"
    files["2025/statistics/by_type.csv"] = b"level,area_code,cooperative_type\n"
    files["2025/statistics/sdmx/CICOPA_COOP_2025.csv"] = b"DATAFLOW,OBS_VALUE\n"
    # Member-level files: built, but never public.
    member_level = {
        "2025/validation/submissions.csv": b"file,sha256,status\n",
        "2025/validation/issues.csv": b"file,member_id,row\n",
        "2025/validation/tracker.csv": b"member_id,status\n",
        "2025/statistics/imputations.csv": b"member_id,measure\n",
    }
    for name, data in member_level.items():
        _write(out / name, data)
    _write(out / "feedback/2025/IT-ONE.pdf", pdf)
    files["2025/statistical_annex_2025.xlsx"] = b"PK\x03\x04 not really a workbook"
    for name, data in files.items():
        _write(out / name, data)
    # 2025 has a build record (with a hostile run id); 2024 has none: file times are shown.
    provenance = {
        "built_at": "2026-03-01T10:00:00+00:00",
        "orchestrator": {"name": "dagster", "run_id": "<script>alert(1)</script>"},
        "code_revision": {"commit": "5f80774abcdef", "uncommitted_changes": False},
        "outputs": [
            {"path": "annual_report_2025_en.pdf", "sha256": _sha(pdf)},
            {"path": "statistics/by_area.csv", "sha256": "0" * 64},  # changed since
        ],
    }
    files["2025/provenance.json"] = json.dumps(provenance).encode()
    _write(out / "2025/provenance.json", files["2025/provenance.json"])
    # Bait: hidden, unknown, hostile-named, symlinked and non-year files.
    _write(out / "2025/statistics/.hidden.csv", b"hidden")
    _write(out / "2025/notes.txt", b"notes")
    _write(out / "2025/statistics" / HOSTILE, b"hostile")
    _write(out / "2025/statistics/.by_area.csv.abc.tmp", b"partial")
    _write(out / "drafts/annual_report_drafts_en.pdf", pdf)
    (out / "2024/statistics/by_type.csv").symlink_to(root / "secret.txt")
    (out / "2023").symlink_to(root)  # a year folder that is a symlink
    raw_data = make_reference(root / "raw_data")
    with running(raw_data, out) as port:
        yield {"out": out, "port": port, "files": files, "pdf": pdf, "member_level": member_level}


def _raw(port: int, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    return raw_request(port, path, method)


def _get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def test_healthz(site):
    assert _get(site["port"], "/healthz")[::2] == (200, b"ok")


def test_index_lists_both_years_newest_first_with_size_hash_and_time(site):
    status, headers, body = _get(site["port"], "/")
    page = body.decode("utf-8")
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["content-security-policy"] == CSP
    assert "script-src" not in CSP and "unsafe-inline" not in CSP and "default-src 'none'" in CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert 0 < page.index('id="y2025"') < page.index('id="y2024"')
    for name, data in site["files"].items():
        year, relative = name.split("/", 1)
        assert f'href="/files/{year}/{relative}"' in page
        assert _sha(data) in page
    for language in ("English", "Français", "Español"):
        assert language in page
    annex = site["files"]["2025/statistical_annex_2025.xlsx"]
    assert f'title="{len(annex)} bytes">{len(annex)} B</td>' in page
    pdf_size = len(site["pdf"])
    assert f'title="{pdf_size:,} bytes">{pdf_size / 1000:.1f} kB</td>' in page
    assert "built 2026-03-01 10:00 UTC" in page and "code 5f80774" in page
    assert "no build record (times are file times)" in page  # 2024
    assert "✓ as recorded in provenance.json" in page  # the PDF
    assert "✗ differs from provenance.json" in page  # by_area.csv of 2025
    assert 'id="y2023"' not in page and "drafts" not in page


def test_the_public_page_lists_nothing_member_level_and_no_machine_path(site):
    page = _get(site["port"], "/")[2].decode()
    for name in site["member_level"]:
        assert name.split("/", 1)[1] not in page
    assert "validation" not in page and "tracker" not in page and "feedback" not in page
    assert str(site["out"]) not in page and "/tmp" not in page


@pytest.mark.parametrize(
    "path",
    [
        "/files/2025/validation/submissions.csv",
        "/files/2025/validation/issues.csv",
        "/files/2025/validation/tracker.csv",
        "/files/2025/statistics/imputations.csv",
        "/files/feedback/2025/IT-ONE.pdf",
        "/staff/files/2025/validation/issues.csv",  # the staff copy needs the token
    ],
)
def test_member_level_files_are_not_public(site, path):
    assert _raw(site["port"], path)[0] in (401, 404)


def test_index_escapes_and_never_lists_bait(site):
    page = _get(site["port"], "/")[2].decode()
    assert "<script" not in page and "&lt;script&gt;" in page  # the hostile run id
    assert "onerror" not in page  # the hostile file name is not an output name
    for bait in (".hidden.csv", "notes.txt", ".tmp", "2024/statistics/by_type.csv"):
        assert bait not in page


def test_a_pdf_downloads_byte_for_byte(site):
    status, headers, body = _get(site["port"], "/files/2025/annual_report_2025_fr.pdf")
    assert status == 200 and body == site["pdf"]
    assert headers["content-type"] == "application/pdf"
    assert headers["content-length"] == str(len(site["pdf"]))
    assert headers["content-disposition"] == 'attachment; filename="annual_report_2025_fr.pdf"'
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/files/2025/statistics/by_area.csv", "text/csv; charset=utf-8"),
        ("/files/2025/statistics/sdmx/CICOPA_COOP_2025.csv", "text/csv; charset=utf-8"),
        ("/files/2025/provenance.json", "application/json"),
        ("/files/2025/statistical_annex_2025.xlsx", XLSX),
        ("/files/2025/statistics/%62y_area.csv", "text/csv; charset=utf-8"),  # %62 is "b"
    ],
)
def test_each_kind_of_output_has_its_content_type(site, path, content_type):
    status, headers, body = _raw(site["port"], path)
    assert status == 200 and headers["content-type"] == content_type
    name = path.rsplit("/", 1)[1].replace("%62", "b")
    assert headers["content-disposition"] == f'attachment; filename="{name}"'
    year = path.split("/")[2]
    assert body == site["files"][f"{year}/{path.split('/', 3)[3].replace('%62', 'b')}"]


def test_head_sends_the_headers_only(site):
    status, headers, body = _raw(site["port"], "/files/2025/annual_report_2025_en.pdf", "HEAD")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == str(len(site["pdf"]))


@pytest.mark.parametrize(
    "path",
    [
        "/files/../secret",
        "/files/../secret.txt",
        "/files/2025/../../secret.txt",
        "/files/2025/%2e%2e/%2e%2e/secret.txt",
        "/files/2025/..%2f..%2fsecret.txt",
        "/files/2025/..%2F..%2Fsecret.txt",
        "/files/2025/%252e%252e/%252e%252e/secret.txt",
        "/files/%2e%2e%2f%2e%2e%2fetc/passwd",
        "//etc/passwd",
        "/files//etc/passwd",
        "/files/2025//etc/passwd",
        "/files/2025/..\\..\\secret.txt",
        "/files/2025/statistics/../provenance.json",  # dot segments, even staying inside
        "/files/2025/./provenance.json",
        "/files/2024/statistics/by_type.csv",  # symlink to a file outside
        "/files/2023/statistics/by_area.csv",  # year folder that is a symlink
        "/files/2025/statistics/.hidden.csv",
        "/files/2025/statistics/.by_area.csv.abc.tmp",
        "/files/2025/notes.txt",
        "/files/2025/statistics/%3Cimg%20src=x%20onerror=%22alert(1)%22%3E.csv",
        "/files/drafts/annual_report_drafts_en.pdf",
        "/files/2025/annual_report_2024_en.pdf",  # another year's name
        "/files/2025/statistics",
        "/files/2025/statistics/",
        "/files/2025/",
        "/files/2025",
        "/files/",
        "/secret.txt",
        "/files/2025/provenance.json%00.pdf",
        "/files/2025/%ff.csv",
    ],
)
def test_anything_but_an_output_is_404(site, path):
    status, headers, body = _raw(site["port"], path)
    assert status == 404, path
    assert body == b"404 not found\n"
    assert headers["content-type"] == "text/plain; charset=utf-8"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head_are_allowed(site, method):
    status, headers, _ = _raw(site["port"], "/files/2025/provenance.json", method)
    assert status == 405 and headers["allow"] == "GET, HEAD"


def test_an_empty_out_folder_says_nothing_is_published(tmp_path: Path):
    with running(make_reference(tmp_path / "raw"), tmp_path / "not-built-yet") as port:
        page = _get(port, "/")[2].decode()
    assert "No year has been published yet" in page


def test_server_is_local_by_default():
    from cicopa.settings import SERVE_HOST

    assert SERVE_HOST == "127.0.0.1"


# --- a real browser ---


@pytest.fixture
def browser() -> Iterator:
    with chromium() as instance:
        yield instance


def test_staff_open_the_page_and_download_a_report_in_chromium(site, browser, tmp_path: Path):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = page_errors(page)
    page.goto(f"http://127.0.0.1:{site['port']}/")

    assert page.title() == "CICOPA annual statistics — downloads"
    assert page.locator("#y2025 h2").is_visible() and page.locator("#y2024 h2").is_visible()
    assert page.locator("section.year h2").all_inner_texts()[0].startswith("2025")
    link = page.get_by_role("link", name="annual_report_2025_en.pdf")
    assert link.is_visible()
    assert page.locator("#y2025").get_by_text("Français", exact=True).is_visible()
    page.screenshot(path="/tmp/serve_index.png", full_page=True)

    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename == "annual_report_2025_en.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert saved.read_bytes() == site["pdf"]
    # Chromium hands a download to its download manager without a page "response" event,
    # so the headers are read with the page's own request context, from the link's href.
    href = link.get_attribute("href")
    assert href == "/files/2025/annual_report_2025_en.pdf"
    answer = page.request.get(f"http://127.0.0.1:{site['port']}{href}")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body() == site["pdf"]
    # The stylesheet passes the Content-Security-Policy; nothing else is loaded.
    assert (
        page.evaluate("getComputedStyle(document.querySelector('header')).borderBottomWidth")
        == "4px"
    )
    assert problems == []
    assert os.path.getsize("/tmp/serve_index.png") > 10_000
    context.close()
