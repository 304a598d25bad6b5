"""Validation rules: each rule of SPEC section 2 fails where it should and only there."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pytest

from cicopa.issues import Issue
from cicopa.readers import read_file
from cicopa.reference import Reference
from cicopa.validation import CheckedSubmission, check_submissions
from tests.builders import HEADER, row, write_csv

FILE = "s.csv"


def check(
    tmp_path: Path,
    reference: Reference,
    rows: list[dict[str, Any]],
    year: int | None = 2025,
    header: list[str] | None = None,
) -> CheckedSubmission:
    """Write rows as a CSV submission and validate it as if filed under `year`."""
    path = write_csv(tmp_path / FILE, rows, header=header)
    return check_submissions([read_file(path, FILE)], reference, {FILE: year})[0]


def errors(checked: CheckedSubmission) -> list[Issue]:
    return [i for i in checked.issues if i.severity == "error"]


def where(issues: list[Issue]) -> set[tuple[str, int | None, str | None]]:
    return {(i.rule, i.row, i.column) for i in issues}


WITHOUT_EMPLOYEES = [c for c in HEADER if c != "employees"]


class Fails(NamedTuple):
    """A submission that breaks one rule, and where and how the break must be reported."""

    rows: list[dict[str, Any]]
    rule: str
    row: int | None
    column: str
    words: list[str]  # the message must contain each of them
    year: int | None = 2025  # the year folder the file is filed under
    header: list[str] | None = None


FAILING: dict[str, Fails] = {
    "required_column": Fails(
        [row(), row(sector="A"), row(sector="B")],
        "required_column", None, "employees", ["'employees'"], header=WITHOUT_EMPLOYEES,
    ),
    "required_value": Fails(
        [row(), row(sector="A", employees="")],
        "required_value", 2, "employees", ["Row 2", "employees", "empty"],
    ),
    "whole_number-decimal": Fails(
        [row(enterprises="12.5")], "whole_number", 1, "enterprises", ["'12.5'", "enterprises"]
    ),
    "whole_number-space-separated": Fails(
        [row(employees="12 000")], "whole_number", 1, "employees", ["'12 000'", "employees"]
    ),
    "whole_number-text": Fails(
        [row(worker_members="abc")], "whole_number", 1, "worker_members", ["'abc'"]
    ),
    "no_thousands_separator-dot": Fails(
        [row(employees="12.000")], "no_thousands_separator", 1, "employees", ["'12.000'", "12000"]
    ),
    "no_thousands_separator-comma": Fails(
        [row(women="1,200", employees=2000)],
        "no_thousands_separator", 1, "women", ["'1,200'", "1200"],
    ),
    "number": Fails(
        [row(turnover="12,5x", currency="EUR")], "number", 1, "turnover", ["'12,5x'", "turnover"]
    ),
    "iso_date": Fails(
        [row(submitted_at="15/02/2026")], "iso_date", 1, "submitted_at", ["'15/02/2026'"]
    ),
    "sector_code": Fails([row(), row(sector="Z")], "sector_code", 2, "sector", ["'Z'", "sector"]),
    "cooperative_type_code": Fails(
        [row(cooperative_type="workers")],
        "cooperative_type_code", 1, "cooperative_type", ["'workers'"],
    ),
    "currency_code": Fails(
        [row(turnover=100, currency="EURO")], "currency_code", 1, "currency", ["'EURO'"]
    ),
    "non_negative-integer": Fails(
        [row(employees=-5)], "non_negative", 1, "employees",
        ["Row 1, employees: -5 is negative; employees must be 0 or more."],
    ),
    "non_negative-turnover": Fails(
        [row(turnover="-12.5", currency="EUR")], "non_negative", 1, "turnover", ["-12.5"]
    ),
    "one_value_per_submission-member_id": Fails(
        [row(), row(sector="A", member_id="IT-TWO")],
        "one_value_per_submission", 2, "member_id", ["IT-TWO", "IT-ONE", "row 1"],
    ),
    # Not filed under a year folder, so only the per-submission rule speaks.
    "one_value_per_submission-reference_year": Fails(
        [row(), row(sector="A", reference_year=2024)],
        "one_value_per_submission", 2, "reference_year", ["2024", "2025", "row 1"], year=None,
    ),
    "one_value_per_submission-currency": Fails(
        [row(turnover=5, currency="EUR"), row(sector="A", turnover=6, currency="USD")],
        "one_value_per_submission", 2, "currency", ["USD", "EUR", "row 1"],
    ),
    "member_active_in_year-unknown": Fails(
        [row(member_id="IT-NOPE")],
        "member_active_in_year", 1, "member_id", ["'IT-NOPE'", "registry"],
    ),
    "member_active_in_year-left": Fails(
        [row(member_id="FR-OLD")], "member_active_in_year", 1, "member_id", ["'FR-OLD'", "2025"]
    ),
    "year_matches_folder": Fails(
        [row(reference_year=2024)], "year_matches_folder", 1, "reference_year", ["2024", "2025"]
    ),
    "currency_known_for_year": Fails(
        [row(turnover=100, currency="GBP")],
        "currency_known_for_year", 1, "currency", ["'GBP'", "2025"],
    ),
    "currency_with_turnover": Fails(
        [row(), row(sector="A", turnover=100)],
        "currency_with_turnover", 2, "currency", ["turnover", "currency"],
    ),
    "women_within_employment": Fails(
        [row(worker_members=10, employees=2, producer_members=0, women=13)],
        "women_within_employment", 1, "women", ["13 women", "12 persons"],
    ),
    "transfers_within_new_enterprises-more": Fails(
        [row(new_enterprises=2, transfers=3)],
        "transfers_within_new_enterprises", 1, "transfers", ["3 transfers", "2 new_enterprises"],
    ),
    "transfers_within_new_enterprises-no-new": Fails(
        [row(transfers=1)],
        "transfers_within_new_enterprises", 1, "transfers", ["1 transfers", "new_enterprises"],
    ),
    "enterprises_when_employment": Fails(
        [row(enterprises=0, worker_members=0, employees=4, producer_members=0)],
        "enterprises_when_employment", 1, "enterprises", ["0 enterprises", "up to 4"],
    ),
    "unique_sector_and_type": Fails(
        [row(), row(sector="A"), row(sector="C", cooperative_type="worker")],
        "unique_sector_and_type", 3, "cooperative_type", ["sector C", "worker", "row 1"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(FAILING))
def test_rule_fails_on_the_offending_cell(case: str, tmp_path: Path, reference: Reference) -> None:
    """The rule is reported as an error at the right row and column, with a useful message."""
    expected = FAILING[case]
    checked = check(tmp_path, reference, expected.rows, expected.year, expected.header)

    matching = [i for i in checked.issues if i.rule == expected.rule]
    assert len(matching) == 1, checked.issues
    issue = matching[0]
    assert (issue.severity, issue.row, issue.column, issue.file) == (
        "error",
        expected.row,
        expected.column,
        FILE,
    )
    for word in expected.words:
        assert word in issue.message
    # Nothing else in the file is blamed: every error sits on the offending cell.
    assert {(i.row, i.column) for i in errors(checked)} == {(expected.row, expected.column)}


def test_missing_column_is_one_file_level_issue(tmp_path: Path, reference: Reference) -> None:
    """A missing required column gives one issue for the file, not one empty cell per row."""
    checked = check(tmp_path, reference, [row(), row(sector="A")], header=WITHOUT_EMPLOYEES)

    assert where(checked.issues) == {("required_column", None, "employees")}
    assert checked.raw.missing_columns == ("employees",)


# (rows, folder year): each must pass every rule, the named one included.
PASSING: dict[str, tuple[list[dict[str, Any]], int | None]] = {
    "required_value-optional-empty": ([row(women="", turnover="", comment="")], 2025),
    "whole_number-plain": ([row(employees="12")], 2025),
    "whole_number-point-zero": ([row(employees="12.0", reference_year="2025.0")], 2025),
    "number-decimal": ([row(turnover="1234.5", currency="EUR")], 2025),
    "number-zero": ([row(turnover="0", currency="EUR")], 2025),
    "iso_date-date": ([row(submitted_at="2026-02-15")], 2025),
    "iso_date-datetime-utc": ([row(submitted_at="2026-02-15T10:00:00Z")], 2025),
    "iso_date-datetime-offset": ([row(submitted_at="2026-02-15T10:00:00+01:00")], 2025),
    "sector_code-lower-case": ([row(sector="c")], 2025),
    "sector_code-first-and-last": ([row(sector="A"), row(sector="U")], 2025),
    "cooperative_type_code-case-and-spaces": ([row(cooperative_type=" Worker ")], 2025),
    "cooperative_type_code-all": (
        [
            row(cooperative_type=kind)
            for kind in ("worker", "social", "producer", "multi_stakeholder", "other")
        ],
        2025,
    ),
    "currency_code-lower-case": ([row(turnover=5, currency="eur")], 2025),
    "non_negative-zero": (
        [row(enterprises=0, worker_members=0, employees=0, producer_members=0, women=0)],
        2025,
    ),
    "one_value_per_submission-repeated": (
        [
            row(turnover=5, currency="EUR", submitted_at="2026-02-15"),
            row(sector="A", turnover=6, currency="eur", submitted_at="2026-02-15"),
        ],
        2025,
    ),
    "member_active_in_year-left-member-in-earlier-year": (
        [row(member_id="FR-OLD", reference_year=2024)],
        2024,
    ),
    "year_matches_folder": ([row(reference_year=2025)], 2025),
    "currency_known_for_year-eur": ([row(turnover=100, currency="EUR")], 2025),
    "currency_with_turnover-currency-on-first-row-only": (
        [row(turnover=100, currency="EUR"), row(sector="A", turnover=200)],
        2025,
    ),
    "currency_with_turnover-currency-on-a-row-without-turnover": (
        [row(currency="BRL"), row(sector="A", turnover=200)],
        2025,
    ),
    "women_within_employment-equal": (
        [row(worker_members=10, employees=2, producer_members=3, women=15)],
        2025,
    ),
    "transfers_within_new_enterprises-equal": ([row(new_enterprises=2, transfers=2)], 2025),
    "transfers_within_new_enterprises-zero-without-new": ([row(transfers=0)], 2025),
    "enterprises_when_employment-nobody-employed": (
        [row(enterprises=0, worker_members=0, employees=0, producer_members=0)],
        2025,
    ),
    "unique_sector_and_type-same-sector-other-type": (
        [row(), row(cooperative_type="social"), row(sector="A")],
        2025,
    ),
}


@pytest.mark.parametrize("case", list(PASSING))
def test_rule_passes_on_valid_values(case: str, tmp_path: Path, reference: Reference) -> None:
    """Valid values, including the spellings the spec tolerates, raise no issue at all."""
    rows, year = PASSING[case]
    checked = check(tmp_path, reference, rows, year)

    assert checked.issues == []
    assert checked.rows.height == len(rows)


def test_whole_numbers_are_typed(tmp_path: Path, reference: Reference) -> None:
    """`12` and `12.0` both become the integer 12."""
    checked = check(tmp_path, reference, [row(employees="12"), row(sector="A", employees="12.0")])

    assert checked.issues == []
    assert checked.rows["employees"].to_list() == [12, 12]


def test_every_error_of_a_file_is_reported_in_one_pass(
    tmp_path: Path, reference: Reference
) -> None:
    """A member fixes everything in one round: all errors of the file come at once."""
    rows = [
        row(employees=-5, sector="Z"),
        row(sector="A", enterprises="12.5", women=99),
        row(sector="B", cooperative_type="workers", submitted_at="15/02/2026"),
        row(sector="A", turnover=5),
        row(sector="D", member_id="IT-TWO"),
    ]
    checked = check(tmp_path, reference, rows)

    expected = {
        ("sector_code", 1, "sector"),
        ("non_negative", 1, "employees"),
        ("whole_number", 2, "enterprises"),
        ("women_within_employment", 2, "women"),
        ("cooperative_type_code", 3, "cooperative_type"),
        ("iso_date", 3, "submitted_at"),
        ("unique_sector_and_type", 4, "cooperative_type"),
        ("currency_with_turnover", 4, "currency"),
        ("one_value_per_submission", 5, "member_id"),
    }
    assert where(checked.issues) == expected
    assert checked.errors == 9
    assert checked.warnings == 0


def test_codes_ignore_case_and_surrounding_spaces(tmp_path: Path, reference: Reference) -> None:
    """member_id, sector, cooperative_type and currency match whatever their case or padding."""
    rows = [
        row(
            member_id=" it-one ",
            sector=" c ",
            cooperative_type=" WORKER ",
            turnover=10,
            currency=" eur ",
        ),
        row(member_id="It-One", sector="a", cooperative_type="Social", currency="EUR"),
    ]
    checked = check(tmp_path, reference, rows)

    assert checked.issues == []
    assert checked.member_id == "IT-ONE"
    assert checked.rows.select("member_id", "sector", "cooperative_type", "currency").rows() == [
        ("IT-ONE", "C", "worker", "EUR"),
        ("IT-ONE", "A", "social", "EUR"),
    ]


def test_duplicate_pair_is_found_whatever_the_case(tmp_path: Path, reference: Reference) -> None:
    """`c`/`Worker` repeats `C`/`worker`: the repeat is flagged and names the first row."""
    rows = [row(), row(sector="A"), row(sector=" c", cooperative_type="Worker ")]
    checked = check(tmp_path, reference, rows)

    assert where(checked.issues) == {("unique_sector_and_type", 3, "cooperative_type")}
    assert "row 1" in checked.issues[0].message


def test_files_checked_together_do_not_mix(tmp_path: Path, reference: Reference) -> None:
    """Per-submission rules look at one file: two files of different members are both fine."""
    one = write_csv(tmp_path / "one.csv", [row(turnover=5, currency="EUR")])
    two = write_csv(tmp_path / "two.csv", [row(member_id="US-ONE", turnover=5, currency="USD")])
    raws = [read_file(one, "one.csv"), read_file(two, "two.csv")]

    checked = check_submissions(raws, reference, {"one.csv": 2025, "two.csv": 2025})

    assert [c.issues for c in checked] == [[], []]
    assert [c.member_id for c in checked] == ["IT-ONE", "US-ONE"]


# --- known bugs: each test states the behaviour the spec asks for ---


def test_integer_too_large_is_an_error_not_a_silent_null(
    tmp_path: Path, reference: Reference
) -> None:
    """A required figure is never dropped silently."""
    checked = check(tmp_path, reference, [row(employees="99999999999999999999")])

    assert {(i.row, i.column) for i in errors(checked)} == {(1, "employees")}


def test_turnover_overflowing_to_infinity_is_an_error(tmp_path: Path, reference: Reference) -> None:
    """A turnover must be a finite number."""
    checked = check(tmp_path, reference, [row(turnover="1e400", currency="EUR")])

    assert where(errors(checked)) == {("number", 1, "turnover")}


@pytest.mark.parametrize("value", ["2026-02-30", "2026-13-01", "2026-02-15T25:00:00"])
def test_impossible_date_is_an_iso_date_error(
    value: str, tmp_path: Path, reference: Reference
) -> None:
    """submitted_at must be a real calendar date and time."""
    checked = check(tmp_path, reference, [row(submitted_at=value)])

    assert where(errors(checked)) == {("iso_date", 1, "submitted_at")}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"turnover": 100, "currency": "EURO"}, {("currency_code", 1, "currency")}),
        ({"new_enterprises": "abc", "transfers": 1}, {("whole_number", 1, "new_enterprises")}),
    ],
    ids=["currency", "new_enterprises"],
)
def test_a_refused_cell_is_reported_once(
    values: dict[str, Any], expected: set, tmp_path: Path, reference: Reference
) -> None:
    """One mistake, one message: a cell refused as text is not judged again as a figure."""
    checked = check(tmp_path, reference, [row(**values)])

    assert where(errors(checked)) == expected


def test_unknown_year_does_not_make_a_valid_currency_unknown(
    tmp_path: Path, reference: Reference
) -> None:
    """A bad reference_year is one error; it does not also condemn the currency."""
    checked = check(
        tmp_path, reference, [row(reference_year="abc", turnover=5, currency="EUR")], year=None
    )

    assert where(errors(checked)) == {("whole_number", 1, "reference_year")}
