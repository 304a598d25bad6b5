"""The response tracker: one row per active member, with the file that decides its status."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from cicopa.outcomes import validate_year
from cicopa.reference import load_reference
from cicopa.tracker import (
    TRACKER_SCHEMA,
    attribute_by_name,
    deciding_file,
    missing_by_region,
    tracker_table,
)
from pipelines.collection_cli import main
from tests.builders import MEMBERS, row, write_csv, write_rows, write_statistics_fixture

YEAR = 2025


@pytest.fixture
def raw(raw_data: Path) -> Path:
    """The statistics fixture plus CA-ONE, an active Canadian member who sent nothing."""
    write_statistics_fixture(raw_data)
    members = [*MEMBERS, ("CA-ONE", "Sample federation of Canada", "CA", "full",
                          "representative", "2019", "", "fr")]  # fmt: skip
    write_rows(raw_data / "reference" / "members.csv", members)
    return raw_data


def tracker(raw: Path) -> pl.DataFrame:
    reference = load_reference(raw)
    return tracker_table(reference, validate_year(raw, reference, YEAR), YEAR)


def by_member(frame: pl.DataFrame) -> dict[str, dict]:
    return {r["member_id"]: r for r in frame.iter_rows(named=True)}


def test_one_row_per_active_member_in_order(raw: Path) -> None:
    table = tracker(raw)
    assert table.schema == pl.Schema(TRACKER_SCHEMA)
    # Sorted by region, country, member_id; FR-OLD left in 2025 and is not listed.
    assert table.select("region", "country", "member_id").rows() == [
        ("AFRICA", "KE", "KE-ONE"),
        ("AMERICAS", "BR", "BR-ONE"),
        ("AMERICAS", "CA", "CA-ONE"),
        ("AMERICAS", "CO", "CO-ONE"),
        ("AMERICAS", "US", "US-ONE"),
        ("EUROPE", "FR", "FR-ONE"),
        ("EUROPE", "IT", "IT-ONE"),
        ("EUROPE", "IT", "IT-TWO"),
    ]
    assert "FR-OLD" not in table["member_id"].to_list()


def test_statuses_files_and_counts(raw: Path) -> None:
    rows = by_member(tracker(raw))
    columns = ("status", "file", "received", "errors", "warnings")
    got = {m: tuple(r[c] for c in columns) for m, r in rows.items()}
    assert got["KE-ONE"] == ("rejected", "submissions/2025/KE-ONE.csv", None, 1, 0)
    # The final XLSX decides, not the superseded CSV of 2026-01-15.
    assert got["IT-ONE"] == ("accepted", "submissions/2025/IT-ONE_final.xlsx", "2026-02-01", 0, 0)
    assert got["CA-ONE"] == ("no submission", None, None, None, None)
    assert got["BR-ONE"] == ("accepted", "submissions/2025/BR-ONE.json", None, 0, 0)
    assert rows["CA-ONE"]["name"] == "Sample federation of Canada"
    assert {m for m, r in rows.items() if r["status"] == "accepted"} == {
        "BR-ONE", "CO-ONE", "US-ONE", "FR-ONE", "IT-ONE", "IT-TWO",
    }  # fmt: skip


def test_missing_by_region_counted_by_hand(raw: Path) -> None:
    missing = missing_by_region(tracker(raw))
    # AFRICA: KE-ONE rejected. AMERICAS: BR, CA, CO, US active, CA sent nothing.
    # EUROPE: FR-ONE, IT-ONE, IT-TWO all accepted.
    assert missing.rows() == [
        ("AFRICA", 1, 1, 0, 1),
        ("AMERICAS", 4, 1, 1, 0),
        ("EUROPE", 3, 0, 0, 0),
    ]
    assert missing.columns[:3] == ["region", "members_active", "members_missing"]


def test_corrected_file_rejected_again_is_rejected(raw: Path) -> None:
    year = raw / "submissions" / str(YEAR)
    (year / "KE-ONE.csv").unlink()
    write_csv(year / "KE-ONE_v1.csv", [row(member_id="KE-ONE", submitted_at="2026-01-10")])
    write_csv(
        year / "KE-ONE_v2.csv",
        [row(member_id="KE-ONE", sector="Z", employees=-1, submitted_at="2026-02-10")],
    )
    got = by_member(tracker(raw))["KE-ONE"]
    # The later file replaced the good one (superseded) and is itself rejected.
    assert (got["status"], got["file"], got["received"], got["errors"]) == (
        "rejected",
        "submissions/2025/KE-ONE_v2.csv",
        "2026-02-10",
        2,
    )


def test_unreadable_file_is_attributed_by_its_name(raw: Path) -> None:
    (raw / "submissions" / str(YEAR) / "ca-one.xlsx").write_bytes(b"not a workbook")
    got = by_member(tracker(raw))["CA-ONE"]
    assert (got["status"], got["file"], got["errors"]) == (
        "rejected",
        "submissions/2025/ca-one.xlsx",
        1,
    )


def test_attribute_by_name() -> None:
    ids = ["IT-ONE", "IT-ONE-SUD", "KE-ONE"]
    assert attribute_by_name("submissions/2025/IT-ONE_final.xlsx", ids) == "IT-ONE"
    assert attribute_by_name("submissions/2025/it-one.csv", ids) == "IT-ONE"
    assert attribute_by_name("submissions/2025/IT-ONE-SUD.csv", ids) == "IT-ONE-SUD"
    assert attribute_by_name("submissions/2025/IT-ONEX.csv", ids) is None
    assert attribute_by_name("submissions/2025/KE-ONE/answer.json", ids) == "KE-ONE"
    assert attribute_by_name("submissions/2025/answer.json", ids) is None


def test_superseded_only_and_latest_rules() -> None:
    def record(file: str, status: str, submitted_at: str | None) -> dict:
        return {"file": file, "status": status, "submitted_at": submitted_at}

    assert deciding_file([]) == ("no submission", None)
    only = [record("a.csv", "superseded", "2026-01-01"), record("b.csv", "superseded", None)]
    assert deciding_file(only) == ("superseded only", only[0])
    mixed = [
        record("a.csv", "rejected", "2026-03-01"),
        record("b.csv", "rejected", "2026-02-01"),
        record("c.csv", "superseded", "2026-01-01"),
    ]
    assert deciding_file(mixed) == ("rejected", mixed[0])
    # An accepted file decides even next to an unreadable one.
    accepted = [record("x.csv", "unreadable", None), record("y.csv", "accepted", None)]
    assert deciding_file(accepted) == ("accepted", accepted[1])


def test_cli_tracker(raw: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["tracker", "--year", str(YEAR), "--raw-data", str(raw)])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == list(TRACKER_SCHEMA)
    ke = next(line for line in lines if line.startswith("KE-ONE"))
    assert "rejected" in ke and "submissions/2025/KE-ONE.csv" in ke
    assert any(line.startswith("CA-ONE") and "no submission" in line for line in lines)
    assert lines[-1] == "6 of 8 active members have an accepted submission."


def test_cli_tracker_without_year_folder(raw: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["tracker", "--year", "2031", "--raw-data", str(raw)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "no submissions folder for 2031" in err[0]
