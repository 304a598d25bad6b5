"""A year is checked as one frame: each file still gets exactly its own rows and values."""

from __future__ import annotations

from pathlib import Path

from cicopa.readers import read_file, read_submission, tidy_frame
from cicopa.reference import Reference
from cicopa.validation import checked_rows
from tests.builders import row, write_csv


def test_each_file_gets_its_own_rows_member_and_date(tmp_path: Path, reference: Reference) -> None:
    """Rows are cut from the year's frame by position: an unreadable file and a file
    without data rows between two others must not shift anyone's figures."""
    first = write_csv(
        tmp_path / "a.csv",
        [
            row(employees=3, submitted_at="2026-02-01"),
            row(sector="F", employees=4, submitted_at="2026-02-01"),
        ],
    )
    empty = tmp_path / "b.csv"
    empty.write_text("member_id,reference_year,sector,cooperative_type,enterprises,"
                     "worker_members,employees,producer_members\n")  # fmt: skip
    last = write_csv(tmp_path / "d.csv", [row(member_id="US-ONE", employees=7)])
    raws = [
        read_file(first, "a.csv"),
        read_file(empty, "b.csv"),
        read_submission(b"PK\x03\x04 not a workbook", "c.xlsx"),
        read_file(last, "d.csv"),
    ]

    checked, year_rows = checked_rows(raws, reference, {r.file: 2025 for r in raws})

    assert [c.rows["employees"].to_list() if c.rows is not None else None for c in checked] == [
        [3, 4],
        [],
        None,
        [7],
    ]
    assert [c.member_id for c in checked] == ["IT-ONE", None, None, "US-ONE"]
    assert [c.submitted_at_text for c in checked] == ["2026-02-01", None, None, None]
    assert [i.rule for i in checked[1].issues] == ["no_data_rows"]
    assert [i.rule for i in checked[2].issues] == ["unreadable_file"]
    # The year's frame: 2 + 0 + 1 rows, each with its file.
    assert year_rows["_file"].to_list() == ["a.csv", "a.csv", "d.csv"]
    assert year_rows["employees"].to_list() == [3, 4, 7]


def test_a_file_with_two_members_names_none(tmp_path: Path, reference: Reference) -> None:
    """The grouped pass gives a file's member only when all its rows agree."""
    path = write_csv(tmp_path / "s.csv", [row(), row(sector="F", member_id="IT-TWO")])

    (checked,), _ = checked_rows([read_file(path, "s.csv")], reference, {"s.csv": 2025})

    assert checked.member_id is None
    assert "one_value_per_submission" in {i.rule for i in checked.issues}


def test_tidy_frame_concatenates_files_in_order(tmp_path: Path) -> None:
    one = read_file(write_csv(tmp_path / "one.csv", [row(), row(sector="F")]), "one.csv")
    two = read_file(write_csv(tmp_path / "two.csv", [row(sector="G")]), "two.csv")

    frame = tidy_frame([one, two], "_file")

    assert frame["sector"].to_list() == ["C", "F", "G"]
    assert frame["_row"].to_list() == [1, 2, 1]
    assert frame["_file"].to_list() == ["one.csv", "one.csv", "two.csv"]
    assert one.frame is not None and one.frame["sector"].to_list() == ["C", "F"]
