"""Benchmark the pipeline at the sample's size and at 100 times the members.

For each size N (default 45 and 4,500 members) it generates the sample data into a
temporary folder, then times, in a fresh child process each:
  1. parsing + validation + aggregation (plain functions, no Dagster),
  2. rendering the PDF report from the statistics: English, then all three languages
     (after one warm-up render), with pages per second,
  3. the whole `cicopa build --lang all` (Dagster, in-process executor, a throw-away
     instance; the two earlier years are built first, statistics only, for trends),
and prints wall times, peak resident memory, and each figure's ratio to the first
size (the baseline, measured in the same run).

Usage: .venv/bin/python benchmarks/pipeline.py [--members 45 4500] [--year 2025]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stage_ingest(raw_data: str, year: int, queue: mp.Queue) -> None:
    from cicopa import statistics
    from cicopa.outcomes import validate_year
    from cicopa.reference import load_reference

    started = time.perf_counter()
    reference = load_reference(Path(raw_data))
    outcome = validate_year(Path(raw_data), reference, year)
    table = statistics.by_area(outcome.accepted_rows, reference, year)
    statistics.breakdown(outcome.accepted_rows, reference, year, "sector")
    statistics.breakdown(outcome.accepted_rows, reference, year, "cooperative_type")
    seconds = time.perf_counter() - started
    queue.put({"seconds": seconds, "peak_mib": _peak_mib(), "files": outcome.submissions.height,
               "rows": outcome.accepted_rows.height, "areas": table.height})  # fmt: skip


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


def _whole_build(raw_data: Path, year: int, work: Path) -> dict:
    env = {**os.environ, "DAGSTER_HOME": str(work / "dagster_home")}
    cicopa = Path(sys.executable).parent / "cicopa"
    started = time.perf_counter()
    subprocess.run(
        [str(cicopa), "build", "--year", str(year), "--raw-data", str(raw_data),
         "--out", str(work / "out"), "--lang", "all"],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mib": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, nargs="+", default=[45, 4500])
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    from tools.generate_sample_data import generate

    baseline: dict[str, float] = {}
    print(f"{'members':>8} {'stage':<32} {'seconds':>9} {'peak MiB':>9} {'x baseline':>10}  notes")
    for members in args.members:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            raw_data = work / "raw_data"
            generate(raw_data, members=members)
            stages = {
                "parse + validate + aggregate": _in_child(_stage_ingest, raw_data, args.year),
                "render PDF (en; fr, es in notes)": _in_child(_stage_render, raw_data, args.year),
                "cicopa build --lang all": _whole_build(raw_data, args.year, work),
            }
            for name, result in stages.items():
                baseline.setdefault(name, result["seconds"])
                ratio = result["seconds"] / baseline[name]
                notes = ", ".join(
                    f"{k}={v}" for k, v in result.items() if k not in {"seconds", "peak_mib"}
                )
                print(
                    f"{members:>8} {name:<32} {result['seconds']:>9.2f} "
                    f"{result['peak_mib']:>9.0f} {ratio:>10.1f}  {notes}"
                )


if __name__ == "__main__":
    main()
