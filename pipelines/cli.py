"""`cicopa`: the command line staff use (SPEC section 4).

`validate` stays light (no orchestrator import) so a member's file is checked in
about a second; `build` runs the Dagster asset graph for one reference year.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from cicopa.settings import LANGUAGES, out_dir, raw_data_dir

# Commands with their own module and options; `cicopa NAME --help` shows them.
DELEGATED = {
    "trace": ("cicopa.trace_command", "show which submissions make up a published figure"),
    "serve": ("web.server", "serve the web application: downloads, member uploads, staff"),
    "ui": ("pipelines.ui", "open the Dagster UI (add --read-only for auditors)"),
    "collection": ("pipelines.collection_cli", "survey forms, response tracker, feedback letters"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cicopa", description="CICOPA annual statistics: validate submissions, build outputs."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="materialise every output for a reference year")
    build.add_argument("--year", type=int, required=True, help="reference year, e.g. 2025")
    build.add_argument("--raw-data", type=Path, default=raw_data_dir(), metavar="DIR")
    build.add_argument("--out", type=Path, default=out_dir(), metavar="DIR")
    build.add_argument(
        "--lang", choices=[*LANGUAGES, "all"], default="all", help="report language (all three)"
    )
    build.add_argument("--quiet", action="store_true", help="print only the summary and errors")

    validate = commands.add_parser("validate", help="check submission files, print every issue")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.add_argument("--raw-data", type=Path, default=raw_data_dir(), metavar="DIR")
    for name, (_, summary) in DELEGATED.items():
        commands.add_parser(name, help=summary, add_help=False)
    return parser


# Commands that serve until they are stopped: Python's own collection for them.
SERVERS = ("serve", "ui")


def run() -> None:
    """The `cicopa` command itself: a batch command's garbage collection around `main`."""
    from cicopa.process import collect_for_batch, freeze_before_exit

    if sys.argv[1:2] and sys.argv[1] not in SERVERS:
        collect_for_batch()
    code = main()
    freeze_before_exit()
    sys.exit(code)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in DELEGATED:
        from importlib import import_module

        return import_module(DELEGATED[argv[0]][0]).main(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "validate":
        return validate(args.files, args.raw_data)
    languages = list(LANGUAGES) if args.lang == "all" else [args.lang]
    return build(args.year, args.raw_data, args.out, languages, quiet=args.quiet)


def _fail(command: str, reason: str, code: int = 2) -> int:
    print(f"cicopa {command}: {reason}", file=sys.stderr)
    return code


def folder_year(path: Path) -> int | None:
    """The reference year a file is filed under: `submissions/<year>/`, at any depth below."""
    for folder in path.resolve().parents:
        if re.fullmatch(r"\d{4}", folder.name) and folder.parent.name == "submissions":
            return int(folder.name)
    return None


def validate(files: list[Path], raw_data: Path) -> int:
    """Check files against the schema and registry; 1 if any error, else 0."""
    from cicopa.files import read_head
    from cicopa.reference import ReferenceDataError, load_reference
    from cicopa.settings import MAX_FILE_BYTES
    from cicopa.validation import check_files

    try:
        reference = load_reference(raw_data)
    except ReferenceDataError as exc:
        return _fail("validate", f"reference data unusable: {exc}")
    named, sizes, seen = [], {}, set()
    for path in files:
        if not path.is_file():
            return _fail("validate", f"{path}: no such file")
        if path.resolve() in seen:  # the same file named twice is checked once
            continue
        seen.add(path.resolve())
        data, sizes[str(path)] = read_head(path, MAX_FILE_BYTES)
        named.append((str(path), data, folder_year(path)))
    checked = check_files(named, reference, sizes)
    total_errors = 0
    for item in checked:
        verdict = (
            "unreadable"
            if not item.raw.readable
            else f"{item.errors} error(s), {item.warnings} warning(s)"
            if item.issues
            else "OK"
        )
        print(f"{item.file}: {verdict} ({item.raw.rows} data rows)")
        for issue in item.issues:
            print(f"  {issue.severity}: {item.file}: {issue.message} [{issue.rule}]")
        total_errors += item.errors
    return 1 if total_errors else 0


def build(
    year: int, raw_data: Path, out: Path, languages: list[str], *, quiet: bool = False
) -> int:
    """Run the build job for one year through Dagster; 2 if it cannot start, 1 if it failed."""
    from cicopa.outcomes import year_folder
    from cicopa.reference import ReferenceDataError, load_reference

    raw_data, out = raw_data.resolve(), out.resolve()
    # Refuse before anything is written: no partial outputs for a year that cannot build.
    try:
        load_reference(raw_data, year)
    except ReferenceDataError as exc:
        return _fail("build", f"reference data unusable: {exc}")
    if not year_folder(raw_data, year).is_dir():
        return _fail("build", f"no submissions folder for {year}: {year_folder(raw_data, year)}")

    from pipelines.rendering import start_rendering_process

    # Started before Dagster is imported: its own imports (WeasyPrint) overlap this
    # process's, and the earlier years' ingest.
    start_rendering_process()
    import logging

    from pipelines.build import BuildError, run_build

    progress = logging.getLogger("cicopa.progress")
    progress.setLevel(logging.INFO)
    if not quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("  %(message)s"))
        progress.addHandler(handler)
    started = time.perf_counter()
    if not quiet:
        print(f"cicopa build {year} ({', '.join(languages)}) from {raw_data}", file=sys.stderr)
    try:
        result = run_build(year, raw_data, out, languages)
    except BuildError as exc:
        return _fail("build", str(exc), exc.exit_code)
    finally:
        progress.handlers.clear()
    earlier = ", ".join(map(str, result.earlier_years)) or "none needed"
    print(
        f"built {year} in {time.perf_counter() - started:.1f} s: outputs {result.outcome} in "
        f"{result.folder} ({len(result.outputs)} files); earlier years built first: {earlier}; "
        f"Dagster run {result.run_id}",
        file=sys.stderr,
    )
    for report in (p for p in result.outputs if p.suffix == ".pdf"):
        print(f"Annual report ({report.stem.rsplit('_', 1)[-1]}): {report}")
    return 0


if __name__ == "__main__":
    run()
