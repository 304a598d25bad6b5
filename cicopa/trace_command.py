"""`cicopa trace`: the command line of the auditors' trace (cicopa/trace.py and
cicopa/trace_series.py for estimates and like-for-like changes)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cicopa import trace_series
from cicopa.settings import out_dir, raw_data_dir
from cicopa.trace import MEASURES, TraceError, trace
from cicopa.trace_render import render_csv, render_table


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cicopa trace",
        description="List the accepted submissions that make up one published figure of "
        "by_area.csv, and check that they add up to it.",
        epilog="Exit status: 0 the figure is traced, 1 it does not match (or files changed "
        "since the build), 2 the trace cannot be made.",
    )
    parser.add_argument("--year", type=int, required=True, help="reference year, e.g. 2025")
    parser.add_argument(
        "--area", required=True, help="WORLD, a region, a sub-region or a country code"
    )
    parser.add_argument(
        "--measure", required=True, metavar="NAME", help=f"one of: {', '.join(MEASURES)}"
    )
    parser.add_argument(
        "--raw-data", type=Path, default=raw_data_dir(), metavar="DIR",
        help="raw-data folder (default: raw_data/ of the project)",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path, default=out_dir(), metavar="DIR",
        help="outputs folder holding <year>/statistics/by_area.csv (default: out/)",
    )  # fmt: skip
    parser.add_argument(
        "--format", choices=["table", "csv"], default="table",
        help="table (default) for reading; csv for machines, the check going to stderr",
    )  # fmt: skip
    series = parser.add_mutually_exclusive_group()
    series.add_argument(
        "--estimate", action="store_true",
        help="trace estimates.csv instead: reported contributions plus each imputation",
    )  # fmt: skip
    series.add_argument(
        "--like-for-like", action="store_true",
        help="trace change_like_for_like of trends.csv (year-1 -> year): the continuing members",
    )  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # The report carries ✓ and names in any script; never crash on a narrow terminal encoding.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    if args.estimate or args.like_for_like:
        return _series_main(args)
    try:
        result = trace(args.raw_data.resolve(), args.out.resolve(), args.year, args.area,
                       args.measure)  # fmt: skip
    except TraceError as exc:
        print(f"cicopa trace: {exc}", file=sys.stderr)
        return 2
    if args.format == "csv":
        sys.stdout.write(render_csv(result))
        for line in result.check_lines():
            print(line, file=sys.stderr)
    else:
        sys.stdout.write(render_table(result))
    return 0 if result.ok else 1


def _series_main(args: argparse.Namespace) -> int:
    """--estimate and --like-for-like (cicopa/trace_series.py), table output only."""
    where = (args.raw_data.resolve(), args.out.resolve(), args.year, args.area, args.measure)
    try:
        if args.estimate:
            estimate = trace_series.trace_estimate(*where)
            sys.stdout.write(trace_series.render_estimate(estimate))
            return 0 if estimate.ok else 1
        change = trace_series.trace_like_for_like(*where)
        sys.stdout.write(trace_series.render_like_for_like(change))
        return 0 if change.ok else 1
    except TraceError as exc:
        print(f"cicopa trace: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
