"""`cicopa validate FILE... [--raw-data DIR]`: what a member or staff sees (SPEC section 4)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.cli import main
from tests.builders import row, write_csv, write_json, write_xlsx

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def run(capsys: pytest.CaptureFixture[str], raw_data: Path, *files: Path) -> tuple[int, str, str]:
    code = main(["validate", *map(str, files), "--raw-data", str(raw_data)])
    out, err = capsys.readouterr()
    return code, out, err


def line_of(out: str, *words: str) -> str:
    """The one printed line that contains all the words."""
    lines = [line for line in out.splitlines() if all(w in line for w in words)]
    assert len(lines) == 1, (words, out)
    return lines[0]


def test_valid_file_exits_0_and_says_ok(
    capsys: pytest.CaptureFixture[str], raw_data: Path, tmp_path: Path
) -> None:
    """A clean file is confirmed as OK."""
    path = write_csv(tmp_path / "it-one.csv", [row(), row(sector="A")])

    code, out, _ = run(capsys, raw_data, path)

    assert code == 0
    assert "OK" in line_of(out, str(path))
    assert "error" not in out


def test_warnings_only_exit_0(
    capsys: pytest.CaptureFixture[str], raw_data: Path, tmp_path: Path
) -> None:
    """Warnings are printed but do not fail the command."""
    path = write_csv(tmp_path / "it-one.csv", [{**row(), "notes": "x"}], header=[*row(), "notes"])

    code, out, _ = run(capsys, raw_data, path)

    assert code == 0
    assert "notes" in line_of(out, "warning", "unknown_column")


def test_errors_exit_1_and_each_issue_names_file_row_and_column(
    capsys: pytest.CaptureFixture[str], raw_data: Path, tmp_path: Path
) -> None:
    """Every issue is printed with the file, the row and the column to fix."""
    path = write_xlsx(
        tmp_path / "it-one.xlsx",
        [row(employees=-5), row(sector="Z"), row(sector="A", women=99)],
        title="Survey 2025",
    )

    code, out, _ = run(capsys, raw_data, path)

    assert code == 1
    assert "3 error(s)" in line_of(out, str(path), "data rows")
    for rule, row_number, column in [
        ("non_negative", 1, "employees"),
        ("sector_code", 2, "sector"),
        ("women_within_employment", 3, "women"),
    ]:
        line = line_of(out, f"[{rule}]")
        assert str(path) in line
        assert f"Row {row_number}, {column}" in line
        assert line.lstrip().startswith("error:")


def test_file_level_issue_names_the_column(
    capsys: pytest.CaptureFixture[str], raw_data: Path, tmp_path: Path
) -> None:
    """A missing column is printed once, naming the column."""
    path = write_csv(tmp_path / "s.csv", [row(), row(sector="A")], header=["member_id", "sector"])

    code, out, _ = run(capsys, raw_data, path)

    assert code == 1
    missing = [line for line in out.splitlines() if "[required_column]" in line]
    assert len(missing) == 6  # the six required columns not in the header
    assert "'employees'" in line_of(out, "[required_column]", "employees")


def test_several_files_at_once(
    capsys: pytest.CaptureFixture[str], raw_data: Path, tmp_path: Path
) -> None:
    """Each file gets its own verdict; one bad file makes the exit code 1."""
    good = write_csv(tmp_path / "it-one.csv", [row()])
    bad = write_json(
        tmp_path / "us-one.json",
        {"member_id": "US-ONE", "rows": [row(member_id="US-ONE", sector="Z")]},
    )
    also_good = write_xlsx(tmp_path / "fr-one.xlsx", [row(member_id="FR-ONE")])

    code, out, _ = run(capsys, raw_data, good, bad, also_good)

    assert code == 1
    assert "OK" in line_of(out, str(good), "data rows")
    assert "OK" in line_of(out, str(also_good), "data rows")
    assert "1 error(s)" in line_of(out, str(bad), "data rows")
    assert "Row 1, sector" in line_of(out, str(bad), "[sector_code]")


def test_unreadable_file_exits_1(
    capsys: pytest.CaptureFixture[str], raw_data: Path, tmp_path: Path
) -> None:
    """A file that cannot be parsed is reported as unreadable, and that is an error."""
    path = tmp_path / "it-one.xlsx"
    path.write_bytes(b"not a workbook")

    code, out, _ = run(capsys, raw_data, path)

    assert code == 1
    assert "unreadable" in line_of(out, str(path), "data rows")
    assert str(path) in line_of(out, "[unreadable_file]")


def test_missing_reference_data_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Without the registry nothing can be checked: exit 2 with a one-line reason."""
    path = write_csv(tmp_path / "it-one.csv", [row()])
    empty = tmp_path / "no-raw-data"
    empty.mkdir()

    code, out, err = run(capsys, empty, path)

    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "reference" in err


def test_year_folder_of_the_file_is_checked(
    capsys: pytest.CaptureFixture[str], raw_data: Path
) -> None:
    """A file filed under submissions/2025/ must report 2025, as in the build."""
    path = write_csv(raw_data / "submissions" / "2025" / "it-one.csv", [row(reference_year=2024)])

    code, out, _ = run(capsys, raw_data, path)

    assert code == 1
    assert "Row 1, reference_year" in line_of(out, "[year_matches_folder]")


def test_year_folder_is_found_for_files_in_sub_folders(
    capsys: pytest.CaptureFixture[str], raw_data: Path
) -> None:
    """validate agrees with the build for files nested under the year folder."""
    path = write_csv(
        raw_data / "submissions" / "2025" / "italy" / "it-one.csv", [row(reference_year=2024)]
    )

    code, out, _ = run(capsys, raw_data, path)

    assert code == 1
    assert "[year_matches_folder]" in out


def test_same_file_named_twice_is_checked_once(
    capsys: pytest.CaptureFixture[str], raw_data: Path, tmp_path: Path
) -> None:
    """Overlapping arguments (e.g. a glob plus one of its files) do not invent errors."""
    path = write_csv(tmp_path / "it-one.csv", [row()])

    code, out, _ = run(capsys, raw_data, path, path)

    assert code == 0
    assert "error" not in out


def test_installed_command_runs_outside_the_project(raw_data: Path, tmp_path: Path) -> None:
    """The `cicopa` entry point works as a program, with exit codes 0 and 1."""
    command = Path(sys.executable).parent / "cicopa"
    good = write_csv(tmp_path / "good.csv", [row()])
    bad = write_csv(tmp_path / "bad.csv", [row(employees=-5)])

    ok = subprocess.run(
        [str(command), "validate", str(good), "--raw-data", str(raw_data)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    failed = subprocess.run(
        [str(command), "validate", str(bad), "--raw-data", str(raw_data)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )

    assert (ok.returncode, failed.returncode) == (0, 1), (ok.stderr, failed.stderr)
    assert "OK" in ok.stdout
    assert "Row 1, employees" in failed.stdout


def test_validate_does_not_import_dagster(raw_data: Path, tmp_path: Path) -> None:
    """Checking a file stays light: the orchestrator is never imported."""
    files = [
        write_csv(tmp_path / "s.csv", [row()]),
        write_xlsx(tmp_path / "s.xlsx", [row(member_id="FR-ONE")]),
        write_json(tmp_path / "s.json", {"rows": [row(member_id="US-ONE")]}),
    ]
    argv = ["validate", *map(str, files), "--raw-data", str(raw_data)]
    script = (
        "import sys\n"
        "from pipelines.cli import main\n"
        f"code = main({argv!r})\n"
        "print(code, 'dagster' in sys.modules)\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "0 False"


@pytest.mark.parametrize(("command", "batch"), [("build", True), ("validate", True),
                                                ("serve", False), ("ui", False)])  # fmt: skip
def test_only_a_batch_command_collects_rarely(
    command: str, batch: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The servers (the member portal, the read-only UI) live for weeks: they keep Python's
    own collection thresholds; a build or a check is over in seconds and collects rarely."""
    import gc

    import pipelines.cli as cli
    from cicopa.process import BATCH_THRESHOLDS

    default = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    monkeypatch.setattr(cli.sys, "argv", ["cicopa", command])
    monkeypatch.setattr(cli, "main", lambda: seen.append(gc.get_threshold()) or 0)
    try:
        with pytest.raises(SystemExit):
            cli.run()
    finally:
        gc.set_threshold(*default)
        gc.unfreeze()
    assert seen == [BATCH_THRESHOLDS if batch else default]
