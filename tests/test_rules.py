"""The rule catalogue is complete: every rule the code can emit, and every pandera check,
has one entry with its sentence and its member texts, translated in French and Spanish."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cicopa.rules import RULES, UNKNOWN_CHECK, new_issue, rules_of_check
from reports.feedback import explain, message_values
from reports.member_texts import translations
from schemas.submission import Submission, SubmissionCells

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cicopa", "reports", "web", "pipelines", "schemas")


def _calls(name: str) -> list[tuple[Path, ast.Call]]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
                    found.append((path.relative_to(ROOT), node))
    return found


def _literal(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def emitted() -> dict[str, set[str]]:
    """Rule name -> the sentence variants the code asks for, from every `new_issue` call."""
    found: dict[str, set[str]] = {}
    for path, call in _calls("new_issue"):
        rule = _literal(call.args[0]) if call.args else None
        assert rule is not None, f"{path}:{call.lineno}: the rule is not a literal name"
        variant = _literal(call.args[2]) if len(call.args) > 2 else "default"
        assert variant is not None, f"{path}:{call.lineno}: the variant is not a literal"
        found.setdefault(rule, set()).add(variant)
    return found


def schema_checks() -> list[tuple[str, str | None]]:
    """(check name, column) of every check of both passes; None for dataframe checks."""
    checks = []
    for model in (SubmissionCells, Submission):
        schema = model.to_schema()
        for name, column in schema.columns.items():
            checks += [(check.name, name) for check in column.checks]
            if not column.nullable:
                checks.append(("not_nullable", name))
        checks += [(check.name, None) for check in schema.checks]
    return checks


def test_no_issue_is_built_around_the_catalogue() -> None:
    """An `Issue(...)` outside cicopa/rules.py only copies an issue (its rule is no literal)."""
    literal = [
        f"{path}:{call.lineno}"
        for path, call in _calls("Issue")
        if path != Path("cicopa/rules.py")
        and any(
            _literal(node) is not None
            for node in [*call.args[1:2], *(k.value for k in call.keywords if k.arg == "rule")]
        )
    ]
    assert literal == []


def test_every_emitted_rule_has_an_entry_with_its_variants() -> None:
    found = emitted()
    # The readers, the validator and the collection all write through the catalogue.
    assert {"unreadable_file", "malformed_row", "no_data_rows", "large_change"} <= set(found)
    for rule, variants in found.items():
        assert rule in RULES, f"{rule} is emitted but not catalogued"
        assert variants <= set(RULES[rule].messages), (rule, variants)


def test_every_pandera_check_maps_to_a_rule_that_reads_its_column() -> None:
    checks = schema_checks()
    # Pass 1: 6 checks and not_nullable; pass 2: 4 column checks, ge and 5 dataframe checks.
    assert len({name for name, _ in checks}) == 17
    for name, column in checks:
        rules = rules_of_check(name)
        assert rules, f"the check {name} has no rule"
        for rule in rules:
            if column is None:
                assert rule.reported_column in rule.columns
            else:
                assert column in rule.columns, (rule.name, column)


def test_every_entry_is_used_and_complete() -> None:
    used = set(emitted()) | {r.name for name, _ in schema_checks() for r in rules_of_check(name)}
    assert used == set(RULES)
    for rule in RULES.values():
        assert rule.what.strip() and rule.fix.strip() and rule.messages, rule.name
        assert rule.severity in ("error", "warning")
        # A rule of the schema comes from its checks; the readers' and the collection's don't.
        assert (rule.origin == "schema") == bool(rule.checks), rule.name


def test_a_catalogued_sentence_fills_its_fields() -> None:
    """Computed by hand from the templates: the sentence of issues.csv, byte for byte."""
    issue = new_issue("error_cell", "f.xlsx", row=4, column="employees", label="#REF!")
    assert issue.message == (
        "Row 4, employees: the cell holds the error value #REF! instead of a figure; "
        "correct the formula or type the figure."
    )
    assert (issue.rule, issue.severity, issue.row, issue.column) == (
        "error_cell", "error", 4, "employees",
    )  # fmt: skip
    change = new_issue(
        "large_change", "f.csv", column="employees", member_id="IT-ONE",
        new=1500, old=1000, change=0.5, direction="above", year=2024,
    )  # fmt: skip
    assert change.severity == "warning"
    assert change.message == (
        "Total employees is 1,500, 50% above the 1,000 accepted for 2024; "
        "please confirm the figure or correct it."
    )
    assert UNKNOWN_CHECK.format(row=1, column="x", shown="'y'", check="z") == (
        "Row 1, x: 'y' fails the check 'z'."
    )


@pytest.mark.parametrize(
    ("lang", "what", "fix"),
    [
        ("en", "This is not a whole number.", "Digits only, e.g. 12; 0 if there are none."),
        (
            "fr",
            "Ce n'est pas un nombre entier.",
            "Des chiffres uniquement, p. ex. 12\u00a0; 0 s'il n'y en a pas.",
        ),
    ],
)
def test_the_letters_say_the_catalogue_texts_translated(lang: str, what: str, fix: str) -> None:
    values = message_values("IT-ONE", 2025, "31 March 2026")
    assert explain("whole_number", "employees", translations(lang), values) == (what, fix)


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_every_member_text_of_the_catalogue_is_translated(lang: str) -> None:
    catalogue = translations(lang)
    for rule in RULES.values():
        for text in (rule.what, rule.fix, *rule.fix_by_column.values()):
            assert catalogue.gettext(text) != text, (lang, rule.name, text)
