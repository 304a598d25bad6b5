"""The yearly data collection: member-facing texts in three languages, and its commands.

Everything a member reads (the survey form, the feedback letter) comes from the gettext
domain ``collection``, in the same locale tree as the report::

    reports/locale/collection.pot
    reports/locale/{fr,es}/LC_MESSAGES/collection.po

Only the ``.po`` files are committed: at run time each one is parsed with Babel and
compiled in memory (no ``.mo``, no build step), like the report's own catalogue.
After changing a message, re-extract the ``.pot`` and merge it into the ``.po`` files::

    .venv/bin/python -c "from cicopa.collection import update_catalogues; update_catalogues()"

then translate every new (empty) msgstr, each plural form, in fr and es.
``tests/test_collection_i18n.py`` fails while any message lacks a translation or is
missing from the ``.pot``.

Commands (``cicopa collection ...``)::

    open      --year Y [--deadline D]   write one survey form per active member
    tracker   --year Y                  who answered, who did not, who must correct
    feedback  --year Y [--deadline D]   one feedback letter (PDF) per member to act
    receive   FILE... --year Y [--member ID]  take in e-mailed files, write-once, validated
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from gettext import NullTranslations
from pathlib import Path
from typing import TYPE_CHECKING

from babel.dates import format_date
from babel.messages.pofile import read_po

from cicopa.settings import (
    BABEL_LOCALES,
    LANGUAGES,
    LOCALE_DIR,
    PROJECT_ROOT,
    default_deadline,
    out_dir,
    raw_data_dir,
)
from reports.i18n import po_path as report_po_path
from reports.i18n import translations as report_translations

if TYPE_CHECKING:
    from cicopa.reference import Reference

DOMAIN = "collection"


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is used."""
    return message


def member_language(value: object) -> str:
    """A member's language from members.csv: en, fr or es; English for anything else."""
    text = str(value or "").strip().lower()
    return text if text in LANGUAGES else "en"


def po_path(lang: str) -> Path:
    return report_po_path(lang, DOMAIN)


def translations(lang: str) -> NullTranslations:
    """The ``collection`` catalogue of a language, through the report's catalogue loader."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return report_translations(lang, DOMAIN)


# Where the messages of the domain are: marked with N_(), _(), gettext() or ngettext().
SOURCES: tuple[str, ...] = (
    "cicopa/forms.py",
    "cicopa/feedback.py",
    "cicopa/collection.py",
    "cicopa/tracker.py",
    "reports/templates/feedback.html.j2",
    # The member pages of the web application speak the member's language too.
    "web/member.py",
    "web/templates/member.html.j2",
)


def update_catalogues() -> None:
    """Re-extract ``collection.pot`` and merge it into the fr and es ``.po`` files.

    Translations of unchanged messages are kept; new messages get an empty msgstr (no
    fuzzy guesses); messages no longer used are dropped.
    """
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import write_po
    from jinja2.ext import babel_extract

    template = Catalog(domain=DOMAIN, project="cicopa-stats", fuzzy=False)
    for source in SOURCES:
        path = PROJECT_ROOT / source
        is_template = path.suffix == ".j2"
        method = babel_extract if is_template else "python"
        options = {"extensions": "jinja2.ext.i18n"} if is_template else {}
        for _line, message, comments, context in extract_from_file(
            method, str(path), options=options
        ):
            template.add(message, None, auto_comments=comments, context=context)
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, template, omit_header=True, no_location=True, width=100)
    for lang in LANGUAGES[1:]:
        with po_path(lang).open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=DOMAIN)
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        with po_path(lang).open("wb") as handle:
            write_po(handle, catalog, no_location=True, width=100, ignore_obsolete=True)


def format_day(day: date, lang: str) -> str:
    """A date the way a letter writes it: 31 March 2026, 31 mars 2026, 31 de marzo de 2026."""
    return format_date(day, format="long", locale=BABEL_LOCALES.get(lang, "en_GB"))


# --- cicopa collection ... ------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cicopa collection",
        description="The yearly survey: forms for members, the response tracker, feedback.",
    )
    commands = parser.add_subparsers(dest="action", required=True)

    def common(command: argparse.ArgumentParser, *, out: bool, deadline: bool) -> None:
        command.add_argument("--year", type=int, required=True, help="reference year, e.g. 2025")
        command.add_argument("--raw-data", type=Path, default=raw_data_dir(), metavar="DIR")
        if out:
            command.add_argument("--out", type=Path, default=out_dir(), metavar="DIR")
        if deadline:
            command.add_argument(
                "--deadline",
                type=date.fromisoformat,
                metavar="YYYY-MM-DD",
                help="date by which members send their file (default: 31 March of Y+1)",
            )

    common(
        commands.add_parser("open", help="write a survey form for every active member"),
        out=True,
        deadline=True,
    )
    common(
        commands.add_parser("feedback", help="write a feedback letter per member to act"),
        out=True,
        deadline=True,
    )
    common(
        commands.add_parser("tracker", help="print who answered and who did not"),
        out=True,
        deadline=False,
    )
    receive = commands.add_parser(
        "receive", help="take in e-mailed files: store write-once, validate, print a receipt"
    )
    receive.add_argument("files", nargs="+", type=Path, metavar="FILE")
    receive.add_argument("--year", type=int, required=True, help="reference year, e.g. 2025")
    receive.add_argument("--member", metavar="ID", help="member_id (default: from the file)")
    receive.add_argument("--raw-data", type=Path, default=raw_data_dir(), metavar="DIR")
    return parser


def _fail(action: str, reason: str, code: int = 2) -> int:
    print(f"cicopa collection {action}: {reason}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    """Each action runs its Dagster job, so its results are the graph's own."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    from cicopa.outcomes import year_folder
    from cicopa.reference import ReferenceDataError, load_reference

    raw_data: Path = args.raw_data.resolve()
    out: Path = getattr(args, "out", None) or out_dir()
    out = out.resolve()
    try:
        load_reference(raw_data)
    except ReferenceDataError as exc:
        return _fail(args.action, f"reference data unusable: {exc}")
    if args.action == "receive":
        from cicopa.reference import load_reference as _load

        return _receive(raw_data, _load(raw_data), args.year, args.files, args.member)
    if args.action != "open" and not year_folder(raw_data, args.year).is_dir():
        return _fail(
            args.action,
            f"no submissions folder for {args.year}: {year_folder(raw_data, args.year)}",
        )
    from pipelines.build import BuildError, run_collection

    deadline = getattr(args, "deadline", None) or default_deadline(args.year)
    job = "open_collection" if args.action == "open" else "ingest_and_validate"
    try:
        run_collection(job, args.year, raw_data, out, deadline.isoformat())
    except BuildError as exc:
        return _fail(args.action, str(exc), exc.exit_code)
    if args.action == "open":
        folder = out / "forms" / str(args.year)
        forms = sorted(folder.glob("*.xlsx"))
        for path in forms:
            print(path)
        print(f"{len(forms)} survey form(s) for {args.year} in {folder}, due {deadline}")
    elif args.action == "tracker":
        _print_tracker(out / "collection" / str(args.year) / "tracker.csv")
    else:
        folder = out / "feedback" / str(args.year)
        letters = sorted(folder.glob("*.pdf")) if folder.is_dir() else []
        for path in letters:
            print(path)
        print(
            f"{len(letters)} feedback letter(s) for {args.year}, deadline {deadline.isoformat()}",
            file=sys.stderr,
        )
    return 0


def _print_tracker(path: Path) -> None:
    import polars as pl

    from cicopa.tracker import missing_by_region

    tracker = pl.read_csv(path, infer_schema=False)
    print(text_table(tracker.rows(), tracker.columns))
    print()
    missing = missing_by_region(tracker)
    print(text_table(missing.rows(), missing.columns))
    answered = tracker.filter(tracker["status"] == "accepted").height
    print(f"\n{answered} of {tracker.height} active members have an accepted submission.")


def _receive(
    raw_data: Path, reference: Reference, year: int, files: list[Path], member: str | None
) -> int:
    """Copy each file in (the original is only read), and print its receipt."""
    from cicopa.intake import ACCEPTED, receive

    for path in files:
        if not path.is_file():
            return _fail("receive", f"{path}: no such file")
    failed = 0
    for path in files:
        receipt = receive(raw_data, reference, year, path.read_bytes(), path.name, member)
        print(f"{path}: {receipt.status}")
        print(f"  stored   {receipt.stored}")
        print(f"  sha256   {receipt.sha256}")
        print(f"  received {receipt.received_at.strftime('%Y-%m-%dT%H:%M:%SZ')}")
        if receipt.refusal is not None:
            print(f"  refused  {receipt.refusal.english()}")
        for issue in receipt.issues:
            sheet = receipt.sheet_row(issue.row)
            at = f" [sheet row {sheet}]" if sheet is not None else ""
            print(f"  {issue.severity}: {issue.message}{at}")
        failed += receipt.status != ACCEPTED
    return 1 if failed else 0


def text_table(rows: Sequence[Sequence[object]], header: Sequence[str]) -> str:
    """Rows as aligned plain text (empty for missing values), for a terminal."""
    cells = [[str(h) for h in header]] + [
        ["" if value is None else str(value) for value in row] for row in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
             for row in cells]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
