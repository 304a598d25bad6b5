"""Bounded load on the web application, on 127.0.0.1 only: uploads, then idle connections.

    .venv/bin/python benchmarks/web_load.py [--uploads 200] [--clients 20] [--staff 10]
                                            [--idle 300]

1. `--clients` concurrent clients send `--uploads` files in all through member links;
   every answer must be 200, every file stored exactly once (counted on disk, by sha256),
   none lost. Prints p50/p95/max latency of an upload (store + validate + page).
2. The staff page of the year (all those files) is asked `--staff` times, as staff
   reload it, and after each of `--staff` more uploads (each one a change it must show):
   p50/p95 of each, and the page must list every stored file.
3. `--idle` connections are opened and left silent: the thread count must stay flat and
   a normal request must still be answered at once.

The per-link hourly limit is raised for the run (the clients share a few member links).
Everything stops by itself; nothing but 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cicopa.links import member_token
from tests.builders import make_reference, row, write_csv
from tests.web_helpers import SECRET, STAFF_TOKEN, multipart, raw_request, running

MEMBERS = ("IT-ONE", "IT-TWO", "FR-ONE", "US-ONE", "BR-ONE", "CO-ONE", "KE-ONE")
YEAR = 2025


def _client(port: int, member: str, files: list[bytes]) -> list[float]:
    path = f"/submit/{member_token(SECRET, member, YEAR)}"
    status, headers, body = raw_request(port, path)
    assert status == 200, status
    cookie = headers["set-cookie"].split(";", 1)[0]
    csrf = re.search(r'name="csrf" value="([^"]+)"', body.decode()).group(1)  # type: ignore[union-attr]
    latencies = []
    for data in files:
        content_type, form = multipart({"csrf": csrf}, "survey.csv", data)
        started = time.perf_counter()
        status, _, _ = raw_request(
            port, path, "POST", {"Content-Type": content_type, "Cookie": cookie}, form
        )
        latencies.append(time.perf_counter() - started)
        assert status == 200, status
    return latencies


def _percentiles(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"


def _staff_page(port: int, stored: int) -> float:
    started = time.perf_counter()
    status, _, body = raw_request(
        port, f"/staff/?year={YEAR}", headers={"Authorization": f"Bearer {STAFF_TOKEN}"}
    )
    took = time.perf_counter() - started
    assert status == 200, status
    listed = len(re.findall(r'<input type="hidden" name="file"', body.decode()))
    assert listed == stored, (listed, stored)  # every stored file, the newest included
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--staff", type=int, default=10)
    parser.add_argument("--idle", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raw = make_reference(Path(tmp) / "raw_data")
        # Each upload is a different file (its comment differs), so each sha256 is unique.
        plan: dict[int, list[bytes]] = {c: [] for c in range(args.clients)}
        expected = set()
        for n in range(args.uploads):
            client = n % args.clients
            member = MEMBERS[client % len(MEMBERS)]
            record = row(member_id=member, comment=f"upload {n}")
            data = write_csv(Path(tmp) / "f.csv", [record]).read_bytes()
            plan[client].append(data)
            expected.add(hashlib.sha256(data).hexdigest())
        limit = args.uploads + args.staff + 1
        with running(raw, Path(tmp) / "out", uploads_per_hour=limit) as port:
            started = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                futures = [
                    pool.submit(_client, port, MEMBERS[c % len(MEMBERS)], plan[c])
                    for c in range(args.clients)
                ]
                latencies = sorted(x for f in futures for x in f.result())
            wall = time.perf_counter() - started
            stored = list((raw / "submissions" / str(YEAR)).iterdir())
            hashes = [hashlib.sha256(p.read_bytes()).hexdigest() for p in stored]
            assert len(stored) == args.uploads, (len(stored), args.uploads)
            assert set(hashes) == expected and len(set(hashes)) == len(hashes), "lost or doubled"
            print(
                f"{args.uploads} uploads from {args.clients} clients in {wall:.1f} s: all stored "
                f"once, none lost; latency {_percentiles(latencies)}"
            )

            reloads = [_staff_page(port, args.uploads) for _ in range(args.staff)]
            print(f"staff page of {args.uploads} files, reloaded: {_percentiles(reloads)}")
            changed = []
            for n in range(args.staff):
                record = row(member_id=MEMBERS[0], comment=f"more {n}")
                data = write_csv(Path(tmp) / "f.csv", [record]).read_bytes()
                _client(port, MEMBERS[0], [data])
                changed.append(_staff_page(port, args.uploads + n + 1))
            print(f"staff page right after an upload: {_percentiles(changed)}")

            before = threading.active_count()
            idle = [socket.create_connection(("127.0.0.1", port), timeout=5)
                    for _ in range(args.idle)]  # fmt: skip
            try:
                time.sleep(0.5)
                threads = threading.active_count() - before
                began = time.perf_counter()
                status, _, body = raw_request(port, "/healthz")
                took = time.perf_counter() - began
                assert (status, body) == (200, b"ok")
                print(
                    f"{args.idle} idle connections: {threads} more thread(s) in the server "
                    f"process; a normal request answered in {took * 1000:.0f} ms"
                )
                assert threads < 5 and took < 2
            finally:
                for sock in idle:
                    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
