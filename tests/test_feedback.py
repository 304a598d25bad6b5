"""Feedback letters: a PDF for each member to act, in its language, that embeds nothing."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from cicopa.issues import ISSUE_SCHEMA
from cicopa.outcomes import validate_year
from cicopa.reference import load_reference
from cicopa.rules import RULES as CATALOGUE
from pipelines.collection_cli import main
from reports.feedback import (
    feedback_contexts,
    feedback_pdfs,
    letter_context,
    render_html,
)
from reports.member_texts import LANGUAGES
from tests.builders import MEMBERS, row, write_csv, write_rows, write_statistics_fixture

YEAR = 2025
DEADLINE = date(2026, 3, 31)
ROOT = Path(__file__).resolve().parents[1]
HOSTILE = '<img src="file:///etc/passwd">'


@pytest.fixture
def raw(raw_data: Path) -> Path:
    """The statistics fixture (KE-ONE rejected) plus US-ONE warned for an unknown column."""
    write_statistics_fixture(raw_data)
    us = raw_data / "submissions" / str(YEAR) / "US-ONE.csv"
    us.unlink()
    write_csv(
        us,
        [row(member_id="US-ONE", sector="F", remarks="provisional")],
        header=["member_id", "reference_year", "sector", "cooperative_type", "enterprises",
                "worker_members", "employees", "producer_members", "remarks"],
    )  # fmt: skip
    return raw_data


def letters(raw: Path, **kwargs: object) -> dict[str, bytes]:
    reference = load_reference(raw)
    validation = validate_year(raw, reference, YEAR)
    return feedback_pdfs(reference=reference, validation=validation, year=YEAR, deadline=DEADLINE)


def text(pdf: bytes) -> str:
    """The PDF's text with whitespace (line breaks included) collapsed to single spaces."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pages))


def test_letters_for_rejected_and_warned_members_only(raw: Path) -> None:
    pdfs = letters(raw)
    # Clean accepted members (IT-ONE, IT-TWO, FR-ONE, BR-ONE, CO-ONE) get no letter.
    assert sorted(pdfs) == ["KE-ONE", "US-ONE"]
    assert all(pdf.startswith(b"%PDF-") for pdf in pdfs.values())


def test_rejected_letter_names_file_row_and_column(raw: Path) -> None:
    reference = load_reference(raw)
    validation = validate_year(raw, reference, YEAR)
    pdf = feedback_pdfs(reference=reference, validation=validation, year=YEAR, deadline=DEADLINE)
    got = text(pdf["KE-ONE"])
    sha = validation.submissions.filter(pl.col("member_id") == "KE-ONE")["sha256"][0]
    for expected in (
        "Annual survey 2025: feedback on your submission",
        "Sample federation 1 of Kenya",
        "KE-ONE.csv",
        sha[:12],
        "no date given",
        "Rejected: none of the figures of this file count until a corrected file is sent.",
        "1 error",
        "The figure is negative.",
        "0 or more, e.g. 12.",
        "Details: Row 1, employees: -1 is negative",  # the validator's own sentence
        "31 March 2026",
        "statistics@cicopa.coop",
    ):
        assert expected in got, expected
    # The issue table's row: row number, then the column.
    assert re.search(r"\b1 employees Error: The figure is negative\.", got), got


def test_warning_letter(raw: Path) -> None:
    got = text(letters(raw)["US-ONE"])
    assert "Accepted with warnings: the figures count." in got
    assert "1 warning" in got
    assert "whole file remarks Warning: This column is not part of the survey" in got
    assert "If a figure is wrong, please send a corrected file by 31 March 2026" in got


def test_french_member_gets_a_french_letter(raw: Path) -> None:
    folder = raw / "submissions" / str(YEAR)
    (folder / "FR-ONE.csv").unlink()
    write_csv(
        folder / "FR-ONE.csv",
        [row(member_id="FR-ONE", employees=-3, submitted_at="2026-02-10"),
         row(member_id="FR-ONE", sector="Z", cooperative_type="social",
             submitted_at="2026-02-10")],
    )  # fmt: skip
    pdfs = letters(raw)
    assert sorted(pdfs) == ["FR-ONE", "KE-ONE", "US-ONE"]
    got = text(pdfs["FR-ONE"])
    for expected in (
        "Enquête annuelle 2025 : retour sur votre envoi",
        "Chères et chers collègues,",
        "FR-ONE.csv",
        "10 février 2026",
        "Rejeté : aucun chiffre de ce fichier",
        "2 erreurs",
        "1 employees Erreur : Le chiffre est négatif.",
        "2 sector Erreur : Ce n’est pas une lettre de section",
        "Une lettre de A à U, p. ex. C.",
        "31 mars 2026",
        "Le secrétariat de CICOPA",
    ):
        assert expected.replace("’", "'") in got.replace("’", "'"), expected
    assert "feedback on your submission" not in got
    reader = PdfReader(io.BytesIO(pdfs["FR-ONE"]))
    assert reader.trailer["/Root"]["/Lang"] == "fr"


def test_hostile_member_name_is_printed_not_fetched(raw: Path) -> None:
    members = [list(m) for m in MEMBERS]
    kenya = next(i for i, m in enumerate(members) if m[0] == "KE-ONE")
    members[kenya][1] = HOSTILE
    write_rows(raw / "reference" / "members.csv", members)
    reference = load_reference(raw)
    validation = validate_year(raw, reference, YEAR)
    contexts = feedback_contexts(
        reference=reference, validation=validation, year=YEAR, deadline=DEADLINE
    )
    html = render_html(contexts["KE-ONE"])
    assert HOSTILE not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html

    pdf = feedback_pdfs(reference=reference, validation=validation, year=YEAR, deadline=DEADLINE)
    pdf_bytes = pdf["KE-ONE"]
    assert HOSTILE in text(pdf_bytes)
    reader = PdfReader(io.BytesIO(pdf_bytes))
    assert not reader.attachments
    for page in reader.pages:
        objects = page["/Resources"].get_object().get("/XObject")
        objects = objects.get_object() if objects is not None else {}
        subtypes = {str(o.get_object().get("/Subtype")) for o in objects.values()}
        assert "/Image" not in subtypes  # no image of any kind
    assert b"root:" not in pdf_bytes


def test_untrusted_message_and_file_name_are_escaped(raw: Path) -> None:
    member = {"member_id": "KE-ONE", "name": "A & B", "country": "KE", "language": "en"}
    record = {"file": "submissions/2025/<b>KE-ONE</b>.csv", "status": "rejected",
              "submitted_at": None, "sha256": "ab" * 32, "rows": 1, "errors": 1,
              "warnings": 0}  # fmt: skip
    issues = pl.DataFrame(
        [{"file": record["file"], "member_id": "KE-ONE", "row": 1, "column": "comment",
          "rule": "made_up_rule", "severity": "error", "message": "<script>x</script>"}],
        schema=ISSUE_SCHEMA,
    )  # fmt: skip
    context = letter_context(member=member, files=[record], issues=issues,
                             regions=load_reference(raw).regions, year=YEAR,
                             deadline=DEADLINE)  # fmt: skip
    html = render_html(context)
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert "&lt;b&gt;KE-ONE&lt;/b&gt;.csv" in html
    assert "A &amp; B" in html
    assert "See the details below." in html  # an unknown rule still gets a sentence


# Every rule the validator and the readers can emit, as listed in the collection issue.
RULES = (
    "required_column", "required_value", "whole_number", "no_thousands_separator", "number",
    "iso_date", "sector_code", "cooperative_type_code", "currency_code", "non_negative",
    "one_value_per_submission", "member_active_in_year", "year_matches_folder",
    "currency_known_for_year", "currency_with_turnover", "women_within_employment",
    "transfers_within_new_enterprises", "enterprises_when_employment", "unique_sector_and_type",
    "unreadable_file", "malformed_row", "duplicate_column", "unknown_column", "no_data_rows",
    "ambiguous_resubmission", "large_change",
)  # fmt: skip


def test_every_rule_is_explained() -> None:
    """Each rule has its texts in the catalogue (tests/test_rules.py: the code emits no other)."""
    assert set(RULES) <= set(CATALOGUE)
    assert all(CATALOGUE[rule].what and CATALOGUE[rule].fix for rule in RULES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_rule_and_column_renders_in_every_language(raw: Path, lang: str) -> None:
    member = {"member_id": "KE-ONE", "name": "X", "country": "KE", "language": lang}
    record = {"file": "submissions/2025/KE-ONE.csv", "status": "rejected",
              "submitted_at": "2026-02-10T09:00:00", "sha256": "0" * 64, "rows": 3,
              "errors": 2, "warnings": 1}  # fmt: skip
    columns = [None, "member_id", "reference_year", "sector", "cooperative_type", "employees",
               "turnover", "currency", "submitted_at"]  # fmt: skip
    issues = pl.DataFrame(
        [{"file": record["file"], "member_id": "KE-ONE", "row": 2, "column": column,
          "rule": rule, "severity": "error", "message": f"{rule} message"}
         for rule in RULES for column in columns],
        schema=ISSUE_SCHEMA,
    )  # fmt: skip
    context = letter_context(member=member, files=[record], issues=issues,
                             regions=load_reference(raw).regions, year=YEAR,
                             deadline=DEADLINE)  # fmt: skip
    shown = context["files"][0]["issues"]
    assert len(shown) == len(RULES) * len(columns)
    assert all(issue["what"] and issue["fix"] and "%(" not in issue["fix"] for issue in shown)
    assert (
        context["files"][0]["counts"]
        == {
            "en": "2 errors, 1 warning",
            "fr": "2 erreurs, 1 avertissement",
            "es": "2 errores, 1 advertencia",
        }[lang]
    )
    assert "%(" not in render_html(context)


def test_same_bytes_and_no_dates(raw: Path) -> None:
    first, second = letters(raw), letters(raw)
    assert first == second
    reader = PdfReader(io.BytesIO(first["KE-ONE"]))
    info = reader.trailer["/Info"]
    assert "/CreationDate" not in info and "/ModDate" not in info
    assert reader.metadata.title == "Annual survey 2025: feedback on your submission"
    assert reader.metadata.author == "CICOPA"
    assert len(reader.pages) == 1
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    # Only the letter's own font face (Noto Sans from reports/static/fonts), no fallback.
    assert fonts and all("Letter-Sans" in f for f in fonts), fonts


def test_cli_feedback(raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["feedback", "--year", str(YEAR), "--raw-data", str(raw), "--out", str(out),
                 "--deadline", "2026-04-30"])  # fmt: skip
    printed = capsys.readouterr().out.splitlines()
    folder = out / "feedback" / str(YEAR)
    assert code == 0
    assert printed == [str(folder / "KE-ONE.pdf"), str(folder / "US-ONE.pdf")]
    assert sorted(p.name for p in folder.iterdir()) == ["KE-ONE.pdf", "US-ONE.pdf"]
    assert "30 April 2026" in text((folder / "KE-ONE.pdf").read_bytes())
