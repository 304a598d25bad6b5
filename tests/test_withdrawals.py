"""reference/withdrawals.csv: a withdrawn file keeps its place, counts nowhere, and takes
no part in the resubmission rule (SPEC section 2); shown in tracker, letters and trace.

Built on tests/builders.write_statistics_fixture (reference year 2025): IT-ONE sent
IT-ONE_first.csv (submitted 2026-01-15, 99 enterprises) and IT-ONE_final.xlsx (2026-02-01,
10 + 5 enterprises); KE-ONE.csv is rejected; US-ONE.csv is accepted with a warning-free
single row of 4 enterprises.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from cicopa.outcomes import validate_year
from cicopa.reference import ReferenceDataError, load_reference
from cicopa.trace import trace
from cicopa.tracker import missing_by_region, tracker_table
from cicopa.withdrawals import load_withdrawals
from reports.feedback import feedback_contexts
from tests.builders import row, write_csv, write_rows, write_statistics_fixture
from tests.test_trace import publish

YEAR = 2025
HEADER = ("year", "file", "withdrawn_on", "reason")


def withdraw(raw_data: Path, *lines: tuple[str, ...]) -> None:
    write_rows(raw_data / "reference" / "withdrawals.csv", [HEADER, *lines])


@pytest.fixture
def raw(raw_data: Path) -> Path:
    return write_statistics_fixture(raw_data)


def outcome(raw: Path):
    return validate_year(raw, load_reference(raw), YEAR)


def statuses(raw: Path) -> dict[str, str]:
    return dict(outcome(raw).submissions.select("file", "status").iter_rows())


def test_no_file_means_no_withdrawal(raw: Path) -> None:
    assert load_withdrawals(raw).is_empty()
    assert "withdrawn" not in statuses(raw).values()


def test_withdrawn_latest_file_leaves_the_earlier_one_accepted(raw: Path) -> None:
    """The withdrawn file takes no part in the resubmission rule: the earlier file is
    no longer superseded, and its 99 enterprises count."""
    withdraw(raw, ("2025", "IT-ONE_final.xlsx", "2026-02-03", "sent by mistake"))
    result = outcome(raw)
    found = dict(result.submissions.select("file", "status").iter_rows())
    assert found["submissions/2025/IT-ONE_final.xlsx"] == "withdrawn"
    assert found["submissions/2025/IT-ONE_first.csv"] == "accepted"
    it_one = result.accepted_rows.filter(result.accepted_rows["member_id"] == "IT-ONE")
    assert it_one["enterprises"].to_list() == [99]
    assert set(it_one["file"]) == {"submissions/2025/IT-ONE_first.csv"}
    line = result.submissions.filter(result.submissions["status"] == "withdrawn").row(0, named=True)
    assert (line["member_id"], line["rows"], line["errors"], line["warnings"]) == (
        "IT-ONE", 2, 0, 0,
    )  # fmt: skip
    assert line["sha256"] is not None
    assert result.withdrawn == {
        "submissions/2025/IT-ONE_final.xlsx": "withdrawn on 2026-02-03: sent by mistake"
    }


def test_withdrawn_rejected_file_has_no_issue_and_no_letter(raw: Path) -> None:
    withdraw(raw, ("2025", "KE-ONE.csv", "2026-02-03", "member confirmed by e-mail"))
    result = outcome(raw)
    assert "submissions/2025/KE-ONE.csv" not in set(result.issues["file"])
    reference = load_reference(raw)
    tracker = tracker_table(reference, result, YEAR)
    ke = tracker.filter(tracker["member_id"] == "KE-ONE").row(0, named=True)
    assert (ke["status"], ke["file"]) == ("withdrawn", "submissions/2025/KE-ONE.csv")
    africa = missing_by_region(tracker).filter(missing_by_region(tracker)["region"] == "AFRICA")
    assert africa.select("members_missing", "members_rejected").row(0) == (1, 1)
    letters = feedback_contexts(
        reference=reference, validation=result, year=YEAR, deadline=date(2026, 3, 31)
    )
    # Without the withdrawal KE-ONE gets a letter for its rejected file (test_feedback).
    assert "KE-ONE" not in letters


def test_a_rejected_file_beside_a_withdrawn_one_is_the_only_one_in_the_letter(
    raw: Path,
) -> None:
    year = raw / "submissions" / "2025"
    write_csv(year / "KE-ONE_again.csv", [row(member_id="KE-ONE", employees=-2)])
    withdraw(raw, ("2025", "KE-ONE.csv", "2026-02-03", "replaced"))
    reference = load_reference(raw)
    letters = feedback_contexts(
        reference=reference, validation=outcome(raw), year=YEAR, deadline=date(2026, 3, 31)
    )
    assert [f["name"] for f in letters["KE-ONE"]["files"]] == ["KE-ONE_again.csv"]


def test_withdrawal_resolves_an_undecidable_resubmission(raw: Path) -> None:
    """Two undated files of IT-TWO reject each other; withdrawing one accepts the other."""
    year = raw / "submissions" / "2025"
    write_csv(year / "IT-TWO_copy.csv", [row(member_id="IT-TWO", enterprises=7)])
    assert statuses(raw)["submissions/2025/IT-TWO.json"] == "rejected"
    withdraw(raw, ("2025", "IT-TWO_copy.csv", "2026-02-03", "duplicate"))
    found = statuses(raw)
    assert found["submissions/2025/IT-TWO.json"] == "accepted"
    assert found["submissions/2025/IT-TWO_copy.csv"] == "withdrawn"


def test_trace_names_the_withdrawn_file_and_why(raw: Path, tmp_path: Path) -> None:
    withdraw(raw, ("2025", "US-ONE.csv", "2026-02-03", "figures of another year"))
    out = tmp_path / "out"
    publish(raw, out)
    result = trace(raw, out, YEAR, "US", "employment_total")
    assert result.contributions == [] and result.figure_matches
    (entry,) = [n for n in result.not_counted if n.file]
    assert (entry.file, entry.member_id, entry.status, entry.reason) == (
        "submissions/2025/US-ONE.csv", "US-ONE", "withdrawn",
        "withdrawn on 2026-02-03: figures of another year",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (("2025", "NOPE.csv", "2026-02-03", "x"), "line 2, file: no file 'NOPE.csv' in "
         "submissions/2025/"),
        (("2024", "US-ONE.csv", "2026-02-03", "x"), "line 2, file: no file 'US-ONE.csv' in "
         "submissions/2024/"),
        (("2025", "../2025/US-ONE.csv", "2026-02-03", "x"), "line 2, file: "
         "'../2025/US-ONE.csv' must be a path inside submissions/2025/"),
        (("2025", "US-ONE.csv", "3 February 2026", "x"), "line 2, withdrawn_on: "
         "'3 February 2026' is not an ISO 8601 date"),
        (("twenty", "US-ONE.csv", "2026-02-03", "x"), "line 2, year: 'twenty' is not a year"),
        (("2025", "US-ONE.csv", "2026-02-03", ""), "line 2, reason: is empty"),
    ],
)  # fmt: skip
def test_a_bad_line_is_a_reference_data_error(raw: Path, line: tuple[str, ...], message: str):
    withdraw(raw, line)
    with pytest.raises(ReferenceDataError) as caught:
        load_withdrawals(raw)
    assert str(caught.value) == f"{raw / 'reference' / 'withdrawals.csv'}, {message}"
    with pytest.raises(ReferenceDataError):
        validate_year(raw, load_reference(raw), YEAR)


def test_a_file_withdrawn_twice_and_a_missing_column_are_errors(raw: Path) -> None:
    line = ("2025", "US-ONE.csv", "2026-02-03", "x")
    withdraw(raw, line, line)
    with pytest.raises(
        ReferenceDataError, match=re.escape("line 3, file: 'US-ONE.csv' is withdrawn twice")
    ):
        load_withdrawals(raw)
    write_rows(raw / "reference" / "withdrawals.csv", [("year", "file", "reason"), line[:3]])
    with pytest.raises(ReferenceDataError, match="line 1: missing column 'withdrawn_on'"):
        load_withdrawals(raw)


def test_a_withdrawals_file_that_is_not_utf8_is_refused(raw: Path) -> None:
    path = raw / "reference" / "withdrawals.csv"
    path.write_bytes(b"year,file,withdrawn_on,reason\n2025,US-ONE.csv,2026-02-03,r\xe9vis\xe9\n")
    with pytest.raises(ReferenceDataError, match="not valid UTF-8"):
        load_withdrawals(raw)
