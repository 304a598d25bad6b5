"""A year's outcome: every file gets one status, resubmissions resolve, raw data stay intact."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import polars as pl
import pytest

from cicopa.outcomes import YearValidation, validate_year
from cicopa.reference import Reference
from tests.builders import json_submission, row, write_csv, write_json, write_xlsx

YEAR = 2025


@pytest.fixture
def year_dir(raw_data: Path) -> Path:
    return raw_data / "submissions" / str(YEAR)


def by_file(outcome: YearValidation) -> dict[str, dict]:
    return {r["file"]: r for r in outcome.submissions.iter_rows(named=True)}


def statuses(outcome: YearValidation) -> dict[str, str]:
    return dict(outcome.submissions.select("file", "status").iter_rows())


def issues_of(outcome: YearValidation, file: str) -> list[dict]:
    return outcome.issues.filter(pl.col("file") == file).to_dicts()


def test_statuses_accepted_rejected_unreadable(
    raw_data: Path, year_dir: Path, reference: Reference
) -> None:
    """A clean file is accepted, one with an error rejected, an unparseable one unreadable."""
    write_csv(year_dir / "it-one.csv", [row(), row(sector="A")])
    write_xlsx(year_dir / "us-one.xlsx", [row(member_id="US-ONE", employees=-1)])
    (year_dir / "br-one.csv").write_bytes(b"")

    outcome = validate_year(raw_data, reference, YEAR)

    got = by_file(outcome)
    columns = ("format", "member_id", "status", "rows", "errors", "warnings")
    assert {f: tuple(r[c] for c in columns) for f, r in got.items()} == {
        "submissions/2025/it-one.csv": ("csv", "IT-ONE", "accepted", 2, 0, 0),
        "submissions/2025/us-one.xlsx": ("xlsx", "US-ONE", "rejected", 1, 1, 0),
        "submissions/2025/br-one.csv": ("csv", None, "unreadable", 0, 1, 0),
    }
    assert outcome.status_counts() == {"accepted": 1, "rejected": 1, "unreadable": 1}
    assert [i["rule"] for i in issues_of(outcome, "submissions/2025/br-one.csv")] == [
        "unreadable_file"
    ]


def test_warnings_alone_do_not_reject(raw_data: Path, year_dir: Path, reference: Reference) -> None:
    """An unknown column is a warning: the file is still accepted."""
    write_csv(
        year_dir / "it-one.csv",
        [{**row(), "region": "north"}],
        header=[*row(), "region"],
    )

    got = by_file(validate_year(raw_data, reference, YEAR))["submissions/2025/it-one.csv"]

    assert (got["status"], got["errors"], got["warnings"]) == ("accepted", 0, 1)


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("2026-02-01", "2026-02-10"),
        ("2026-02-10", "2026-02-10T00:00:01"),
        # 10:00 at UTC+2 is 08:00 UTC: the file stamped 09:00 UTC is the later one.
        ("2026-02-10T10:00:00+02:00", "2026-02-10T09:00:00Z"),
    ],
    ids=["dates", "date-vs-datetime", "time-zones"],
)
def test_latest_resubmission_is_accepted_and_earlier_superseded(
    earlier: str, later: str, raw_data: Path, year_dir: Path, reference: Reference
) -> None:
    """The latest submitted_at wins; the other file is superseded and its rows are not used."""
    write_xlsx(year_dir / "a-first.xlsx", [row(employees=3, submitted_at=later)])
    write_csv(year_dir / "b-second.csv", [row(employees=7, submitted_at=earlier)])

    outcome = validate_year(raw_data, reference, YEAR)

    assert statuses(outcome) == {
        "submissions/2025/a-first.xlsx": "accepted",
        "submissions/2025/b-second.csv": "superseded",
    }
    assert outcome.accepted_rows["employees"].to_list() == [3]
    assert outcome.issues.is_empty()


def test_latest_resubmission_wins_even_when_it_has_errors(
    raw_data: Path, year_dir: Path, reference: Reference
) -> None:
    """The latest file is the member's answer: if it is wrong, the member has no accepted data."""
    write_csv(year_dir / "old.csv", [row(submitted_at="2026-02-01")])
    write_csv(year_dir / "new.csv", [row(submitted_at="2026-02-10", employees=-2)])

    outcome = validate_year(raw_data, reference, YEAR)

    assert statuses(outcome) == {
        "submissions/2025/new.csv": "rejected",
        "submissions/2025/old.csv": "superseded",
    }
    assert outcome.accepted_rows.is_empty()


@pytest.mark.parametrize(
    "stamps",
    [
        ("2026-02-10", "2026-02-10"),
        ("2026-02-10T10:00:00+01:00", "2026-02-10T09:00:00Z"),
        ("2026-02-10", None),
        (None, None),
        ("2026-02-01", "2026-02-10", "2026-02-10"),
        ("2026-02-10", "2026-02-01", None),
    ],
    ids=[
        "equal",
        "same-instant",
        "one-missing",
        "both-missing",
        "tie-for-latest",
        "three-one-missing",
    ],
)
def test_undecidable_resubmission_rejects_every_file(
    stamps: tuple[str | None, ...], raw_data: Path, year_dir: Path, reference: Reference
) -> None:
    """When submitted_at cannot order a member's files, all are rejected, each naming the others."""
    names = [f"submissions/2025/fr-one-{n}.csv" for n in range(len(stamps))]
    for name, stamp in zip(names, stamps, strict=True):
        write_csv(raw_data / name, [row(member_id="fr-one", submitted_at=stamp)])
    write_csv(year_dir / "it-one.csv", [row()])  # another member is not affected

    outcome = validate_year(raw_data, reference, YEAR)

    assert statuses(outcome) == {
        **dict.fromkeys(names, "rejected"),
        "submissions/2025/it-one.csv": "accepted",
    }
    for name in names:
        found = issues_of(outcome, name)
        assert [(i["rule"], i["severity"], i["member_id"]) for i in found] == [
            ("ambiguous_resubmission", "error", "FR-ONE")
        ]
        for other in names:
            assert (other in found[0]["message"]) == (other != name)
        assert by_file(outcome)[name]["errors"] == 1
    assert set(outcome.accepted_rows["file"]) == {"submissions/2025/it-one.csv"}


def _files_under(folder: Path, root: Path) -> list[str]:
    found = []
    for directory, _, files in os.walk(folder):
        for name in files:
            found.append((Path(directory) / name).relative_to(root).as_posix())
    return sorted(found)


def _populate(raw_data: Path, year_dir: Path) -> None:
    write_csv(year_dir / "it-one.csv", [row(submitted_at="2026-02-01")])
    write_json(
        year_dir / "italy" / "resent" / "it-one.json",
        json_submission([row(employees=4)], submitted_at="2026-03-01"),
    )
    write_xlsx(year_dir / "americas" / "us-one.xlsx", [row(member_id="US-ONE", sector="Z")])
    write_csv(year_dir / "americas" / "br-one.csv", [row(member_id="BR-ONE")], delimiter=";")
    (year_dir / "notes.txt").write_text("call FR-ONE about their figures\n")
    (year_dir / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (year_dir / "americas" / "~$us-one.xlsx").write_bytes(b"\x07owner")
    (year_dir / "empty-folder").mkdir()
    write_csv(raw_data / "submissions" / "2024" / "it-one.csv", [row(reference_year=2024)])


def test_every_file_appears_exactly_once(
    raw_data: Path, year_dir: Path, reference: Reference
) -> None:
    """Nested folders, stray notes, hidden and lock files: each is listed once, with a status."""
    _populate(raw_data, year_dir)

    outcome = validate_year(raw_data, reference, YEAR)

    listed = outcome.submissions["file"].to_list()
    assert sorted(listed) == _files_under(year_dir, raw_data)
    assert len(listed) == len(set(listed)) == 7
    assert statuses(outcome) == {
        "submissions/2025/.DS_Store": "unreadable",
        "submissions/2025/americas/br-one.csv": "accepted",
        "submissions/2025/americas/us-one.xlsx": "rejected",
        "submissions/2025/americas/~$us-one.xlsx": "unreadable",
        "submissions/2025/it-one.csv": "superseded",
        "submissions/2025/italy/resent/it-one.json": "accepted",
        "submissions/2025/notes.txt": "unreadable",
    }


def _snapshot(folder: Path) -> dict[str, tuple]:
    state: dict[str, tuple] = {}
    for directory, dirs, files in os.walk(folder):
        for name in dirs:
            path = Path(directory) / name
            state[path.relative_to(folder).as_posix() + "/"] = (path.stat().st_mtime_ns,)
        for name in files:
            path = Path(directory) / name
            info = path.stat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            state[path.relative_to(folder).as_posix()] = (digest, info.st_size, info.st_mtime_ns)
    return state


def test_raw_data_is_left_untouched(raw_data: Path, year_dir: Path, reference: Reference) -> None:
    """Validation only reads: no file or folder under raw_data/ is added, changed or removed."""
    _populate(raw_data, year_dir)
    before = _snapshot(raw_data)

    validate_year(raw_data, reference, YEAR)

    assert _snapshot(raw_data) == before


def test_accepted_rows_come_only_from_accepted_files(
    raw_data: Path, year_dir: Path, reference: Reference
) -> None:
    """Rejected, superseded and unreadable files contribute no row to the statistics."""
    _populate(raw_data, year_dir)
    write_csv(
        year_dir / "fr-one.csv", [row(member_id="FR-ONE"), row(member_id="FR-ONE", sector="A")]
    )

    outcome = validate_year(raw_data, reference, YEAR)

    accepted = outcome.submissions.filter(pl.col("status") == "accepted")
    assert sorted(accepted["file"]) == [
        "submissions/2025/americas/br-one.csv",
        "submissions/2025/fr-one.csv",
        "submissions/2025/italy/resent/it-one.json",
    ]
    rows = outcome.accepted_rows
    assert set(rows["file"]) == set(accepted["file"])
    assert rows.height == 4 == accepted["rows"].sum()
    assert sorted(rows["member_id"]) == ["BR-ONE", "FR-ONE", "FR-ONE", "IT-ONE"]
    # IT-ONE's superseded file said 2 employees; the accepted resubmission says 4.
    assert rows.filter(pl.col("member_id") == "IT-ONE")["employees"].to_list() == [4]


@pytest.mark.parametrize(
    ("employees_2025", "warned"),
    [(21, True), (15, False), (16, True), (4, True), (5, False)],
    ids=["more-than-doubled", "exactly-50%-up", "just-over-50%-up", "60%-down", "50%-down"],
)
def test_large_change_against_previous_year_is_only_a_warning(
    employees_2025: int,
    warned: bool,
    raw_data: Path,
    year_dir: Path,
    reference: Reference,
) -> None:
    """A figure moving more than 50 % from the last accepted year warns but never rejects."""
    write_csv(
        raw_data / "submissions" / "2024" / "it-one.csv",
        [row(reference_year=2024, employees=6), row(reference_year=2024, sector="A", employees=4)],
    )
    write_csv(year_dir / "it-one.csv", [row(employees=employees_2025)])
    earlier = {2024: validate_year(raw_data, reference, 2024).accepted_rows}

    outcome = validate_year(raw_data, reference, YEAR, earlier)

    got = by_file(outcome)["submissions/2025/it-one.csv"]
    assert (got["status"], got["errors"]) == ("accepted", 0)
    found = issues_of(outcome, "submissions/2025/it-one.csv")
    # 2024 totals: employees 6 + 4 = 10, worker_members 10 + 10 = 20; 2025 keeps 10 workers,
    # which is itself a 50 % drop and so no warning.
    if warned:
        assert [(i["rule"], i["severity"], i["column"], i["row"]) for i in found] == [
            ("large_change", "warning", "employees", None)
        ]
        assert str(employees_2025) in found[0]["message"]
        assert "10" in found[0]["message"]
        assert "2024" in found[0]["message"]
        assert got["warnings"] == 1
    else:
        assert found == []
        assert got["warnings"] == 0
    assert outcome.accepted_rows["employees"].to_list() == [employees_2025]


def test_sha256_column_is_the_hash_of_the_file_bytes(
    raw_data: Path, year_dir: Path, reference: Reference
) -> None:
    """Auditors can trace each outcome to the exact bytes that were read."""
    _populate(raw_data, year_dir)

    outcome = validate_year(raw_data, reference, YEAR)

    for file, digest in outcome.submissions.select("file", "sha256").iter_rows():
        assert digest == hashlib.sha256((raw_data / file).read_bytes()).hexdigest(), file


def test_submitted_at_is_reported_as_sent(
    raw_data: Path, year_dir: Path, reference: Reference
) -> None:
    """submissions.csv shows each file's submitted_at as the member wrote it."""
    write_csv(year_dir / "it-one.csv", [row(submitted_at="2026-02-15T10:00:00Z")])
    write_csv(year_dir / "fr-one.csv", [row(member_id="FR-ONE")])

    got = by_file(validate_year(raw_data, reference, YEAR))

    assert got["submissions/2025/it-one.csv"]["submitted_at"] == "2026-02-15T10:00:00Z"
    assert got["submissions/2025/fr-one.csv"]["submitted_at"] is None
