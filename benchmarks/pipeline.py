"""Benchmark the pipeline at the sample's size and at 10 and 100 times the members.

First the floors, each in a fresh process: `import pandera.polars`, and `cicopa validate
FILE` on one sample file with its ratio to that floor. The two alternate run by run
(--floor-runs pairs, median of each): on a shared machine the load drifts, and paired
runs see the same drift. `--floors-only` stops there.

Then for each size N (default 45, 450 and 4,500 members) it generates the sample data
(into a temporary folder, or once into --data DIR and reused), and times, in a fresh
child process each:
  1. parse + validate + aggregate into by_area.csv (plain functions, no Dagster), by
     this project and by its pandas peer (benchmarks/pandas_peer.py: pandas + openpyxl
     + pandera.pandas, the same rules): both must give the same by_area.csv, else the
     run stops, naming the first differing cell; the table shows pandas / ours;
  2. rendering the PDF report from the statistics: English, then all three languages
     (after one warm-up render), with pages per second,
  3. the whole `cicopa build --lang all` (Dagster, in-process executor, a throw-away
     instance; the two earlier years are built first, statistics only, for trends),
and prints wall times, peak resident memory, and each figure's ratio to the first
size (the baseline, measured in the same run). `--ingest-only` skips 2 and 3. A
stage in one process gives its peak RSS; the whole build, two processes, gives the
peak of their PSS sum, with the peak of their RSS sum in the notes (`_tree_kib`).

The peer runs in the bench environment, .venv-bench (`make bench-install`: the project
and the bench group), this project's stages in .venv: pandera imports pandas into every
process of an environment that has it, and the project's own has not.

Usage: .venv/bin/python benchmarks/pipeline.py [--members 45 450 4500] [--year 2025]
       [--data DIR] [--ingest-only] [--floors-only] [--floor-runs 9]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import multiprocessing as mp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stage_ingest(raw_data: str, year: int, queue: mp.Queue) -> None:
    """This project: read, check and aggregate the year; by_area.csv as it is published."""
    from cicopa import statistics as stats
    from cicopa.outcomes import validate_year
    from cicopa.outputs import csv_bytes
    from cicopa.reference import load_reference

    started = time.perf_counter()
    reference = load_reference(Path(raw_data))
    outcome = validate_year(Path(raw_data), reference, year)
    table = stats.by_area(outcome.accepted_rows, reference, year)
    by_area = csv_bytes(stats.for_csv(table))
    seconds = time.perf_counter() - started
    queue.put({"seconds": seconds, "peak_mib": _peak_mib(), "files": outcome.submissions.height,
               "rows": outcome.accepted_rows.height, "by_area": by_area})  # fmt: skip


BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
# The peer's stage, run by the bench environment's Python (imports outside the timing).
PEER_STAGE = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import pandas_peer
started = time.perf_counter()
by_area, files, rows = pandas_peer.run(Path(sys.argv[2]), int(sys.argv[3]))
seconds = time.perf_counter() - started
Path(sys.argv[4]).write_bytes(by_area)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak, "files": files, "rows": rows}))
"""


def _peer(raw_data: Path, year: int, work: Path) -> dict:
    """The pandas peer on the same folder, in a fresh process of the bench environment."""
    if not BENCH_PYTHON.exists():
        raise SystemExit("the pandas peer runs in .venv-bench: `make bench-install` first")
    target = work / f"peer_by_area_{raw_data.name}.csv"
    done = subprocess.run(
        [str(BENCH_PYTHON), "-c", PEER_STAGE, str(ROOT / "benchmarks"), str(raw_data),
         str(year), str(target)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"the pandas peer failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["by_area"] = target.read_bytes()
    return result


def _stage_render(raw_data: str, year: int, queue: mp.Queue) -> None:
    from cicopa import statistics
    from cicopa.outcomes import validate_year
    from cicopa.reference import load_reference
    from pipelines.assets.report import reporting_members
    from reports.model import ReportData
    from reports.render import render_pdf

    reference = load_reference(Path(raw_data))
    outcome = validate_year(Path(raw_data), reference, year)
    rows = outcome.accepted_rows
    data = ReportData(
        year=year,
        by_area=statistics.by_area(rows, reference, year),
        by_sector=statistics.breakdown(rows, reference, year, "sector"),
        by_type=statistics.breakdown(rows, reference, year, "cooperative_type"),
        submissions=outcome.submissions,
        reporting_members=reporting_members(reference, rows),
        fx_rates=reference.rates_for(year),
        fx_source="benchmark",
    )
    import io

    from pypdf import PdfReader

    render_pdf(data, lang="en")  # warm-up: chart library, fonts and templates load once
    timings, pages = {}, {}
    for lang in ("en", "fr", "es"):
        started = time.perf_counter()
        pdf = render_pdf(data, lang=lang)
        timings[lang] = time.perf_counter() - started
        pages[lang] = len(PdfReader(io.BytesIO(pdf)).pages)
    total = sum(timings.values())
    queue.put(
        {
            "seconds": timings["en"],
            "peak_mib": _peak_mib(),
            "all_3_languages_s": round(total, 2),
            "pages_en_fr_es": "/".join(str(pages[lang]) for lang in ("en", "fr", "es")),
            "pages_per_s": round(sum(pages.values()) / total, 1),
        }
    )


def _in_child(target, raw_data: Path, year: int) -> dict:
    context = mp.get_context("spawn")  # a clean interpreter: peak memory is this stage's own
    queue = context.Queue()
    process = context.Process(target=target, args=(str(raw_data), year, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def same_by_area(ours: bytes, peer: bytes, members: int) -> str:
    """'identical', or 'same values' (numbers equal to 1e-9); else SystemExit naming a cell."""
    if ours == peer:
        return "identical"
    a = list(csv.reader(io.StringIO(ours.decode())))
    b = list(csv.reader(io.StringIO(peer.decode())))
    if len(a) != len(b) or a[0] != b[0]:
        raise SystemExit(f"{members} members: by_area.csv differs in shape ({len(a)} vs {len(b)})")
    for number, (x, y) in enumerate(zip(a, b, strict=True), start=1):
        for column, u, v in zip(a[0], x, y, strict=True):
            if u != v and not _close(u, v):
                raise SystemExit(
                    f"{members} members: by_area.csv line {number}, {column}: "
                    f"ours {u!r}, pandas {v!r}"
                )
    return "same values"


def _close(u: str, v: str) -> bool:
    try:
        return abs(float(u) - float(v)) <= 1e-9 * max(1.0, abs(float(u)))
    except ValueError:
        return False


def _seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def floors(runs: int = 9) -> None:
    python, cicopa = sys.executable, str(Path(sys.executable).parent / "cicopa")
    sample = ROOT / "raw_data" / "submissions" / "2025" / "DE-SAMPLE1_2025.xlsx"
    floor_command = [python, "-c", "import pandera.polars"]
    check_command = [cicopa, "validate", str(sample), "--raw-data", str(ROOT / "raw_data")]
    _seconds(floor_command), _seconds(check_command)  # warm the page cache, not timed
    pairs = [(_seconds(floor_command), _seconds(check_command)) for _ in range(runs)]
    floor = statistics.median(f for f, _ in pairs)
    check = statistics.median(c for _, c in pairs)
    paired = statistics.median(c / f for f, c in pairs)
    print(f"{'floor (median of ' + str(runs) + ' paired runs)':<44} {'seconds':>9} {'ratio':>7}")
    print(f"{'import pandera.polars':<44} {floor:>9.2f} {1:>7.2f}")
    print(
        f"{'cicopa validate ' + sample.name:<44} {check:>9.2f} {check / floor:>7.2f}  "
        f"(target <= 1.2; median of the pairs' own ratios {paired:.2f})"
    )
    print()


def _tree_kib(pid: int) -> tuple[int, int]:
    """Resident memory of a process and its descendants now, in KiB (Linux /proc): the
    sum of their RSS, and the sum of their PSS.

    PSS divides each page among the processes that map it, so the shared libraries both
    processes load (Python's, polars', Pango's) count once; the RSS sum counts them in
    each. A child forked and not yet running its own program (a `git` or `tail` the run
    starts: Python forks with vfork) shares its parent's address space, and so shows
    its memory; it is counted once, with its parent (same virtual size: the same space).
    """
    found: dict[int, tuple[int, int, int, str]] = {}
    stack = [pid]
    while stack:
        current = stack.pop()
        proc = Path("/proc") / str(current)
        try:
            status = dict(line.split(":", 1) for line in (proc / "status").read_text().splitlines())
            rollup = (proc / "smaps_rollup").read_text().splitlines()
            pss = int(next(ln.split()[1] for ln in rollup if ln.startswith("Pss:")))
            rss = int(status["VmRSS"].split()[0])
            found[current] = (rss, pss, int(status["PPid"]), status["VmSize"].strip())
            for task in (proc / "task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError, KeyError):
            continue  # exited meanwhile, or a kernel thread without VmRSS
    alone = [
        (rss, pss)
        for rss, pss, parent, space in found.values()
        if not (parent in found and found[parent][3] == space)
    ]
    return sum(r for r, _ in alone), sum(p for _, p in alone)


def _whole_build(raw_data: Path, year: int, work: Path) -> dict:
    """The build's seconds and its peak memory: the largest sums over its live processes
    (the build and its rendering process), sampled every 20 ms (see ``_tree_kib``) and
    held over two samples.

    Not RUSAGE_CHILDREN: that is the largest of every child this benchmark ever waited
    for, the stages above included, and it gave this build 857 MiB at 4,500 members.
    """
    env = {**os.environ, "DAGSTER_HOME": str(work / "dagster_home")}
    cicopa = Path(sys.executable).parent / "cicopa"
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(cicopa), "build", "--year", str(year), "--raw-data", str(raw_data),
         "--out", str(work / "out"), "--lang", "all"],
        env=env, stdout=subprocess.DEVNULL, stderr=(work / "build.log").open("wb"),
    )  # fmt: skip
    # The peak held over two samples in a row: a process forking for a moment (a `git`
    # or `tail` the run starts) is read half before and half after, a spike of one
    # sample; the memory of a layout or a year's tables lasts hundreds of samples.
    peak_rss = peak_pss = 0
    before = (0, 0)
    while process.poll() is None:
        now = _tree_kib(process.pid)
        peak_rss = max(peak_rss, min(before[0], now[0]))
        peak_pss = max(peak_pss, min(before[1], now[1]))
        before = now
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"cicopa build failed: {(work / 'build.log').read_text()[-2000:]}")
    return {"seconds": seconds, "peak_mib": peak_pss / 1024, "rss_sum_mib": round(peak_rss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, nargs="+", default=[45, 450, 4500])
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--data", type=Path, help="keep generated folders here, reuse them")
    parser.add_argument("--ingest-only", action="store_true", help="skip rendering and build")
    parser.add_argument("--floors-only", action="store_true", help="only the floors")
    parser.add_argument("--floor-runs", type=int, default=9, help="paired runs for the floors")
    args = parser.parse_args()
    from tools.generate_sample_data import generate

    print(f"load average at start: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}\n")
    floors(args.floor_runs)
    if args.floors_only:
        print(f"load average at end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
        return
    baseline: dict[str, float] = {}
    print(f"{'members':>8} {'stage':<32} {'seconds':>9} {'peak MiB':>9} {'x baseline':>10}  notes")
    for members in args.members:
        with ExitStack() as stack:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            raw_data = (args.data or work) / f"raw_data_{members}"
            if not (raw_data / "reference" / "members.csv").exists():
                generate(raw_data, members=members)
            ours = _in_child(_stage_ingest, raw_data, args.year)
            peer = _peer(raw_data, args.year, work)
            same = same_by_area(ours.pop("by_area"), peer.pop("by_area"), members)
            ratio = peer["seconds"] / ours["seconds"]
            ours["pandas_over_ours"] = f"{ratio:.1f}x"
            peer["by_area_csv"] = same
            stages = {"parse + validate + aggregate": ours, "  same, pandas peer": peer}
            if not args.ingest_only:
                stages["render PDF (en; fr, es in notes)"] = _in_child(
                    _stage_render, raw_data, args.year
                )
                stages["cicopa build --lang all"] = _whole_build(raw_data, args.year, work)
            for name, result in stages.items():
                baseline.setdefault(name, result["seconds"])
                ratio = result["seconds"] / baseline[name]
                notes = ", ".join(
                    f"{k}={v}" for k, v in result.items() if k not in {"seconds", "peak_mib"}
                )
                print(
                    f"{members:>8} {name:<32} {result['seconds']:>9.2f} "
                    f"{result['peak_mib']:>9.0f} {ratio:>10.1f}  {notes}",
                    flush=True,
                )
    print(f"\nload average at end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")


if __name__ == "__main__":
    main()
