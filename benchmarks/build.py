"""Benchmark a year's build against its floors, the event log's share, and the UI's start.

Each figure is a whole fresh process (the median of --repeat runs, interleaved so that
a burst of load on the shared machine hits every measure alike):
  - import floor: `import dagster, polars, pandera.polars, weasyprint`;
  - WeasyPrint alone: the build's own English HTML (rendered by the report asset's own
    functions from the stored partitions of a build) to PDF with the report's PDF/A
    variant and attachments, timed after the imports;
  - `cicopa build --lang en` and `--lang all` of the sample, cold: a fresh DAGSTER_HOME
    and out folder, so the earlier years' ingest assets are built first;
  - the event log: a cold English build per round in a child process whose instance
    storage is timed call by call (outermost calls only): the event log's own share
    (the target), and all of the instance's storage (event log, runs, schedules, and
    opening the instance, its new databases created), with the events and, under
    strace (first round), the fdatasync/fsync calls; the median round's is shown;
  - `cicopa ui --read-only` answering /server_info, from process start, fresh instance.

Targets (issue 14): en cold <= 1.5x (import floor + WeasyPrint alone); all <= 1.6x en;
event log < 10 % of the en build; UI < 6 s. Before related assets shared a step
(issue 14, item 3) a cold en build ran 42 steps and stored 446 events; then 22 and 330;
with one ingest step per year, 13 and 288.

Usage: .venv/bin/python benchmarks/build.py [--repeat 3] [--year 2025] [--no-ui]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PYTHON = sys.executable
FLOOR_IMPORTS = "import dagster, polars, pandera.polars, weasyprint"

# Child: the report's HTML and attachments from a build's stored partitions.
SAVE_HTML = """
import json, sys
from pathlib import Path
from pipelines.io import load, storage_folder
from pipelines.assets.report import report_inputs
from reports.render import render_html
from cicopa.settings import FX_SOURCE
raw, year, target = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
names = ["reference_data", "submission_outcomes", "accepted_figures", "area_statistics",
         "sector_statistics", "type_statistics", "area_trends", "trend_statistics",
         "coverage_statistics", "estimate_statistics", "edition", "figures_provenance_record"]
stored = {n: load(storage_folder(raw, [n], str(year))) for n in names}
data, attachments = report_inputs(year, raw_data=raw, fx_source=FX_SOURCE, **stored)
target.mkdir(parents=True, exist_ok=True)
(target / "report.html").write_text(render_html(data, "en", attachments=list(attachments.items())))
for name, content in attachments.items():
    (target / name).write_bytes(content)
"""

# Child: WeasyPrint alone on that HTML, timed after its imports.
WEASYPRINT_ALONE = """
import sys, time
from pathlib import Path
from weasyprint import HTML, Attachment
from reports.fetcher import STATIC_DIR, ReportURLFetcher
from reports.pdf import PDF_VARIANT
folder = Path(sys.argv[1])
started = time.perf_counter()
html = HTML(string=(folder / "report.html").read_text(), base_url=STATIC_DIR.as_uri() + "/",
            url_fetcher=ReportURLFetcher())
files = [Attachment(string=p.read_bytes(), name=p.name) for p in sorted(folder.iterdir())
         if p.name != "report.html"]
html.write_pdf(pdf_variant=PDF_VARIANT, attachments=files)
print(time.perf_counter() - started)
"""

# Child: a cold English build with the instance's storage calls timed (outermost only).
TIMED_STORAGE = """
import json, sys, threading, time
from dagster._core.storage.event_log.sql_event_log import SqlEventLogStorage
from dagster._core.storage.runs.sql_run_storage import SqlRunStorage
from dagster._core.storage.schedules.sql_schedule_storage import SqlScheduleStorage
from dagster._core.instance import DagsterInstance
local = threading.local()
totals = {"seconds": 0.0, "event log": 0.0, "events": 0}
def timed(fn, event_log=False):
    def wrapper(*args, **kwargs):
        depth = getattr(local, "depth", 0)
        local.depth = depth + 1
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            local.depth = depth
            if depth == 0:
                spent = time.perf_counter() - started
                totals["seconds"] += spent
                if event_log:
                    totals["event log"] += spent
    return wrapper
import inspect
def all_subclasses(cls):
    return {cls, *(s for sub in cls.__subclasses__() for s in all_subclasses(sub))}
try:
    import pipelines.instance  # the project's own storage, where configured
except ImportError:
    pass
for base in (SqlEventLogStorage, SqlRunStorage, SqlScheduleStorage):
    for klass in all_subclasses(base):
        for name, value in list(vars(klass).items()):
            if inspect.isfunction(value) and not name.startswith("__"):
                setattr(klass, name, timed(value, event_log=base is SqlEventLogStorage))
store = DagsterInstance.handle_new_event
def counted(self, *args, **kwargs):
    totals["events"] += 1
    return store(self, *args, **kwargs)
DagsterInstance.handle_new_event = counted
# Opening the instance: its storages, their databases created and stamped.
DagsterInstance.get = timed(DagsterInstance.get)
from pipelines.cli import main
started = time.perf_counter()
code = main(sys.argv[1:])
totals["build"] = time.perf_counter() - started
totals["code"] = code
print(json.dumps(totals), file=sys.stderr)
"""


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "DAGSTER_HOME": str(home)}


def cold_build(raw: Path, year: int, lang: str, work: Path) -> tuple[float, Path]:
    """One cold build into a fresh instance and out folder; its seconds and its folder."""
    folder = Path(tempfile.mkdtemp(prefix=f"build-{lang}-", dir=work))
    cmd = [str(BIN / "cicopa"), "build", "--year", str(year), "--raw-data", str(raw),
           "--out", str(folder / "out"), "--lang", lang, "--quiet"]  # fmt: skip
    return _timed(cmd, _env(folder / "home")), folder


def ui_start(work: Path) -> float:
    """Seconds from starting `cicopa ui --read-only` to its first /server_info answer."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    home = Path(tempfile.mkdtemp(prefix="ui-", dir=work))
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "cicopa"), "ui", "--read-only", "--port", str(port)],
        env=_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        while time.perf_counter() - started < 120:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2):
                    return time.perf_counter() - started
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the UI did not answer /server_info within 120 s")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def event_log_share(raw: Path, year: int, work: Path, *, count_fsync: bool = True) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="storage-", dir=work))
    args = ["build", "--year", str(year), "--raw-data", str(raw), "--out",
            str(folder / "out"), "--lang", "en", "--quiet"]  # fmt: skip
    done = subprocess.run(
        [PYTHON, "-c", TIMED_STORAGE, *args], env=_env(folder / "home"), capture_output=True,
        text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    result = json.loads(done.stderr.strip().splitlines()[-1])
    # The instance's own files: how it is configured, how many events it holds.
    runs = folder / "home" / "history" / "runs"

    def each_run(query: str) -> int:
        return sum(
            int(subprocess.run(["sqlite3", str(db), query],
                               capture_output=True, text=True).stdout.strip() or 0)
            for db in runs.glob("*.db") if db.name != "index.db"
        )  # fmt: skip

    result["events stored"] = each_run("select count(*) from event_logs")
    # Steps of all the build's runs (the earlier years' ingest runs included).
    result["steps"] = each_run(
        "select count(distinct step_key) from event_logs where step_key is not null"
    )
    if count_fsync and shutil.which("strace"):
        again = Path(tempfile.mkdtemp(prefix="strace-", dir=work))
        trace = again / "strace.txt"
        subprocess.run(
            ["strace", "-f", "-c", "-e", "trace=fdatasync,fsync", "-o", str(trace),
             str(BIN / "cicopa"), "build", "--year", str(year), "--raw-data", str(raw),
             "--out", str(again / "out"), "--lang", "en", "--quiet"],
            env=_env(again / "home"), capture_output=True, check=True,
        )  # fmt: skip
        calls = 0
        for line in trace.read_text().splitlines():
            parts = line.split()
            if parts and parts[-1] in {"fdatasync", "fsync"}:
                calls += int(parts[3])  # % time, seconds, usecs/call, calls[, errors]
        result["fsync calls"] = calls
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--raw-data", type=Path, default=ROOT / "raw_data")
    parser.add_argument("--no-ui", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--outputs", type=Path, help="copy the first en and all builds' out folders here"
    )
    args = parser.parse_args()
    raw = args.raw_data.resolve()
    work = Path(tempfile.mkdtemp(prefix="cicopa-bench-"))
    print(f"load average at start: {_load()}  ({os.cpu_count()} cores)")
    times: dict[str, list[float]] = {}
    shares: list[dict] = []
    html = work / "html"
    try:
        for round_ in range(args.repeat):
            times.setdefault("import floor", []).append(_timed([PYTHON, "-c", FLOOR_IMPORTS]))
            seconds, en = cold_build(raw, args.year, "en", work)
            times.setdefault("build en", []).append(seconds)
            if round_ == 0:
                subprocess.run(
                    [PYTHON, "-c", SAVE_HTML, str(raw), str(args.year), str(html)],
                    env=_env(en / "home"), check=True, cwd=ROOT,
                )  # fmt: skip
            alone = subprocess.run(
                [PYTHON, "-c", WEASYPRINT_ALONE, str(html)],
                check=True, capture_output=True, text=True, cwd=ROOT,
            )  # fmt: skip
            times.setdefault("weasyprint", []).append(float(alone.stdout))
            seconds, every = cold_build(raw, args.year, "all", work)
            times.setdefault("build all", []).append(seconds)
            if args.outputs and round_ == 0:
                shutil.copytree(en / "out", args.outputs / "en", dirs_exist_ok=True)
                shutil.copytree(every / "out", args.outputs / "all", dirs_exist_ok=True)
            shutil.rmtree(every, ignore_errors=True)
            if not args.no_ui:
                times.setdefault("ui", []).append(ui_start(work))
            shutil.rmtree(en, ignore_errors=True)
            shares.append(event_log_share(raw, args.year, work, count_fsync=round_ == 0))
        # The round whose event log share is the median: its build and storage seconds.
        storage = sorted(shares, key=lambda s: s["event log"] / s["build"])[len(shares) // 2]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    median = {name: statistics.median(values) for name, values in times.items()}
    floors = median["import floor"] + median["weasyprint"]
    rows = [
        ("import floor (dagster, polars, pandera.polars, weasyprint)", median["import floor"],
         "", ""),
        ("WeasyPrint alone, the build's en HTML, PDF/A-3a", median["weasyprint"], "", ""),
        ("floors: import + WeasyPrint alone", floors, "1.00x floors", ""),
        ("cicopa build --lang en, cold", median["build en"],
         f"{median['build en'] / floors:.2f}x floors", "<= 1.5x floors"),
        ("cicopa build --lang all, cold", median["build all"],
         f"{median['build all'] / median['build en']:.2f}x en", "<= 1.6x en"),
    ]  # fmt: skip
    if "ui" in median:
        rows.append(("cicopa ui --read-only: /server_info", median["ui"], "", "< 6 s"))
    rows += [
        (f"event log in a cold en build ({storage['build']:.1f} s)", storage["event log"],
         f"{storage['event log'] / storage['build']:.1%} of build", "< 10 %"),
        ("  all instance storage, opening it included", storage["seconds"],
         f"{storage['seconds'] / storage['build']:.1%} of build", ""),
    ]  # fmt: skip
    print(f"{'measure':<62} {'seconds':>8}  {'ratio':<18} target")
    for name, seconds, ratio, target in rows:
        print(f"{name:<62} {seconds:>8.2f}  {ratio:<18} {target}")
    print(
        f"cold en build: {storage['steps']} steps; events handled {storage['events']}, "
        f"stored {storage['events stored']}"
        + (
            f", fdatasync/fsync calls {shares[0]['fsync calls']}"
            if shares[0].get("fsync calls")
            else ""
        )
        + "; event log shares "
        + "/".join(f"{s['event log'] / s['build']:.1%}" for s in shares)
        + ", all storage "
        + "/".join(f"{s['seconds'] / s['build']:.1%}" for s in shares)
        + f"; medians of {args.repeat}: "
        + "; ".join(f"{k} " + "/".join(f"{v:.1f}" for v in vals) for k, vals in times.items())
    )
    print(f"load average at end: {_load()}")


if __name__ == "__main__":
    main()
