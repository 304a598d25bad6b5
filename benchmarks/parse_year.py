"""How long reading a sample year takes: the readers' checks must keep it within 10 %.

Prints the CPU time of `scan_year` (list, hash and parse every file), best and median of
30 runs. CPU time rather than wall time: the machine is shared, and other work inflates
wall time at random.
Run from the project root: `.venv/bin/python benchmarks/parse_year.py [YEAR]`.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from cicopa.outcomes import scan_year


def main() -> None:
    raw_data = Path("raw_data")
    year = int(sys.argv[1]) if len(sys.argv) > 1 else 2025
    scan_year(raw_data, year)  # imports and caches warm
    times = []
    for _ in range(30):
        start = time.process_time()
        scan_year(raw_data, year)
        times.append(time.process_time() - start)
    print(
        f"scan_year({year}): CPU best {min(times) * 1000:.1f} ms, "
        f"median {statistics.median(times) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
