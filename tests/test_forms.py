"""Survey forms: one .xlsx per active member, prepared from its last accepted year.

The forms are read back with openpyxl (what a member's spreadsheet program sees) and,
once filled in, run through the pipeline's own validation (what the secretariat sees).
"""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from cicopa.columns import COLUMN_NAMES, COOPERATIVE_TYPES, INTEGER_COLUMNS, SECTORS
from cicopa.links import member_token
from cicopa.outcomes import validate_year
from cicopa.reference import load_reference
from cicopa.settings import PUBLIC_URL
from pipelines.collection_cli import main
from reports.form_sheets import LAST_ROW
from reports.forms import SHEETS, form_bytes, open_collection
from tests.builders import (
    MEMBERS,
    accepted_before,
    make_reference,
    write_rows,
    write_statistics_fixture,
)

YEAR = 2026  # the collection that opens after the fixture's 2025 answers


@pytest.fixture
def raw(raw_data: Path) -> Path:
    return write_statistics_fixture(raw_data)


SECRET = b"portal secret of the form tests, long enough"


@pytest.fixture(autouse=True)
def portal_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """Links from a configured secret: no secret file is created in the project."""
    monkeypatch.setenv("CICOPA_PORTAL_SECRET", SECRET.decode())


def open_forms(raw: Path, out: Path, year: int) -> list[Path]:
    """The forms as the open_collection job writes them, from the earlier accepted figures."""
    return open_collection(
        load_reference(raw), out, year, earlier=accepted_before(raw, year), secret=SECRET
    )


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The fixture's forms, written once for the module: the tests only read them."""
    root = tmp_path_factory.mktemp("forms")
    raw = write_statistics_fixture(make_reference(root / "raw_data"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CICOPA_PORTAL_SECRET", SECRET.decode())
        paths = open_forms(raw, root / "out", YEAR)
    return {p.stem: p for p in paths}


def sheet(path: Path, name: str = "submission") -> Worksheet:
    return openpyxl.load_workbook(path)[name]


def data_rows(ws: Worksheet) -> list[dict[str, object]]:
    rows = []
    for values in ws.iter_rows(min_row=2, max_col=len(COLUMN_NAMES), values_only=True):
        if any(v is not None for v in values):
            rows.append(dict(zip(COLUMN_NAMES, values, strict=True)))
    return rows


def validations(ws: Worksheet) -> dict[str, object]:
    """Data validations by the header of the column they cover."""
    found = {}
    for validation in ws.data_validations.dataValidation:
        ranges = str(validation.sqref).split()
        assert len(ranges) == 1
        first, last = ranges[0].split(":")
        assert first[1:] == "2" and last[1:] == str(LAST_ROW), ranges
        column = openpyxl.utils.column_index_from_string(first.rstrip("0123456789"))
        found[COLUMN_NAMES[column - 1]] = validation
    return found


def list_values(path: Path, formula: str) -> list[str]:
    """The cells a list validation's range (`lists!$A$2:$A$22`) points to."""
    sheet_name, cells = formula.split("!")
    ws = openpyxl.load_workbook(path)[sheet_name]
    return [c.value for row in ws[cells.replace("$", "")] for c in row]


# --- which forms, which sheets --------------------------------------------------------


def test_one_form_per_active_member(forms: dict[str, Path]) -> None:
    # FR-OLD left in 2025: no form for 2026.
    assert sorted(forms) == ["BR-ONE", "CO-ONE", "FR-ONE", "IT-ONE", "IT-TWO", "KE-ONE", "US-ONE"]
    assert all(p.parent.parts[-3:] == ("out", "forms", str(YEAR)) for p in forms.values())
    # Written atomically: no temporary file left behind.
    assert sorted(p.name for p in forms["IT-ONE"].parent.iterdir()) == sorted(
        [*(f"{m}.xlsx" for m in forms), "links.csv"]
    )


def test_each_form_and_links_csv_carry_the_members_upload_link(forms: dict[str, Path]) -> None:
    token = member_token(SECRET, "FR-ONE", YEAR)
    link = f"{PUBLIC_URL}/submit/{token}"
    lines = (forms["FR-ONE"].parent / "links.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "member_id,name,language,link"
    assert f"FR-ONE,Sample federation 1 of France,fr,{link}" in lines
    assert len(lines) == 1 + len(forms)
    texts = [c.value for r in sheet(forms["FR-ONE"], "instructions").iter_rows() for c in r]
    (online,) = [t for t in texts if isinstance(t, str) and link in t]
    assert online.startswith("Ou déposez-le à l'adresse propre à votre organisation")


def test_sheets_header_and_layout(forms: dict[str, Path]) -> None:
    book = openpyxl.load_workbook(forms["IT-ONE"])
    assert book.sheetnames == list(SHEETS)
    assert book.sheetnames[0] == "submission" and book.active.title == "submission"
    assert book["lists"].sheet_state == "hidden"
    ws = book["submission"]
    assert [c.value for c in ws[1]] == list(COLUMN_NAMES)
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b
    assert all(ws.column_dimensions[c].width >= 9 for c in "ABCDEFGHIJKLMNO")


def test_prepared_rows_are_last_years_pairs(forms: dict[str, Path]) -> None:
    # IT-ONE's accepted 2025 file (IT-ONE_final.xlsx, not the superseded CSV): C/worker, Q/social.
    rows = data_rows(sheet(forms["IT-ONE"]))
    assert [(r["sector"], r["cooperative_type"]) for r in rows] == [
        ("C", "worker"),
        ("Q", "social"),
    ]
    for r in rows:
        assert (r["member_id"], r["reference_year"], r["currency"]) == ("IT-ONE", YEAR, "EUR")
        figures = {
            k: v
            for k, v in r.items()
            if k not in ("member_id", "reference_year", "sector", "cooperative_type", "currency")
        }
        assert set(figures.values()) == {None}  # figures are left to the member
    # BR-ONE reported in BRL; FR-ONE wrote "eur", which the form writes as the code EUR.
    brazil = data_rows(sheet(forms["BR-ONE"]))
    assert [(r["sector"], r["cooperative_type"], r["currency"]) for r in brazil] == [
        ("A", "producer", "BRL"),
        ("C", "worker", "BRL"),
    ]
    assert {r["currency"] for r in data_rows(sheet(forms["FR-ONE"]))} == {"EUR"}
    # IT-TWO's JSON had no currency: euro-area default.
    assert {r["currency"] for r in data_rows(sheet(forms["IT-TWO"]))} == {"EUR"}


def test_no_accepted_year_gives_ten_empty_rows(forms: dict[str, Path]) -> None:
    # KE-ONE's only 2025 file was rejected: nothing to start from. Kenya: USD.
    rows = data_rows(sheet(forms["KE-ONE"]))
    assert len(rows) == 10
    assert {(r["member_id"], r["reference_year"], r["currency"]) for r in rows} == {
        ("KE-ONE", YEAR, "USD")
    }
    assert {r["sector"] for r in rows} == {None}
    previous = sheet(forms["KE-ONE"], "previous_year")
    assert "No accepted figures" in previous["A1"].value
    assert previous.max_row == 1


def test_previous_year_sheet_shows_last_accepted_figures(forms: dict[str, Path]) -> None:
    ws = sheet(forms["IT-ONE"], "previous_year")
    assert "2025" in ws["A1"].value and "IT-ONE_final.xlsx" in ws["A1"].value
    assert [c.value for c in ws[3]] == list(COLUMN_NAMES)
    figures = [
        dict(zip(COLUMN_NAMES, values, strict=True))
        for values in ws.iter_rows(min_row=4, values_only=True)
    ]
    assert [
        (r["sector"], r["enterprises"], r["worker_members"], r["turnover"]) for r in figures
    ] == [
        ("C", 10, 100, 1000000),
        ("Q", 5, 30, 200000),
    ]
    assert ws.protection.sheet


def test_lookback_finds_an_accepted_year_further_back(raw: Path, tmp_path: Path) -> None:
    # Nothing filed for 2026: the 2027 form still starts from the 2025 answer.
    paths = {p.stem: p for p in open_forms(raw, tmp_path / "out", 2027)}
    rows = data_rows(sheet(paths["IT-ONE"]))
    assert [(r["sector"], r["reference_year"]) for r in rows] == [("C", 2027), ("Q", 2027)]


# --- data validation and protection ---------------------------------------------------


def test_dropdowns_and_number_checks(forms: dict[str, Path]) -> None:
    path = forms["IT-ONE"]
    found = validations(sheet(path))
    assert set(found) == set(COLUMN_NAMES)  # every column has at least its input message

    assert found["sector"].type == "list"
    assert list_values(path, found["sector"].formula1) == list(SECTORS)
    assert found["cooperative_type"].type == "list"
    assert list_values(path, found["cooperative_type"].formula1) == list(COOPERATIVE_TYPES)
    assert found["currency"].type == "list"
    # No 2026 rates yet: the codes of the latest year with rates (2025) are offered.
    assert list_values(path, found["currency"].formula1) == ["BRL", "EUR", "USD"]
    assert found["member_id"].type == "list" and found["member_id"].formula1 == '"IT-ONE"'

    for name in INTEGER_COLUMNS:
        validation = found[name]
        assert validation.type == "whole", name
        if name == "reference_year":
            assert (validation.operator, validation.formula1) == ("equal", str(YEAR))
        else:
            assert (validation.operator, validation.formula1) == ("greaterThanOrEqual", "0")
    assert (found["turnover"].type, found["turnover"].operator) == ("decimal", "greaterThanOrEqual")
    assert found["submitted_at"].type == "date"

    for name, validation in found.items():
        assert validation.showInputMessage and validation.prompt, name
        if name != "comment":
            assert validation.showErrorMessage and validation.error, name
            assert validation.errorStyle in ("stop", "warning")
    assert found["sector"].errorStyle == "stop"


@pytest.mark.parametrize("member_id", ["IT-ONE", "FR-ONE", "BR-ONE"])
def test_validation_texts_fit_excels_limits(forms: dict[str, Path], member_id: str) -> None:
    # Excel refuses (and "repairs") a file whose titles exceed 32 or messages 255 characters.
    for validation in sheet(forms[member_id]).data_validations.dataValidation:
        assert len(validation.promptTitle or "") <= 32
        assert len(validation.errorTitle or "") <= 32
        assert len(validation.prompt or "") <= 255, validation.prompt
        assert len(validation.error or "") <= 255, validation.error


def test_header_locked_data_cells_open(forms: dict[str, Path]) -> None:
    ws = sheet(forms["IT-ONE"])
    assert ws.protection.sheet is True
    assert all(cell.protection.locked for cell in ws[1])
    for row in (2, 3, 50, LAST_ROW):
        assert not any(ws.cell(row, col).protection.locked for col in range(1, 16)), row
    assert ws.cell(LAST_ROW + 1, 1).protection.locked
    book = openpyxl.load_workbook(forms["IT-ONE"])
    assert all(book[name].protection.sheet for name in SHEETS)


def test_member_text_is_never_a_formula(raw: Path, tmp_path: Path) -> None:
    members = [list(m) for m in MEMBERS]
    members[1][1] = '=HYPERLINK("http://example.invalid","click")'
    write_rows(raw / "reference" / "members.csv", members)
    path = {p.stem: p for p in open_forms(raw, tmp_path / "out", YEAR)}["IT-ONE"]
    ws = sheet(path, "instructions")
    # SPEC section 3: text a spreadsheet would run is written with a leading '.
    assert ws["A2"].value.startswith('\'=HYPERLINK("http://example.invalid"')
    assert ws["A2"].data_type == "s"
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            assert b"<f>" not in archive.read(name), name


# --- languages ------------------------------------------------------------------------


def instruction_text(path: Path) -> str:
    ws = sheet(path, "instructions")
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)


def test_instructions_in_the_members_language(forms: dict[str, Path]) -> None:
    english = instruction_text(forms["IT-ONE"])
    assert "CICOPA annual survey 2026" in english
    assert "by 31 March 2027" in english
    assert "Employment in cooperatives: worker-members plus employees" in english
    assert "Employment within the scope of cooperatives: producer-members" in english

    french = instruction_text(forms["FR-ONE"])
    assert "Enquête annuelle de CICOPA 2026" in french
    assert "31 mars 2027" in french
    assert "Emploi dans les coopératives\u00a0: membres travailleurs et salariés" in french
    assert "Emploi dans le champ des coopératives" in french
    assert "Activités de fabrication" in french  # ISIC section C
    assert "Employment in cooperatives" not in french
    assert validations(sheet(forms["FR-ONE"]))["enterprises"].errorTitle == "Nombre entier"

    spanish = instruction_text(forms["BR-ONE"])
    assert "Encuesta anual de CICOPA 2026" in spanish
    assert "31 de marzo de 2027" in spanish
    assert "Empleo en el ámbito de las cooperativas" in spanish
    assert validations(sheet(forms["BR-ONE"]))["sector"].errorTitle == "Sector"


def test_instructions_state_the_employment_reference_date(forms: dict[str, Path]) -> None:
    # The 2026 survey counts persons on 31 December 2026 (settings.employment_reference_date),
    # a headcount: the definitions say so, and each headcount column's help repeats the day.
    expected = {
        "IT-ONE": (
            "Persons are counted as at 31 December 2026",
            "headcounts, not full-time equivalents",
            "counted on 31 December 2026",
        ),
        "FR-ONE": (
            "Les personnes sont comptées au 31 décembre 2026\u00a0:",
            "des effectifs, non des équivalents temps plein",
            "comptés au 31 décembre 2026",
        ),
        "BR-ONE": (
            "Las personas se cuentan a 31 de diciembre de 2026:",
            "no equivalentes a tiempo completo",
            "contados a 31 de diciembre de 2026",
        ),
    }
    for member_id, (definition, headcount, column_help) in expected.items():
        text = instruction_text(forms[member_id])
        assert definition in text, member_id
        assert headcount in text, member_id
        # worker_members, employees, producer_members: in the columns table and the prompts.
        assert text.count(column_help) == 3, member_id
        prompts = validations(sheet(forms[member_id]))
        for column in ("worker_members", "employees", "producer_members"):
            assert column_help in str(prompts[column].prompt), (member_id, column)
        assert column_help not in str(prompts["enterprises"].prompt)


# --- the same bytes every time --------------------------------------------------------


def test_byte_identical(raw: Path, tmp_path: Path) -> None:
    first = open_forms(raw, tmp_path / "a", YEAR)
    second = open_forms(raw, tmp_path / "b", YEAR)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    member = {"member_id": "IT-ONE", "name": "X", "country": "IT", "language": "en"}
    once = form_bytes(member=member, year=YEAR, previous=None, currency="EUR",
                      currencies=["EUR"], lang="en")  # fmt: skip
    again = form_bytes(member=member, year=YEAR, previous=None, currency="EUR",
                       currencies=["EUR"], lang="en")  # fmt: skip
    assert once == again
    with zipfile.ZipFile(io.BytesIO(once)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2027-01-01T00:00:00Z" in core


# --- round trip: filled in by a member, read by the pipeline --------------------------


def add_rates(raw: Path, year: int) -> None:
    path = raw / "reference" / "fx_rates.csv"
    path.write_text(path.read_text() + f"{year},USD,1\n{year},EUR,0.85\n{year},BRL,5.2\n")


def fill(path: Path, figures: list[dict[str, object]], clear_from: int | None = None) -> Path:
    """What a member does: open the form, type figures into the prepared rows, save."""
    book = openpyxl.load_workbook(path)
    ws = book["submission"]
    assert ws.protection.sheet  # protected, and still writable by a program
    column = {name: i for i, name in enumerate(COLUMN_NAMES, start=1)}
    for offset, values in enumerate(figures):
        for name, value in values.items():
            ws.cell(offset + 2, column[name], value)
        ws.cell(offset + 2, column["submitted_at"], date(YEAR + 1, 2, 15))
    if clear_from is not None:  # the unused prepared rows, cleared as the form says
        for row in range(clear_from + 2, LAST_ROW + 1):
            for col in column.values():
                ws.cell(row, col).value = None
    book.save(path)
    return path


def test_round_trip_is_accepted(raw: Path, forms: dict[str, Path]) -> None:
    add_rates(raw, YEAR)
    figures = [
        {"enterprises": 11, "worker_members": 105, "employees": 22, "producer_members": 0,
         "women": 41, "turnover": 1050000.5},
        {"enterprises": 6, "worker_members": 33, "employees": 12, "producer_members": 0,
         "new_enterprises": 1, "transfers": 1, "comment": "Données <consolidées> & vérifiées"},
    ]  # fmt: skip
    target = raw / "submissions" / str(YEAR) / "IT-ONE.xlsx"
    target.parent.mkdir(parents=True)
    target.write_bytes(forms["IT-ONE"].read_bytes())
    fill(target, figures)
    assert openpyxl.load_workbook(target)["submission"].protection.sheet  # still protected

    outcome = validate_year(raw, load_reference(raw), YEAR)

    assert outcome.submissions.select("file", "status", "rows", "errors", "warnings").rows() == [
        (f"submissions/{YEAR}/IT-ONE.xlsx", "accepted", 2, 0, 0)
    ]
    got = outcome.accepted_rows.sort("_row").select(
        "member_id", "reference_year", "sector", "cooperative_type", "enterprises",
        "worker_members", "employees", "women", "turnover", "currency", "new_enterprises",
        "transfers", "submitted_at",
    )  # fmt: skip
    assert got.rows() == [
        ("IT-ONE", YEAR, "C", "worker", 11, 105, 22, 41, 1050000.5, "EUR", None, None,
         "2027-02-15 00:00:00"),
        ("IT-ONE", YEAR, "Q", "social", 6, 33, 12, None, None, "EUR", 1, 1,
         "2027-02-15 00:00:00"),
    ]  # fmt: skip
    assert outcome.accepted_rows.sort("_row")["comment"].to_list() == [
        None,
        "Données <consolidées> & vérifiées",
    ]


def test_round_trip_from_empty_rows(raw: Path, forms: dict[str, Path]) -> None:
    """KE-ONE starts from ten prepared rows: unused ones, cleared or not, carry no data."""
    add_rates(raw, YEAR)
    figures = [
        {"sector": "A", "cooperative_type": "producer", "enterprises": 3, "worker_members": 0,
         "employees": 4, "producer_members": 250},
        {"sector": "C", "cooperative_type": "worker", "enterprises": 1, "worker_members": 12,
         "employees": 0, "producer_members": 0},
    ]  # fmt: skip
    folder = raw / "submissions" / str(YEAR)
    folder.mkdir(parents=True)
    kept = folder / "KE-ONE.xlsx"
    kept.write_bytes(forms["KE-ONE"].read_bytes())
    fill(kept, figures, clear_from=len(figures))
    outcome = validate_year(raw, load_reference(raw), YEAR)
    assert outcome.submissions.select("status", "rows").rows() == [("accepted", 2)]
    assert outcome.accepted_rows["producer_members"].sum() == 250

    # Left as they are (member_id, year and currency only), the eight unused rows are
    # ignored like empty rows: the member is not punished for our prepared rows.
    kept.write_bytes(forms["KE-ONE"].read_bytes())
    fill(kept, figures)
    outcome = validate_year(raw, load_reference(raw), YEAR)
    assert outcome.submissions.select("status", "rows").rows() == [("accepted", 2)]
    assert outcome.issues.is_empty()


# --- the command ----------------------------------------------------------------------


def test_cli_open(
    raw: Path, tmp_path: Path, dagster_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Through the open_collection job, for a year whose partition exists (2025 is closed).
    out, year = tmp_path / "cli", 2025
    code = main(["open", "--year", str(year), "--raw-data", str(raw), "--out", str(out),
                 "--deadline", "2027-04-15"])  # fmt: skip
    printed = capsys.readouterr().out.splitlines()
    assert code == 0
    assert printed[0] == str(out / "forms" / str(year) / "BR-ONE.xlsx")
    assert printed[-1].startswith(f"7 survey form(s) for {year}")
    assert "15 April 2027" in instruction_text(out / "forms" / str(year) / "IT-ONE.xlsx")


def test_cli_open_refuses_unusable_reference(
    raw: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (raw / "reference" / "regions.csv").unlink()
    code = main(["open", "--year", str(YEAR), "--raw-data", str(raw), "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("cicopa collection open: reference data unusable")
    assert not (tmp_path / "forms").exists()
