"""The annual report renderer: content, untrusted text, the URL fetcher, determinism,
and the archival PDF (PDF/A-3, embedded data, outline, language)."""

from __future__ import annotations

import functools
import io
import os
import re
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader
from weasyprint import HTML

from reports.fetcher import STATIC_DIR, RefusedURLError, ReportURLFetcher
from reports.filters import fmt_change, fmt_int, fmt_pct, fmt_rate, fmt_usd_millions
from reports.model import BY_AREA_COLUMNS, ReportData
from reports.pdf import rendering_key
from reports.render import build_context, make_environment, render_html, render_pdf
from tests.pdf_text import page_texts

YEAR = 2025
IMG_NAME = '<img src="file:///etc/passwd"> & Co'
LINK_NAME = '<link rel="attachment" href="file:///etc/passwd">'
# What the pipeline embeds: the statistics as published, and the figures' provenance.
ATTACHMENTS = (
    ("by_area.csv", b"level,area_code\nglobal,WORLD\n"),
    ("by_sector.csv", b"level,area_code,sector\r\nglobal,WORLD,C\r\n"),
    ("provenance.json", bytes(range(256))),  # any bytes, kept exactly
)

# country: (name, region, sub-region, registered, reporting, enterprises, worker_members,
#           employees, producer_members, women, turnover_usd)
COUNTRIES = {
    "IT": ("Italy", "EUROPE", None, 2, 2, 40_000, 300_000, 400_000, 100_000, 380_000, 30e9),
    "FR": ("France", "EUROPE", None, 2, 1, 10_000, 60_000, 100_000, 40_000, 90_000, None),
    "US": ("United States", "AMERICAS", "NORTH_AMERICA", 1, 1, 500, 5_000, 2_000, 3_000, None,
           None),
    "BR": ("Brazil", "AMERICAS", "MERCOSUR", 1, 1, 7_000, 200_000, 150_000, 650_000, 400_000,
           None),
    "CO": ("Colombia", "AMERICAS", None, 1, 1, 500, 10_000, 20_000, 20_000, 25_000, None),
    "JP": ("Japan", "ASIA_PACIFIC", None, 1, 1, 10_000, 500_000, 300_000, 140_000, 470_000,
           None),
}  # fmt: skip
FIGURES = ("enterprises", "worker_members", "employees", "producer_members")


def _area_row(level, code, name, parent, rows):
    """One by_area row summed from country tuples (the fixture's own arithmetic)."""
    total = {f: sum(r[5 + i] for r in rows) for i, f in enumerate(FIGURES)}
    in_coops = total["worker_members"] + total["employees"]
    employed = in_coops + total["producer_members"]
    with_women = [r for r in rows if r[9] is not None]
    women = sum(r[9] for r in with_women) if with_women else None
    women_base = sum(r[6] + r[7] + r[8] for r in with_women)
    turnover = [r[10] for r in rows if r[10] is not None]
    registered, reporting = sum(r[3] for r in rows), sum(r[4] for r in rows)
    return {
        "level": level,
        "area_code": code,
        "area_name": name,
        "parent_code": parent,
        "members_registered": registered,
        "members_reporting": reporting,
        "response_rate": round(reporting / registered, 4),
        "countries_reporting": sum(1 for r in rows if r[4]),
        **total,
        "employment_in_cooperatives": in_coops,
        "employment_total": employed,
        "women": women,
        "women_share": round(women / women_base, 4) if with_women else None,
        "turnover_usd": sum(turnover) if turnover else None,
        "new_enterprises": None,
        "transfers": None,
    }


def _by_area() -> pl.DataFrame:
    rows = [_area_row("global", "WORLD", "World", None, COUNTRIES.values())]
    for region in ("AMERICAS", "ASIA_PACIFIC", "EUROPE"):  # no member in Africa
        members = [c for c in COUNTRIES.values() if c[1] == region]
        rows.append(_area_row("region", region, region.title(), "WORLD", members))
    for sub in ("MERCOSUR", "NORTH_AMERICA"):
        members = [c for c in COUNTRIES.values() if c[2] == sub]
        rows.append(_area_row("sub_region", sub, sub.title(), "AMERICAS", members))
    for code, c in sorted(COUNTRIES.items()):
        rows.append(_area_row("country", code, c[0], c[2] or c[1], [c]))
    schema = {c: pl.Int64 for c in BY_AREA_COLUMNS} | {
        "level": pl.String,
        "area_code": pl.String,
        "area_name": pl.String,
        "parent_code": pl.String,
        "response_rate": pl.Float64,
        "women_share": pl.Float64,
        "turnover_usd": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def _breakdown(key: str, rows: dict[str, tuple[int, int, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "level": "global",
                "area_code": "WORLD",
                key: code,
                "enterprises": e,
                "worker_members": w,
                "employees": m,
                "producer_members": p,
                "employment_in_cooperatives": w + m,
                "employment_total": w + m + p,
            }
            for code, (e, w, m, p) in rows.items()
        ]
    )


def make_data() -> ReportData:
    members = [
        ("IT-LEGA", "Lega Test Cooperative", "IT", "Italy", "EUROPE"),
        ("IT-EVIL", IMG_NAME, "IT", "Italy", "EUROPE"),
        ("FR-LINK", LINK_NAME, "FR", "France", "EUROPE"),
        ("US-USFWC", "Worker Cooperatives of the United States", "US", "United States",
         "AMERICAS"),
        ("BR-OCB", "Cooperativas do Brasil", "BR", "Brazil", "AMERICAS"),
        ("CO-CONF", "Confederación de Colombia", "CO", "Colombia", "AMERICAS"),
        ("JP-JWCU", "Japan Workers' Cooperative Union", "JP", "Japan", "ASIA_PACIFIC"),
    ]  # fmt: skip
    submissions = [
        (f"{m[0]}.csv", "0" * 64, "csv", m[0], "2026-02-01", "accepted", 3, 0, 0) for m in members
    ]
    submissions += [
        ("IT-LEGA-old.csv", "1" * 64, "csv", "IT-LEGA", "2026-01-15", "superseded", 3, 0, 0),
        ("FR-OTHER.json", "2" * 64, "json", "FR-OTHER", None, "rejected", 2, 4, 1),
        ("<script>x</script>.xlsx", "3" * 64, "xlsx", None, None, "unreadable", 0, 1, 0),
    ]
    return ReportData(
        year=YEAR,
        by_area=_by_area(),
        by_sector=_breakdown(
            "sector",
            {
                "A": (7_000, 100_000, 50_000, 700_000),
                "C": (30_000, 600_000, 300_000, 100_000),
                "F": (11_000, 275_000, 222_000, 103_000),
                "Q": (20_000, 100_000, 400_000, 50_000),
            },
        ),
        by_type=_breakdown(
            "cooperative_type",
            {
                "worker": (40_000, 900_000, 400_000, 0),
                "social": (20_000, 150_000, 500_000, 3_000),
                "producer": (8_000, 25_000, 72_000, 950_000),
            },
        ),
        submissions=pl.DataFrame(
            submissions,
            schema=[
                "file",
                "sha256",
                "format",
                "member_id",
                "submitted_at",
                "status",
                "rows",
                "errors",
                "warnings",
            ],
            orient="row",
        ),
        reporting_members=pl.DataFrame(
            members, schema=["member_id", "name", "country", "country_name", "region"], orient="row"
        ).sort("member_id"),
        fx_rates=pl.DataFrame(
            {"year": [YEAR, YEAR], "currency": ["EUR", "USD"], "per_usd": [0.885, 1.0]}
        ),
        fx_source="Annual average rates from the test fixture.",
    )


# Persons employed and enterprises a year before, and the members that joined or left:
# 2023 was never built, so the trends show 2024 and 2025 and say so.
TRENDS_2024 = {  # area: (members reporting, registered, enterprises, persons employed)
    "WORLD": (6, 7, 64_000, 2_900_000),
    "AMERICAS": (3, 3, 7_000, 1_000_000),
    "ASIA_PACIFIC": (1, 1, 10_000, 950_000),
    "EUROPE": (2, 3, 47_000, 950_000),
}
MEMBERSHIP_CHANGES = [
    ("IT-EVIL", IMG_NAME, "Italy", "joined", YEAR - 1),
    ("GH-OLD", "Ghana Old Cooperative", "Ghana", "left", YEAR),
]


def make_data_with_trends() -> ReportData:
    """``make_data`` plus what the trends chapter needs (ReportData's newer fields)."""
    base = make_data()
    current = base.by_area.filter(pl.col("level").is_in(["global", "region"]))
    rows = [
        {
            "year": YEAR,
            "level": r["level"],
            "area_code": r["area_code"],
            "members_reporting": r["members_reporting"],
            "members_registered": r["members_registered"],
            "enterprises": r["enterprises"],
            "employment_total": r["employment_total"],
        }
        for r in current.to_dicts()
    ]
    for code, (reporting, registered, enterprises, persons) in TRENDS_2024.items():
        rows.append(
            {
                "year": YEAR - 1,
                "level": "global" if code == "WORLD" else "region",
                "area_code": code,
                "members_reporting": reporting,
                "members_registered": registered,
                "enterprises": enterprises,
                "employment_total": persons,
            }
        )
    changes = pl.DataFrame(
        MEMBERSHIP_CHANGES,
        schema=["member_id", "name", "country_name", "change", "year"],
        orient="row",
    )
    # statistics/trends.csv of the pair (2024, 2025): every reporting member reported in
    # both years (continuing sums = the totals; nothing joined, resumed, left or stopped).
    now = {r["area_code"]: r for r in current.to_dicts()}
    series = pl.DataFrame(
        [
            {
                "level": "global" if code == "WORLD" else "region",
                "area_code": code,
                "measure": measure,
                "previous_year": YEAR - 1,
                "year": YEAR,
                "previous_value": before,
                "value": now[code][measure],
                "continuing_members": reporting,
                "continuing_previous": before,
                "continuing_value": now[code][measure],
                "joined_value": 0,
                "resumed_value": 0,
                "left_value": 0,
                "stopped_value": 0,
                "change": round(now[code][measure] / before - 1, 4),
                "change_like_for_like": round(now[code][measure] / before - 1, 4),
            }
            for code, (reporting, _registered, enterprises, persons) in TRENDS_2024.items()
            for measure, before in (("enterprises", enterprises), ("employment_total", persons))
        ]
    )
    return ReportData(
        **{
            **base.__dict__,
            "trends": pl.DataFrame(rows),
            "membership_changes": changes,
            "series_trends": series,
        }
    )


def _text(pdf: bytes) -> str:
    """The PDF's text, white space runs (line breaks in table cells) made one space.

    pypdf reads a kerned "r," as "r ,", so a space before a comma is dropped too.
    """
    text = " ".join(" ".join(page_texts(pdf)).split())
    return text.replace(" ,", ",")


@functools.cache
def archived_report(lang: str) -> bytes:
    """The fixture's report as the pipeline writes it (its data embedded), once per process.

    Rendering is the slow part of these tests; the modules that read the same report
    (this one, tests/test_i18n.py) share one rendering per language.
    """
    return render_pdf(make_data_with_trends(), lang=lang, attachments=ATTACHMENTS)


@functools.cache
def plain_report() -> bytes:
    """``make_data`` (no trends: an older caller) in English, with one attachment; shared
    with tests/test_report_publication.py, which reads it as a real (not sample) report."""
    return render_pdf(make_data(), "en", attachments=(("by_area.csv", b"level\nglobal\n"),))


@pytest.fixture(scope="module")
def data() -> ReportData:
    return make_data_with_trends()


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return archived_report("en")


@pytest.fixture(scope="module")
def archived() -> bytes:
    """The English report as the pipeline writes it: with its data embedded."""
    return archived_report("en")


@pytest.fixture(scope="module")
def text(pdf: bytes) -> str:
    return _text(pdf)


# --- 1. Content -------------------------------------------------------------------------


def test_fixture_ties_to_the_public_headline():
    assert sum(c[5] for c in COUNTRIES.values()) == 68_000
    assert sum(c[6] + c[7] + c[8] for c in COUNTRIES.values()) == 3_000_000


def test_pdf_has_pages_and_metadata(pdf: bytes):
    reader = PdfReader(io.BytesIO(pdf))
    assert pdf.startswith(b"%PDF-")
    assert len(reader.pages) > 5
    assert reader.metadata.title == f"CICOPA Annual Statistics {YEAR}"
    assert reader.metadata.author == "CICOPA"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged for screen readers
    # No build time in the document: the same data give the same file.
    assert "/CreationDate" not in reader.trailer["/Info"]
    assert "/ModDate" not in reader.trailer["/Info"]


def test_headline_figures_are_formatted_for_people(text: str):
    # Expected strings written out by hand from the fixture above.
    for expected in (
        f"CICOPA Annual Statistics {YEAR}",
        "Worker, social and producers' cooperatives",
        "68,000",  # enterprises: 40,000 + 10,000 + 500 + 7,000 + 500 + 10,000
        "3,000,000",  # persons employed
        "2,047,000",  # employment in cooperatives: 1,075,000 worker-members + 972,000 employees
        "953,000",  # employment within the scope of cooperatives: producer-members
        "45.7 %",  # women 1,365,000 of 2,990,000 persons in the rows that report women
        "75.0 %",  # Europe: 3 of 4 registered members reported
        "1,000,000",  # Europe: 800,000 + 200,000 persons employed
        "US$ 30,000.0 million",  # turnover, only Italy reports it
    ):
        assert expected in text, expected


def test_regions_and_sub_regions_use_their_display_names(text: str):
    for name in (
        "Europe (CECOP – CICOPA Europe)",
        "Americas (CICOPA Americas)",
        "North America (CICOPA North America)",
        "Mercosur (CICOPA Mercosur)",
        "Asia-Pacific",
    ):
        assert name in text, name
    # Africa has no member, yet it is named rather than left out.
    assert "No member organisation of CICOPA is registered in Africa" in text


def test_sectors_and_types_are_named_in_words(text: str):
    for name in (
        "A Agriculture, forestry and fishing",
        "C Manufacturing",
        "F Construction",
        "Q Human health and social work activities",
        "Worker cooperatives",
        "Social cooperatives",
        "Producers' cooperatives",
    ):
        assert name in text, name


def test_coverage_methodology_and_countries(text: str):
    for expected in (
        "Italy",
        "Colombia",
        "Japan",
        "Guidelines concerning statistics of cooperatives",
        "Annual average rates from the test fixture.",
        "0.885",
        "superseded",
        "Lega Test Cooperative",
        "Japan Workers' Cooperative Union",
        "3 / 4",  # members reporting / registered in Europe
    ):
        assert expected in text, expected


def test_a_year_without_figures_still_renders(data: ReportData):
    empty = ReportData(
        year=YEAR,
        by_area=data.by_area.clear(),
        by_sector=data.by_sector.clear(),
        by_type=data.by_type.clear(),
        submissions=data.submissions.clear(),
        reporting_members=data.reporting_members.clear(),
        fx_rates=data.fx_rates.clear(),
        fx_source="No rate was needed.",
    )
    html = render_html(empty)
    assert "No member organisation of CICOPA is registered in Europe" in html
    assert "No member organisation reported for 2025." in html


def test_report_data_names_missing_columns(data: ReportData):
    with pytest.raises(ValueError, match="by_area lacks the column"):
        ReportData(**{**data.__dict__, "by_area": data.by_area.drop("women_share")})


# --- 2. Untrusted text and the URL fetcher ----------------------------------------------


def test_markup_in_member_names_is_shown_as_text(text: str):
    assert IMG_NAME in text
    assert LINK_NAME in text


def test_markup_in_member_names_is_escaped_in_html(data: ReportData):
    html = render_html(data)
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt; &amp; Co" in html
    assert "<img" not in html
    assert '<link rel="attachment"' not in html
    assert "<script>" not in html


def test_environment_escapes_every_template():
    env = make_environment()
    assert env.autoescape("report.html.j2") is True
    assert env.autoescape("macros.html.j2") is True
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"


def _embedded_names(reader: PdfReader) -> set[str]:
    names = reader.trailer["/Root"].get("/Names")
    if names is None or "/EmbeddedFiles" not in names.get_object():
        return set()
    tree = names.get_object()["/EmbeddedFiles"].get_object()["/Names"]
    return {str(name) for name in tree[0::2]}


def _assert_nothing_embedded(pdf: bytes, allowed: frozenset[str] = frozenset()) -> None:
    """No file in the PDF but the ``allowed`` attachments, no file annotation, no image."""
    reader = PdfReader(io.BytesIO(pdf))
    assert _embedded_names(reader) == set(allowed)
    assert set(reader.attachments) == set(allowed)
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            assert annot.get_object().get("/Subtype") != "/FileAttachment"
        resources = page.get("/Resources") or {}
        xobjects = resources.get_object().get("/XObject") if resources else None
        for xobject in xobjects.get_object().values() if xobjects else []:
            assert xobject.get_object().get("/Subtype") != "/Image"


def test_injected_markup_adds_no_attachment_to_the_intended_ones(archived: bytes):
    # The member names carry <link rel="attachment" href="file:///etc/passwd">: only the
    # files the pipeline passed are in the PDF, and the charts are vectors (no image).
    _assert_nothing_embedded(archived, allowed=frozenset(name for name, _ in ATTACHMENTS))


def test_untrusted_text_in_every_new_place_is_escaped(data: ReportData):
    hostile = ReportData(
        **{
            **data.__dict__,
            "fx_source": "<b>rates</b> & <script>x</script>",
            "membership_changes": data.membership_changes.with_columns(
                country_name=pl.lit("<i>Nowhere</i>")
            ),
        }
    )
    html = render_html(hostile, "fr", attachments=[("<img src=x>.csv", b"1")])
    assert "&lt;b&gt;rates&lt;/b&gt; &amp; &lt;script&gt;" in html
    assert "&lt;i&gt;Nowhere&lt;/i&gt;" in html
    assert "&lt;img src=x&gt;.csv" in html
    assert "<script>" not in html and "<img" not in html and "<i>Nowhere" not in html


def test_fetcher_stops_injected_markup_that_slipped_through(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the report")
    injected = (
        f'<html><body><p>x</p><link rel="attachment" href="{secret.as_uri()}">'
        f'<img src="{secret.as_uri()}"><img src="https://example.org/x.png"></body></html>'
    )
    # WeasyPrint's own fetcher would embed the local file: the test can see an attachment.
    unsafe = HTML(string=injected, base_url=STATIC_DIR.as_uri() + "/").write_pdf()
    assert PdfReader(io.BytesIO(unsafe)).attachments
    # The report's fetcher refuses it: nothing is embedded.
    safe = HTML(
        string=injected, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=ReportURLFetcher()
    ).write_pdf()
    _assert_nothing_embedded(safe)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "https://example.org/x.css",
        "http://127.0.0.1/x.css",
        "ftp://example.org/x.css",
        "file://evil.example/etc/passwd",
        (STATIC_DIR / "..").as_uri() + "/model.py",
        STATIC_DIR.as_uri() + "/../../pyproject.toml",
        STATIC_DIR.as_uri() + "/%2e%2e/model.py",
        STATIC_DIR.as_uri() + "/fonts/missing.ttf",
        STATIC_DIR.as_uri() + "/fonts",  # a folder, not a file
    ],
)
def test_fetcher_refuses(url: str):
    with pytest.raises(RefusedURLError):
        ReportURLFetcher().fetch(url)


def test_fetcher_refuses_a_symlink_out_of_the_allowed_folders(tmp_path: Path):
    allowed = tmp_path / "static"
    allowed.mkdir()
    outside = tmp_path / "outside.css"
    outside.write_text("body { color: red }")
    (allowed / "link.css").symlink_to(outside)
    (allowed / "own.css").write_text("p { color: blue }")
    fetcher = ReportURLFetcher(allowed_dirs=[allowed])
    with pytest.raises(RefusedURLError):
        fetcher.fetch((allowed / "link.css").as_uri())
    response = fetcher.fetch((allowed / "own.css").as_uri())
    assert response.read() == b"p { color: blue }"


def test_fetcher_allows_static_files_and_data_urls():
    fetcher = ReportURLFetcher()
    response = fetcher.fetch((STATIC_DIR / "report.css").as_uri())
    assert response.content_type == "text/css"
    assert b"@font-face" in response.read()
    font = fetcher.fetch((STATIC_DIR / "fonts" / "NotoSans-Regular.ttf").as_uri())
    assert len(font.read()) > 10_000
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"


# --- 3. Determinism and number formats --------------------------------------------------


def test_same_inputs_give_byte_identical_pdfs(data: ReportData):
    """A second rendering, from a fresh copy of the data, gives the first one's bytes.

    In English only: the languages share every line of the renderer, and the others'
    determinism shows in tests/test_triggers.py, where three builds give the same bytes.
    """
    before = os.environ.get("SOURCE_DATE_EPOCH")
    first = archived_report("en")
    second = render_pdf(data, lang="en", attachments=ATTACHMENTS)
    assert first == second
    assert os.environ.get("SOURCE_DATE_EPOCH") == before  # the environment is restored
    # No build time anywhere: no document dates; the identifier is a digest of the content.
    reader = PdfReader(io.BytesIO(first))
    assert "/CreationDate" not in reader.trailer["/Info"]
    assert reader.trailer["/ID"][0] == reader.trailer["/ID"][1]


def test_the_rendering_key_changes_with_every_input_of_the_pdf(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rebuild reuses a PDF only for the very same HTML, year, language, attachments,
    SOURCE_DATE_EPOCH and renderer (reports.pdf.report_pdf)."""
    import reports.pdf

    html = "<html><body><p>68,000 enterprises</p></body></html>"
    key = rendering_key(html, YEAR, "en", ATTACHMENTS)
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert rendering_key(html, YEAR, "en", list(ATTACHMENTS)) == key
    changed_bytes = ((ATTACHMENTS[0][0], ATTACHMENTS[0][1] + b"x"), *ATTACHMENTS[1:])
    renamed = (("by_areas.csv", ATTACHMENTS[0][1]), *ATTACHMENTS[1:])
    others = {
        "html": rendering_key(html.replace("68,000", "68,001"), YEAR, "en", ATTACHMENTS),
        "year": rendering_key(html, YEAR + 1, "en", ATTACHMENTS),
        "language": rendering_key(html, YEAR, "fr", ATTACHMENTS),
        "attachment bytes": rendering_key(html, YEAR, "en", changed_bytes),
        "attachment name": rendering_key(html, YEAR, "en", renamed),
        "no attachment": rendering_key(html, YEAR, "en", ()),
    }
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    others["SOURCE_DATE_EPOCH"] = rendering_key(html, YEAR, "en", ATTACHMENTS)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    # Another renderer (a library upgraded, a font or the CSS changed).
    monkeypatch.setattr(reports.pdf, "_renderer_fingerprint", lambda: b"another renderer")
    others["renderer"] = rendering_key(html, YEAR, "en", ATTACHMENTS)
    assert len({key, *others.values()}) == len(others) + 1, others


@pytest.mark.parametrize(
    ("function", "value", "expected"),
    [
        (fmt_int, 68_000, "68,000"),
        (fmt_int, 3_000_000, "3,000,000"),
        (fmt_int, 0, "0"),
        (fmt_int, 2.5, "3"),
        (fmt_int, None, "–"),
        (fmt_int, float("nan"), "–"),
        (fmt_pct, 0.4823, "48.2 %"),
        (fmt_pct, 0.4565, "45.7 %"),  # half up, as the 4-decimal statistics are written
        (fmt_pct, 0.00001, "0.0 %"),
        (fmt_pct, 1.0, "100.0 %"),
        (fmt_pct, None, "–"),
        (fmt_usd_millions, 1_234_500_000.0, "US$ 1,234.5 million"),
        (fmt_usd_millions, None, "–"),
        (fmt_change, 0.0625, "+6.3 %"),
        (fmt_change, -0.013, "\u22121.3 %"),  # a true minus sign
        (fmt_change, 0.0, "0.0 %"),
        (fmt_rate, 0.885, "0.885"),
        (fmt_rate, 1150.0, "1,150"),
    ],
)
def test_number_formats(function, value, expected):
    assert function(value) == expected


# --- 4. Archival PDF: PDF/A-3, embedded data, language, outline ---------------------------


def test_attachments_are_embedded_byte_for_byte(archived: bytes):
    reader = PdfReader(io.BytesIO(archived))
    assert reader.attachments == {name: [content] for name, content in ATTACHMENTS}


def test_attachments_are_associated_files_with_fixed_dates(archived: bytes):
    reader = PdfReader(io.BytesIO(archived))
    catalog = reader.trailer["/Root"]
    specs = {str(spec.get_object()["/UF"]): spec.get_object() for spec in catalog["/AF"]}
    assert set(specs) == {name for name, _ in ATTACHMENTS}
    assert specs["by_area.csv"]["/AFRelationship"] == "/Data"
    assert specs["provenance.json"]["/AFRelationship"] == "/Supplement"
    assert "world, regions, sub-regions and countries" in specs["by_area.csv"]["/Desc"]
    for spec in specs.values():
        params = spec["/EF"]["/F"].get_object()["/Params"]
        # 1 January after the reference year, never the time of the build.
        assert params["/CreationDate"] == params["/ModDate"] == f"D:{YEAR + 1}0101000000Z"


def test_pdf_a3_identification_and_metadata(archived: bytes):
    reader = PdfReader(io.BytesIO(archived))
    catalog = reader.trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data().decode()
    assert re.search(r'pdfaid:part="3"', xmp)
    assert re.search(r'pdfaid:conformance="A"', xmp)  # PDF/A-3a: tagged
    assert f"CICOPA Annual Statistics {YEAR}" in xmp
    assert "/StructTreeRoot" in catalog
    assert catalog["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    assert catalog["/Lang"] == "en"
    info = reader.metadata
    assert info.title == f"CICOPA Annual Statistics {YEAR}"
    assert info.author == "CICOPA"
    assert info.subject.startswith("Statistics of the worker, social and producers'")
    assert "cooperatives" in reader.trailer["/Info"]["/Keywords"]


def _outline(reader: PdfReader) -> list[tuple[str, list[str]]]:
    """The outline as (chapter, [its sections])."""
    tree: list[tuple[str, list[str]]] = []
    for item in reader.outline:
        if isinstance(item, list):
            tree[-1][1].extend(child.title for child in item if not isinstance(child, list))
        else:
            tree.append((item.title, []))
    return tree


def test_outline_has_the_chapters_and_their_sections(archived: bytes):
    tree = _outline(PdfReader(io.BytesIO(archived)))
    assert [chapter for chapter, _ in tree] == [
        "Contents",
        "Executive summary",
        "Key figures",
        "Global overview",
        "Trends",
        "Regions",
        "Countries",
        "Cooperative types and sectors",
        "Data coverage and quality",
        "Methodology",
        "Annex",
    ]
    sections = dict(tree)
    assert sections["Regions"] == [
        "Africa",
        "Americas (CICOPA Americas)",
        "Asia-Pacific",
        "Europe (CECOP – CICOPA Europe)",
    ]
    assert "Exchange rates" in sections["Methodology"]
    assert sections["Annex"] == [
        "A. Reporting member organisations",
        "B. Exchange rates",
        "C. Data files embedded in this document",
    ]


def test_embedded_files_are_listed_in_the_annex(archived: bytes):
    text = _text(archived)
    assert "C. Data files embedded in this document" in text
    assert "by_area.csv" in text and "provenance.json" in text


def test_pages_are_numbered_page_x_of_y(pdf: bytes):
    pages = page_texts(pdf)
    assert "Page" not in pages[0]  # the cover has no footer
    assert f"Page 2 of {len(pages)}" in pages[1]


def test_render_refuses_unknown_languages_and_bad_attachments(data: ReportData):
    with pytest.raises(ValueError, match="language"):
        render_html(data, "de")
    with pytest.raises(ValueError, match="two attachments"):
        render_pdf(data, attachments=[("a.csv", b"1"), ("a.csv", b"2")])
    with pytest.raises(ValueError, match="plain file name"):
        render_pdf(data, attachments=[("../a.csv", b"1")])
    with pytest.raises(TypeError, match="bytes"):
        render_pdf(data, attachments=[("a.csv", "text")])


# --- 5. Trends, figures -------------------------------------------------------------------


def test_trends_compare_the_years_that_were_built(text: str):
    assert f"No statistics were built for {YEAR - 2}" in text
    # 2023 is not a column: the table runs from 2024 to 2025 with one change.
    assert f"Area and indicator {YEAR - 1} {YEAR} Change {YEAR - 1}–{YEAR}" in text
    assert f"Change {YEAR - 2}" not in text
    for expected in (
        "2,900,000 3,000,000 +3.4 %",  # world, persons employed
        "64,000 68,000 +6.3 %",  # world, enterprises: +6.25 % rounded half up
        "950,000 1,000,000 +5.3 %",  # Europe, persons employed
        # Every member reported in both years: like for like is the same change.
        "Persons employed 950,000 1,000,000 +5.3 % like for like +5.3 %",
    ):
        assert expected in text, expected


def test_trends_name_the_members_that_joined_or_left(text: str):
    assert f"Joined CICOPA in {YEAR - 1}: {IMG_NAME} (Italy)." in text
    assert f"Left CICOPA in {YEAR}: Ghana Old Cooperative (Ghana)." in text


def test_old_callers_without_trends_still_render():
    text = _text(plain_report())
    assert "Trends" in text
    assert "No statistics of earlier years were available to this report" in text
    assert "Table 3. Members, enterprises and employment by country" in text  # no gap


def test_every_figure_is_numbered_and_points_to_its_table(data: ReportData, text: str):
    for expected in (
        f"Figure 1. Persons employed by region, {YEAR} The figures are printed in Table 1.",
        f"Figure 2. Persons employed by country, {YEAR}",
        f"Figure 3. Enterprises by type of cooperative, {YEAR}",
        f"Figure 4. Persons employed by economic activity, {YEAR}",
        f"Figure 5. Response rate by region, {YEAR}",
        # The map's country table: after regions, composition, the like-for-like bridge,
        # the like-for-like change by region and the trends, it is Table 6.
        "The figures are printed in Table 6.",
    ):
        assert expected in text, expected
    # No figure of the trends: an index of a region's persons employed would be a
    # figure of no published CSV.
    assert "Figure 6" not in text
    html = render_html(data)
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 5
    assert 'role="img"' in html


def test_trends_print_the_values_of_trends_csv(data: ReportData):
    # The table's figures are trends.csv's, whatever the older yearly totals say.
    other = ReportData(**{**data.__dict__, "trends": data.trends.with_columns(enterprises=1)})
    assert build_context(other)["trends"] == build_context(data)["trends"]
    world = build_context(data)["trends"]["areas"][0]["indicators"]
    assert world[0]["by_year"] == {YEAR - 1: 64_000, YEAR: 68_000}
    # 68,000 / 64,000 - 1 = 6.25 %, unrounded until printed.
    assert world[0]["changes"] == {YEAR: 0.0625}
