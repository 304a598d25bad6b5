"""`cicopa collection ...`: the yearly survey's commands, each running its Dagster job.

open      --year Y [--deadline D]   write one survey form per active member
tracker   --year Y [--out DIR]      who answered, who did not, who must correct
feedback  --year Y [--deadline D]   one feedback letter (PDF) per member to act
receive   FILE... --year Y [--member ID]  take in e-mailed files, write-once, validated
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from cicopa.settings import default_deadline, out_dir, raw_data_dir

if TYPE_CHECKING:
    from cicopa.reference import Reference


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
    from cicopa.files import read_head
    from cicopa.intake import ACCEPTED, receive
    from cicopa.readers import size_refusal
    from cicopa.settings import MAX_FILE_BYTES

    for path in files:
        if not path.is_file():
            return _fail("receive", f"{path}: no such file")
    failed = 0
    for path in files:
        data, size = read_head(path, MAX_FILE_BYTES)
        # As the member page refuses it: before it is stored.
        if (refusal := size_refusal(data, size)) is not None:
            print(f"{path}: not received: {refusal}")
            failed += 1
            continue
        receipt = receive(raw_data, reference, year, data, path.name, member)
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
