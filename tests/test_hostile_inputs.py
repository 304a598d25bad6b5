"""The file system, formulas, reference data and cost (issue 11, "Why")."""

from __future__ import annotations

import csv
import io
import os
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from cicopa.outcomes import inventory, validate_year, year_folder
from cicopa.outputs import csv_bytes, formula_safe, workbook_bytes
from cicopa.readers import read_submission
from cicopa.reference import Reference, ReferenceDataError, load_reference
from cicopa.validation import check_submissions
from reports.forms import open_collection
from tests.builders import FX_RATES, HEADER, MEMBERS, write_rows

GOOD = "IT-ONE,2025,C,worker,1,10,2,0,,,,,,,"


def _submit(raw_data: Path, name: str | bytes, text: str = GOOD) -> Path:
    folder = year_folder(raw_data, 2025)
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name))))
    path.write_text(",".join(HEADER) + "\n" + text + "\n")
    return path


# --- the file system ------------------------------------------------------------------


def test_special_entries_are_listed_unreadable_and_never_opened(
    raw_data: Path, reference: Reference
) -> None:
    secret = raw_data.parent / "secret.csv"
    secret.write_text(",".join(HEADER) + "\nTOP-SECRET-LINE\n")
    folder = _submit(raw_data, "good.csv").parent
    (folder / "link.csv").symlink_to(secret)
    (folder / "dangling.csv").symlink_to(raw_data / "nowhere.csv")
    (folder / "sub").mkdir()
    (folder / "linked_dir").symlink_to(folder / "sub", target_is_directory=True)
    os.mkfifo(folder / "pipe.csv")  # opening it for reading would block for ever

    outcome = validate_year(raw_data, reference, 2025)

    status = dict(outcome.submissions.select("file", "status").iter_rows())
    prefix = "submissions/2025/"
    assert status == {
        f"{prefix}good.csv": "accepted",
        f"{prefix}link.csv": "unreadable",
        f"{prefix}dangling.csv": "unreadable",
        f"{prefix}linked_dir": "unreadable",
        f"{prefix}pipe.csv": "unreadable",
    }
    messages = outcome.issues.filter(pl.col("file") != f"{prefix}good.csv")["message"]
    assert messages.len() == 4
    assert all("not a regular file" in m for m in messages)
    assert "TOP-SECRET" not in csv_bytes(outcome.issues).decode()
    files = inventory(raw_data, 2025)
    assert files.filter(pl.col("file") == f"{prefix}link.csv")["sha256"].to_list() == [None]


def test_non_utf8_file_name_is_listed_escaped(raw_data: Path, reference: Reference) -> None:
    _submit(raw_data, b"caf\xe9.csv")
    outcome = validate_year(raw_data, reference, 2025)
    assert outcome.submissions["file"].to_list() == ["submissions/2025/caf\\xe9.csv"]
    assert outcome.submissions["status"].to_list() == ["accepted"]
    csv_bytes(outcome.submissions).decode("utf-8")  # writable as UTF-8


# --- formulas -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1+1", "'+1+1"),
        ("-A1", "'-A1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-12", "-12"),
        ("+1.5e3", "+1.5e3"),
        ("Legacoop", "Legacoop"),
    ],
)
def test_formula_safe_text(text: str, written: str) -> None:
    assert formula_safe(text) == written
    frame = pl.DataFrame({"name": [text], "n": [1]})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode(), newline="")))
    assert rows[1] == [written, "1"]


def test_the_one_workbook_writer_never_writes_a_formula() -> None:
    """Annex and forms share `workbook_bytes`: text beginning with = is text, with a '."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = '=HYPERLINK("http://x.invalid","x")'  # openpyxl would store a formula
    sheet["A2"] = "@SUM(1)"
    sheet["A3"] = -12
    sheet["A4"] = "Legacoop"
    data = workbook_bytes(book)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert not any(b"<f>" in archive.read(name) for name in archive.namelist())
    cells = openpyxl.load_workbook(io.BytesIO(data)).active
    assert cells is not None
    assert [cells[f"A{r}"].value for r in range(1, 5)] == [
        '\'=HYPERLINK("http://x.invalid","x")',
        "'@SUM(1)",
        -12,
        "Legacoop",
    ]
    assert workbook_bytes(openpyxl.load_workbook(io.BytesIO(data))) == data  # byte-stable


# --- reference data -------------------------------------------------------------------


def _members_with(raw_data: Path, name: str) -> None:
    members = [list(m) for m in MEMBERS]
    members[1][1] = name
    write_rows(raw_data / "reference" / "members.csv", members)


def test_windows_1252_registry_is_refused_with_line_and_column(raw_data: Path) -> None:
    path = raw_data / "reference" / "members.csv"
    _members_with(raw_data, "Fédération")
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    with pytest.raises(ReferenceDataError) as caught:
        load_reference(raw_data)
    message = str(caught.value)
    assert "members.csv, line 2, name" in message and "\n" not in message


def test_control_character_in_a_name_is_refused(raw_data: Path) -> None:
    _members_with(raw_data, "Bad\x07name")
    with pytest.raises(ReferenceDataError, match=r"members.csv, line 2, name"):
        load_reference(raw_data)


def test_collection_open_writes_no_form_when_one_cannot_be_made(
    reference: Reference, tmp_path: Path
) -> None:
    """A name openpyxl cannot store crashed `collection open` after 30 of 48 forms."""
    members = reference.members.sort("member_id")
    last = members["member_id"][-1]
    bad = members.with_columns(
        pl.when(pl.col("member_id") == last)
        .then(pl.lit("Bad\x0bname"))
        .otherwise(pl.col("name"))
        .alias("name")
    )
    with pytest.raises(Exception, match="Bad"):
        open_collection(Reference(bad, reference.regions, reference.fx_rates), tmp_path, 2025)
    assert not (tmp_path / "forms").exists()


@pytest.mark.parametrize("rate", ["inf", "nan", "-1", "0"])
def test_rate_must_be_finite_and_positive(raw_data: Path, rate: str) -> None:
    rates = [list(r) for r in FX_RATES]
    rates[2][2] = rate
    write_rows(raw_data / "reference" / "fx_rates.csv", rates)
    with pytest.raises(ReferenceDataError, match=r"fx_rates.csv, line 3, per_usd"):
        load_reference(raw_data)


def test_a_year_needs_an_active_member(raw_data: Path) -> None:
    load_reference(raw_data, 2025)
    with pytest.raises(ReferenceDataError, match="no member is active in 1990"):
        load_reference(raw_data, 1990)


def test_utf8_with_bom_is_accepted(raw_data: Path) -> None:
    path = raw_data / "reference" / "members.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_reference(raw_data).members.height == len(MEMBERS) - 1


# --- linear cost ----------------------------------------------------------------------


def _csv_of(lines: list[str]) -> bytes:
    return ("\n".join([",".join(HEADER), *lines]) + "\n").encode()


# What these cost per row, against a good file's, is measured by
# benchmarks/hostile_inputs.py: no test times anything.


def test_hundred_thousand_bad_cells_are_each_reported(reference: Reference) -> None:
    # 10,000 rows (the limit) x 10 refused cells: 9 whole numbers and the currency.
    bad = ",".join(["IT-ONE", "2025", "C", "worker", *["x"] * 9, "", ""])
    raw = read_submission(_csv_of([bad] * 10_000), "bad.csv")
    checked = check_submissions([raw], reference, {"bad.csv": 2025})[0]
    assert checked.errors >= 100_000 - 10_000


def test_twenty_thousand_repeated_rows_are_each_reported(reference: Reference) -> None:
    raws = [read_submission(_csv_of([GOOD] * 10_000), f"r{i}.csv") for i in range(2)]
    checked = check_submissions(raws, reference, {r.file: 2025 for r in raws})
    # The first row of each file is the reference, the 9,999 after it repeat the pair.
    assert [c.errors for c in checked] == [9_999, 9_999]
    assert "already reported in row 1" in checked[0].issues[-1].message
