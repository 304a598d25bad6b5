"""What hostile files cost to check: no quadratic path for refused cells or repeated rows.

Prints the CPU time (median of --runs, after one warm-up) of reading and checking, in
this process, at 1,000 and at 10,000 rows (the row limit):
  - rows of 10 refused cells each (10 error messages a row);
  - two files of rows repeating one pair (each repetition flagged);
with the growth from 1,000 to 10,000 rows (10x is linear, 100x quadratic) and, for
scale, the cost per row against a good file of every sector and type pair (one row
each, its per-file cost included, so that ratio flatters the hostile cases a little).
These were timed tests with a ceiling (10 s and 5 s of CPU); speed lives here now
(issue 14). CPU time, not wall time: the machine is shared.

Usage: .venv/bin/python benchmarks/hostile_inputs.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cicopa.columns import COLUMN_NAMES, COOPERATIVE_TYPES, SECTORS  # noqa: E402
from cicopa.readers import read_submission  # noqa: E402
from cicopa.reference import load_reference  # noqa: E402
from cicopa.validation import check_submissions  # noqa: E402

MEMBER, YEAR = "IT-SAMPLE1", 2025
ROWS = 10_000


def _csv(lines: list[str]) -> bytes:
    return ("\n".join([",".join(COLUMN_NAMES), *lines]) + "\n").encode()


def _row(sector: str, kind: str, figures: list[str]) -> str:
    values = {"member_id": MEMBER, "reference_year": str(YEAR), "sector": sector,
              "cooperative_type": kind}  # fmt: skip
    numbers = ("enterprises", "worker_members", "employees", "producer_members", "women",
               "turnover", "currency", "new_enterprises", "transfers")  # fmt: skip
    values.update(zip(numbers, figures, strict=False))
    return ",".join(values.get(column, "") for column in COLUMN_NAMES)


def _cpu(work: Callable[[], object], runs: int) -> float:
    work()  # warm-up: imports, caches
    times = []
    for _ in range(runs):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    reference = load_reference(ROOT / "raw_data")
    pairs = [(s, k) for s in SECTORS for k in COOPERATIVE_TYPES]
    good = _csv([_row(s, k, ["1", "10", "2", "0"]) for s, k in pairs])
    bad = _csv([_row("C", "worker", ["x"] * 9)] * ROWS)
    repeated = _csv([_row("C", "worker", ["1", "10", "2", "0"])] * ROWS)
    # What each case must find, so that the figures time the checks that find it.

    def check(*files: bytes) -> list:
        raws = [read_submission(data, f"f{i}.csv") for i, data in enumerate(files)]
        return check_submissions(raws, reference, {r.file: YEAR for r in raws})

    assert check(good)[0].errors == 0, "the baseline file must be good"
    assert check(bad)[0].errors >= 9 * ROWS
    assert [c.errors for c in check(repeated, repeated)] == [ROWS - 1] * 2

    per_row = _cpu(lambda: check(good), runs) / len(pairs)
    print(f"{'case':<40} {'1,000 rows':>10} {'10,000 rows':>11} {'growth':>7}  per row vs good")
    for name, row, files in (
        ("rows x 10 refused cells", _row("C", "worker", ["x"] * 9), 1),
        ("2 files of rows repeating one pair", _row("C", "worker", ["1", "10", "2", "0"]), 2),
    ):
        seconds = []
        for rows in (ROWS // 10, ROWS):
            batch = [_csv([row] * rows)] * files
            seconds.append(_cpu(lambda batch=batch: check(*batch), runs))
        per = seconds[1] / (files * ROWS) / per_row
        print(f"{name:<40} {seconds[0]:>9.2f}s {seconds[1]:>10.2f}s "
              f"{seconds[1] / seconds[0]:>6.1f}x  {per:.1f}x")  # fmt: skip
    print(f"good file, {len(pairs)} rows: {per_row * 1000:.3f} ms CPU per row")


if __name__ == "__main__":
    main()
