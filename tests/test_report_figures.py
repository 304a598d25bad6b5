"""Every number printed in the English report is a published figure (SPEC 3, "Figures
printed in the report").

The bundled sample is built for real (`cicopa build`, English only: one full build of
about two minutes, shared by the module). The text of each chapter of the PDF (chapters
from the PDF outline) is cut into numbers, and each number must be one of:

- a value of a published CSV (statistics/*.csv, validation/*.csv, revisions.csv; and the
  exchange rates of reference/fx_rates.csv that Annex B reprints), formatted for English;
- a ratio of two published values that the report names (a share of a total, a response
  rate, the women's share over its coverage base, a change, a coverage, the estimated
  share), formatted once from the unrounded quotient;
- a number of the prose on the short allow-list below (years, table and figure numbers,
  the methodology's constants).

A figure the renderer computes itself (a sum of rows, a difference, an index) is found
in no CSV and fails the test, in the chapter that prints it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from reports.filters import NumberFormat
from reports.worldmap import legend_values

YEAR = 2025
SAMPLE = Path(__file__).resolve().parents[1] / "raw_data"
EN = NumberFormat("en")

# Numbers of the prose, by what they are. Each is checked in the chapter that prints it.
PROSE = {
    # The reference year, the years of the trend window, the publication year.
    **{str(y): "year" for y in range(YEAR - 3, YEAR + 2)},
    "2018": "ILO Guidelines concerning statistics of cooperatives (2018)",
    "20": "the 20th International Conference of Labour Statisticians",
    "3": "imputation looks back three years (Y-3..Y-1)",
    "4": "ISIC Rev.4 / the ratio's decimals of the statistics files",
    "6": "imputation ratios are published with 6 decimals",
    "2": "NACE Rev.2",
    "1": "edition number / ISO 3166-1",
    "4217": "ISO 4217 currency codes",
    "50": "the warning threshold of a figure that changed by more than 50 %",
}
# Text that names things with digits and is not a figure: struck before numbers are read.
NOT_FIGURES = re.compile(
    r"Page \d+ of \d+"  # the page footer
    r"|(?:Table|Figure) (?:A\.)?\d+"  # table and figure numbers
    r"|\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October"
    r"|November|December) \d{4}"  # the publication date
    r"|https?://\S+|\S+@\S+"  # the licence's address, the contact
    r"|CC BY 4\.0|Attribution 4\.0|PDF/A-3a?|PDF/A-\d"
    r"|\b\d{4}[–-]\d{4}\b"  # a span of years: both ends are years
    r"|(?:\. ){2,}\.? ?\d+"  # a page number after the contents' leader dots
    r"|\b[\w.-]+\.(?:csv|json|xml|xlsx)\b"  # an embedded file's name
)
# A number as English prints it: 3,000,000 / 42.7 / 0.885; a per cent sign may follow.
# A run of digits, group commas and a decimal part, a per cent sign after it. Table cells
# may run together in the extracted text ("1,100,000100.0 %"): ``numbers`` splits a run
# where a digit follows a complete group.
RUN = re.compile(r"(?<![\d.,])\d[\d,]*(?:\.\d+)?(?:\s?%)?")
GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+")


# --- the published figures, formatted -----------------------------------------------


def _csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def _ratio(part: float | None, whole: float | None) -> float | None:
    return None if part is None or not whole else part / whole


def published_values(year_dir: Path, raw_data: Path) -> set[str]:
    """Every numeric cell of the published CSVs, in each way the report formats it."""
    out: set[str] = set()
    files = [*sorted((year_dir / "statistics").glob("*.csv")),
             *sorted((year_dir / "validation").glob("*.csv"))]  # fmt: skip
    if (year_dir / "revisions.csv").exists():
        files.append(year_dir / "revisions.csv")
    for path in files:
        for row in _csv_rows(path):
            for column, text in row.items():
                value = _number(text)
                if value is None:
                    continue
                if column == "turnover_usd":
                    out.add(EN.millions(value))
                elif value == int(value):
                    out.add(EN.int(value))
                # 4-decimal shares and changes are deliberately not added: a printed share
                # comes from the counts (ratios below), never from the rounded column.
    for row in _csv_rows(raw_data / "reference" / "fx_rates.csv"):
        if int(row["year"]) == YEAR:
            out.add(EN.rate(float(row["per_usd"])))
    return out


def _pct_forms(ratio: float | None) -> Iterator[str]:
    if ratio is not None:
        yield EN.pct(abs(ratio), 1)
        yield EN.pct(abs(ratio), 0)


def published_ratios(year_dir: Path) -> set[str]:
    """The ratios the report prints, each from two unrounded published values."""
    stats = year_dir / "statistics"
    by_area = pl.read_csv(stats / "by_area.csv")
    areas = {(r["level"], r["area_code"]): r for r in by_area.to_dicts()}
    world = areas[("global", "WORLD")]
    ratios: list[float | None] = []
    for row in areas.values():
        total = row["employment_total"]
        ratios.append(_ratio(row["members_reporting"], row["members_registered"]))
        for part in ("worker_members", "employees", "employment_in_cooperatives",
                     "producer_members"):  # fmt: skip
            ratios.append(_ratio(row[part], total))
        # A share of a total: of the world, of its region or sub-region (its parent).
        ratios.append(_ratio(total, world["employment_total"]))
        for level in ("region", "sub_region"):
            parent = areas.get((level, row["parent_code"]))
            if parent:
                ratios.append(_ratio(total, parent["employment_total"]))
    coverage = pl.read_csv(stats / "coverage.csv")
    for row in coverage.to_dicts():
        ratios.append(_ratio(row["employment_total_item"], row["employment_total"]))
        area = areas.get((row["level"], row["area_code"]))
        if row["item"] == "women" and area:
            ratios.append(_ratio(area["women"], row["employment_total_item"]))
    for name in ("by_sector.csv", "by_type.csv"):
        for row in pl.read_csv(stats / name).filter(pl.col("level") == "global").to_dicts():
            ratios.append(_ratio(row["enterprises"], world["enterprises"]))
            ratios.append(_ratio(row["employment_total"], world["employment_total"]))
    for row in pl.read_csv(stats / "estimates.csv").to_dicts():
        ratios.append(_ratio(row["employment_total_imputed"], row["employment_total"]))
    for row in pl.read_csv(stats / "trends.csv").to_dicts():
        for before, after in (("previous_value", "value"),
                              ("continuing_previous", "continuing_value")):  # fmt: skip
            quotient = _ratio(row[after], row[before])
            ratios.append(None if quotient is None else quotient - 1)
    return {form for r in ratios for form in _pct_forms(r)}


def file_counts(year_dir: Path) -> set[str]:
    """Counts of validation/submissions.csv that the data-quality chapter prints: its
    rows per status and in all, and the data rows of the accepted files (an auditor
    counts them in the published file)."""
    files = pl.read_csv(year_dir / "validation" / "submissions.csv")
    counts = [files.height, files.filter(pl.col("status") == "accepted")["rows"].sum()]
    counts += files["status"].value_counts()["count"].to_list()
    return {EN.int(n) for n in counts}


def attachment_sizes(pdf: Path) -> set[str]:
    """Annex C's sizes: the bytes of each file embedded in the PDF, read from the PDF."""
    return {EN.int(len(c)) for contents in PdfReader(pdf).attachments.values() for c in contents}


def map_legend(year_dir: Path) -> set[str]:
    """The map's reference circles (rounded scale values, like an axis's graduations)."""
    countries = pl.read_csv(year_dir / "statistics" / "by_area.csv").filter(
        (pl.col("level") == "country") & (pl.col("members_reporting") > 0)
    )
    return {EN.int(v) for v in legend_values(float(countries["employment_total"].max()))}


# --- the printed numbers ---------------------------------------------------------------


def chapters(pdf: Path) -> dict[str, str]:
    """The text of each chapter (top-level outline entry), from its first page to the
    page before the next chapter."""
    reader = PdfReader(pdf)
    starts = [(e.title, reader.get_destination_page_number(e))
              for e in reader.outline if not isinstance(e, list)]  # fmt: skip
    out = {}
    for i, (title, first) in enumerate(starts):
        last = starts[i + 1][1] if i + 1 < len(starts) else len(reader.pages)
        pages = reader.pages[first : max(last, first + 1)]
        out[title] = " ".join(" ".join(p.extract_text() for p in pages).split())
    return out


def numbers(text: str) -> list[str]:
    """The numbers of a text, as printed (sign dropped: "−864" reads "864")."""
    text = NOT_FIGURES.sub(" ", text)
    found = []
    for run in RUN.findall(text):
        run = run.rstrip(",")
        while (
            (grouped := GROUPED.match(run))
            and grouped.end() < len(run)
            and run[grouped.end()].isdigit()
        ):
            found.append(grouped.group())
            run = run[grouped.end() :]
        found.append(re.sub(r"\s?%$", " %", run))
    return found


def unexplained(text: str, allowed: set[str]) -> list[str]:
    return [n for n in numbers(text) if n not in allowed and n not in PROSE]


# --- the build ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.cli import main

    root = tmp_path_factory.mktemp("figures")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(root / "home"))
        out = root / "out"
        code = main(["build", "--year", str(YEAR), "--raw-data", str(SAMPLE), "--out", str(out),
                     "--lang", "en"])  # fmt: skip
    assert code == 0
    return out / str(YEAR)


@pytest.fixture(scope="module")
def allowed(built: Path) -> set[str]:
    pdf = built / f"annual_report_{YEAR}_en.pdf"
    return (
        published_values(built, SAMPLE)
        | published_ratios(built)
        | file_counts(built)
        | map_legend(built)
        | attachment_sizes(pdf)
    )


@pytest.fixture(scope="module")
def report(built: Path) -> dict[str, str]:
    return chapters(built / f"annual_report_{YEAR}_en.pdf")


def test_the_outline_gives_every_chapter(report: dict[str, str]):
    assert list(report) == [
        "Contents", "Executive summary", "Key figures", "Global overview", "Trends",
        "Regions", "Countries", "Cooperative types and sectors", "Data coverage and quality",
        "Methodology", "Annex",
    ]  # fmt: skip
    assert all(len(text) > 200 for text in report.values())


def test_the_sample_report_shows_the_2025_headline(built: Path) -> None:
    """The published PDF carries the sample's public headline, formatted for people."""
    pages = [p.extract_text() for p in PdfReader(built / f"annual_report_{YEAR}_en.pdf").pages]
    text = "\n".join(pages)
    for figure in ("68,000", "3,000,000", "50,000", "1,300,000"):
        assert figure in text, figure
    europe = next(p for p in pages if "Europe (CECOP" in p and "26 of the 28" in p)
    assert "50,000" in europe and "1,300,000" in europe


def test_every_printed_number_is_a_published_figure(report: dict[str, str], allowed: set[str]):
    stray = {title: unexplained(text, allowed) for title, text in report.items()}
    stray = {title: found for title, found in stray.items() if found}
    assert stray == {}


def test_the_check_catches_a_figure_the_renderer_computed(allowed: set[str]):
    # The sample's "Other countries of the region" of the Americas (Colombia 143,285 and
    # Costa Rica 33,777 persons) summed in the renderer: 1,581 enterprises and 177,062
    # persons, figures of no CSV. Its share 177,062 / 1,100,000 = 16.097 % is not a
    # ratio of two published values either.
    row = "Other countries of the region 2 / 2 2 1,581 166,155 10,907 177,062 16.1 %"
    assert unexplained(row, allowed) == ["1,581", "166,155", "10,907", "177,062", "16.1 %"]
    # The old bridge's growth of the continuing members, a difference: 68,000 - 64,861.
    assert unexplained("+3,139", allowed) == ["3,139"]
    # The world's women share re-rounded from by_area.csv's 0.4657 would read 46.6 % like
    # the exact 1,059,232 / 2,274,654 = 46.567 %; Europe's from its counts is allowed.
    assert "46.6 %" in allowed


def test_a_share_ending_in_5_at_4_decimals_prints_its_exact_rounding():
    """Kenya: women 79,347 of 185,620 = 42.747 % prints 42.7 % in the PDF, not the 42.8 %
    of by_area.csv's 0.4275 rounded again."""
    from reports.render import render_pdf
    from tests.builders import with_kenya
    from tests.test_report_render import make_data

    reader = PdfReader(io.BytesIO(render_pdf(with_kenya(make_data()))))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    row = re.search(r"Kenya Africa \S+ / \S+ [\d,]+ 185,620 (\S+ %)", text)
    assert row, "Kenya's row of the countries table"
    assert row.group(1) == "42.7 %"


def test_numbers_are_read_as_printed():
    text = "Page 7 of 20 Table 3. In 2025, 45 of 47 reported: 3,000,000 persons (+4.8 %), −864."
    assert numbers(text) == ["2025", "45", "47", "3,000,000", "4.8 %", "864"]
