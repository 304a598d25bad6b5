"""Taking files in: write-once received names, refusals, the receipt, and the CLI."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from cicopa.intake import receive
from cicopa.outcomes import validate_year
from cicopa.reference import Reference
from pipelines.collection_cli import main as collection_main
from tests.builders import row, write_csv, write_xlsx

MOMENT = datetime(2026, 2, 10, 9, 30, 15, 123456, tzinfo=UTC)


def _csv(tmp_path: Path, name: str = "f.csv", **values) -> bytes:
    return write_csv(tmp_path / name, [row(**values)]).read_bytes()


def test_a_file_is_stored_under_its_receipt_name_and_checked(raw_data, reference, tmp_path):
    data = _csv(tmp_path, member_id="FR-ONE")
    receipt = receive(raw_data, reference, 2025, data, "mon fichier.CSV", "FR-ONE", now=MOMENT)
    assert receipt.stored == "submissions/2025/FR-ONE__20260210T093015Z.csv"
    assert receipt.status == "accepted" and receipt.issues == ()
    stored = raw_data / receipt.stored
    assert stored.read_bytes() == data
    assert receipt.sha256 == hashlib.sha256(data).hexdigest()


def test_the_senders_file_name_never_decides_the_path(raw_data, reference, tmp_path):
    data = _csv(tmp_path, member_id="FR-ONE")
    names = ["../../../reference/members.csv", "/etc/passwd.csv", "..\\..\\x.csv", "a/../../b.csv"]
    for name in names:
        receive(raw_data, reference, 2025, data, name, "FR-ONE", now=MOMENT)
    stored = sorted(p.name for p in (raw_data / "submissions" / "2025").iterdir())
    # Four files of one second: no counter, then -2, -3, -4; nothing anywhere else.
    assert stored == [
        "FR-ONE__20260210T093015Z-2.csv",
        "FR-ONE__20260210T093015Z-3.csv",
        "FR-ONE__20260210T093015Z-4.csv",
        "FR-ONE__20260210T093015Z.csv",
    ]
    assert (raw_data / "reference" / "members.csv").read_text().startswith("member_id,")
    assert not Path("/etc/passwd.csv").exists()


def test_two_files_in_the_same_second_are_both_kept_and_the_counter_orders_them(
    raw_data, reference, tmp_path
):
    first = _csv(tmp_path, "a.csv", member_id="FR-ONE", employees=-1)  # an error
    second = write_xlsx(tmp_path / "b.xlsx", [row(member_id="FR-ONE")]).read_bytes()
    one = receive(raw_data, reference, 2025, first, "a.csv", "FR-ONE", now=MOMENT)
    two = receive(raw_data, reference, 2025, second, "b.xlsx", "FR-ONE", now=MOMENT)
    assert one.stored.endswith("FR-ONE__20260210T093015Z.csv")
    assert two.stored.endswith("FR-ONE__20260210T093015Z-2.xlsx")  # other extension, same count
    # Neither file has submitted_at: their receipt time and counter stand for it, so the
    # year is not ambiguous and the later file counts.
    outcome = validate_year(raw_data, reference, 2025)
    status = dict(outcome.submissions.select("file", "status").iter_rows())
    assert status == {one.stored: "superseded", two.stored: "accepted"}
    dated = dict(outcome.submissions.select("file", "submitted_at").iter_rows())
    assert dated[two.stored] == "2026-02-10T09:30:15+00:00"


def test_an_undated_later_file_replaces_an_undated_earlier_one(raw_data, reference, tmp_path):
    data = _csv(tmp_path, member_id="IT-ONE")
    early = receive(raw_data, reference, 2025, data, "x.csv", "IT-ONE",
                    now=datetime(2026, 1, 20, tzinfo=UTC))  # fmt: skip
    late = receive(raw_data, reference, 2025, data, "x.csv", "IT-ONE",
                   now=datetime(2026, 3, 1, tzinfo=UTC))  # fmt: skip
    outcome = validate_year(raw_data, reference, 2025)
    status = dict(outcome.submissions.select("file", "status").iter_rows())
    assert status == {early.stored: "superseded", late.stored: "accepted"}


def test_a_file_naming_another_member_is_refused_and_kept_aside(raw_data, reference, tmp_path):
    data = _csv(tmp_path, member_id="IT-ONE")
    receipt = receive(raw_data, reference, 2025, data, "x.csv", "FR-ONE", now=MOMENT)
    assert receipt.status == "refused" and receipt.refusal is not None
    assert receipt.refusal.reason == "other_member"
    assert receipt.refusal.english() == (
        "The file is for member IT-ONE, not FR-ONE; it was not filed."
    )
    assert receipt.stored == "portal/refused/2025/FR-ONE__20260210T093015Z.csv"
    assert (raw_data / receipt.stored).read_bytes() == data
    assert not (raw_data / "submissions" / "2025").exists()


def test_a_file_for_another_year_is_refused(raw_data, reference, tmp_path):
    data = _csv(tmp_path, member_id="FR-ONE", reference_year=2024)
    receipt = receive(raw_data, reference, 2025, data, "x.csv", "FR-ONE", now=MOMENT)
    assert (receipt.status, receipt.refusal.reason) == ("refused", "other_year")
    assert receipt.stored.startswith("portal/refused/2025/")


def test_an_unknown_member_id_from_the_file_never_names_a_path(raw_data, reference, tmp_path):
    data = _csv(tmp_path, member_id="../../EVIL")
    receipt = receive(raw_data, reference, 2025, data, "x.csv", None, now=MOMENT)
    assert receipt.status == "refused" and receipt.refusal.reason == "unknown_member"
    assert receipt.stored == "portal/refused/2025/unknown__20260210T093015Z.csv"


def test_sheet_rows_count_the_title_above_the_header(raw_data, reference, tmp_path):
    bad = [row(member_id="FR-ONE"), row(member_id="FR-ONE", sector="C", cooperative_type="x")]
    data = write_xlsx(tmp_path / "t.xlsx", bad, title="CICOPA survey").read_bytes()
    receipt = receive(raw_data, reference, 2025, data, "t.xlsx", "FR-ONE", now=MOMENT)
    # Title in row 1, empty row 2, header row 3: data row 2 is sheet row 5.
    (issue,) = receipt.issues
    assert (issue.row, receipt.sheet_row(issue.row), issue.column) == (2, 5, "cooperative_type")


def test_collection_receive_copies_validates_and_prints_a_receipt(
    raw_data, reference: Reference, tmp_path, capsys
):
    good = write_csv(tmp_path / "mail" / "from_kenya.csv", [row(member_id="KE-ONE")])
    bad = write_csv(tmp_path / "mail" / "other.csv", [row(member_id="KE-ONE", employees="x")])
    before = good.read_bytes()
    code = collection_main(
        ["receive", str(good), str(bad), "--year", "2025", "--raw-data", str(raw_data)]
    )
    out = capsys.readouterr().out
    assert code == 1  # one file has an error
    assert good.read_bytes() == before  # the original is never touched
    stored = sorted((raw_data / "submissions" / "2025").iterdir())
    assert len(stored) == 2 and all(p.name.startswith("KE-ONE__") for p in stored)
    assert f"{good}: accepted" in out and f"{bad}: rejected" in out
    assert hashlib.sha256(before).hexdigest() in out
    assert "Row 1, employees: 'x' is not a whole number" in out and "[sheet row 2]" in out


def test_collection_receive_refuses_a_file_over_the_limit_before_storing_it(
    raw_data, tmp_path, capsys
):
    """As the member page answers 413: a file over 10 MiB is not copied in."""
    path = write_csv(tmp_path / "big.csv", [row(member_id="KE-ONE")])
    with path.open("ab") as handle:
        handle.truncate(11 * 2**20)
    code = collection_main(["receive", str(path), "--year", "2025", "--raw-data", str(raw_data)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{path}: not received: The file is 11.0 MiB, over the limit of 10 MiB" in out
    assert not list((raw_data / "submissions").rglob("*.csv"))


def test_collection_receive_with_member_refuses_another_members_file(raw_data, tmp_path, capsys):
    path = write_csv(tmp_path / "it.csv", [row(member_id="IT-ONE")])
    code = collection_main(["receive", str(path), "--year", "2025", "--member", "FR-ONE",
                            "--raw-data", str(raw_data)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1 and "refused" in out and "not FR-ONE" in out
    assert not (raw_data / "submissions").exists()


def test_an_upload_changes_the_sensors_folder_fingerprint(raw_data, reference, tmp_path):
    """The sensor of pipelines/automation.py sees an uploaded file like any other."""
    from pipelines.automation import folder_fingerprints
    from pipelines.resources import CicopaPaths

    write_csv(raw_data / "submissions" / "2024" / "IT-ONE.csv", [row(reference_year=2024)])
    paths = CicopaPaths(raw_data=str(raw_data), out=str(tmp_path / "out"))
    before = folder_fingerprints(paths)
    receive(raw_data, reference, 2024, _csv(tmp_path, member_id="FR-ONE", reference_year=2024),
            "x.csv", "FR-ONE", now=MOMENT)  # fmt: skip
    after = folder_fingerprints(paths)
    assert set(before) == set(after) == {"2024"}
    assert before["2024"] != after["2024"]
