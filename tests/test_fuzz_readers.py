"""Seeded mutations of the sample submissions: whatever the bytes, one status, true figures.

Each case mutates one sample file (CSV and JSON as text, XLSX through its cell values
or its raw bytes) and asserts: no exception escapes, the file gets exactly one status,
and an accepted file's figures equal the figures in its bytes, read by an independent
route (the stdlib csv and json modules, openpyxl), never by the pipeline's readers.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl

from cicopa.columns import REQUIRED_COLUMNS
from cicopa.outcomes import resolve_year
from cicopa.readers import read_submission
from cicopa.reference import Reference, load_reference
from cicopa.settings import PROJECT_ROOT

CASES = 300
SAMPLE = PROJECT_ROOT / "raw_data" / "submissions" / "2025"
FIGURES = ("enterprises", "worker_members", "employees", "producer_members")
INSERTS = ['"', ",", ";", "\n", "\uff11", "=", "-", " ", ".", "0", "7", "", "x", "\r"]


def _mutate_text(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        lines = text.split("\n")
        choice = rng.random()
        if choice < 0.6 and text:
            at = rng.randrange(len(text))
            text = text[:at] + rng.choice(INSERTS) + text[at + 1 :]
        elif choice < 0.75 and len(lines) > 2:
            at = rng.randrange(1, len(lines))
            lines.insert(at, lines[at])
            text = "\n".join(lines)
        elif choice < 0.9 and len(lines) > 2:
            del lines[rng.randrange(1, len(lines))]
            text = "\n".join(lines)
        else:
            text = text[: rng.randrange(len(text) + 1)]
    return text


def _mutate_xlsx(data: bytes, rng: random.Random) -> bytes:
    if rng.random() < 0.3 or not zipfile.is_zipfile(io.BytesIO(data)):
        # raw corruption: flip bytes or cut the archive (some samples are broken already)
        out = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out[: rng.randrange(len(out) // 2, len(out) + 1)])
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            part = source.read(name)
            if name.startswith("xl/worksheets/"):
                values = list(re.finditer(rb"<v>([^<]*)</v>", part))
                for match in rng.sample(values, min(len(values), rng.randint(1, 3))):
                    new = rng.choice([b"0", b"12.5", b"-3", b"1e3", b"4", b"99999"])
                    part = part[: match.start(1)] + new + part[match.end(1) :]
                    break  # one change keeps the offsets of the others valid
            archive.writestr(name, part)
    return buffer.getvalue()


def _mutate(path: Path, rng: random.Random) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        return _mutate_xlsx(data, rng)
    text = data.decode("utf-8-sig", errors="replace")
    return _mutate_text(text, rng).encode("utf-8")


# --- the independent route: what the bytes say -----------------------------------------


def _integer(value: Any) -> int:
    if isinstance(value, int | float):
        assert float(value).is_integer()
        return int(value)
    text = str(value).strip()
    return int(re.sub(r"[.,]0+$", "", text))


def _key(sector: Any, kind: Any) -> tuple[str, str]:
    return str(sector).strip().upper(), str(kind).strip().lower()


def _figures_from_records(records: list[list[Any]]) -> dict[tuple[str, str], tuple[int, ...]]:
    def norm(cell: Any) -> str:
        return str(cell).strip().lower() if cell is not None else ""

    start = next(i for i, r in enumerate(records) if set(REQUIRED_COLUMNS) <= {norm(c) for c in r})
    header = [norm(c) for c in records[start]]
    where = {name: header.index(name) for name in ("sector", "cooperative_type", *FIGURES)}
    found = {}
    for record in records[start + 1 :]:
        cells = [record[where[n]] if where[n] < len(record) else None for n in where]
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        found[_key(cells[0], cells[1])] = tuple(_integer(c) for c in cells[2:])
    return found


def _figures_in_bytes(data: bytes, name: str) -> dict[tuple[str, str], tuple[int, ...]]:
    if name.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        sheet = book["submission"] if "submission" in book.sheetnames else book.worksheets[0]
        return _figures_from_records([list(r) for r in sheet.iter_rows(values_only=True)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    if name.endswith(".json"):
        document = json.loads(text)
        rows = [{k.strip().lower(): v for k, v in r.items()} for r in document["rows"]]
        rows = [r for r in rows if any(r.get(n) not in (None, "") for n in FIGURES)]
        return {
            _key(r["sector"], r["cooperative_type"]): tuple(_integer(r[n]) for n in FIGURES)
            for r in rows
        }
    first = text.lstrip().split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return _figures_from_records(
        list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    )


def _figures_accepted(rows: Any) -> dict[tuple[str, str], tuple[int, ...]]:
    return {
        _key(r["sector"], r["cooperative_type"]): tuple(r[n] for n in FIGURES)
        for r in rows.iter_rows(named=True)
    }


def test_mutated_samples_never_crash_and_never_change_a_figure(tmp_path: Path) -> None:
    reference: Reference = load_reference(PROJECT_ROOT / "raw_data")
    samples = sorted(SAMPLE.iterdir())
    rng = random.Random(20251)
    statuses: dict[str, int] = {}
    for case in range(CASES):
        path = samples[case % len(samples)]
        data = _mutate(path, rng)
        name = f"submissions/2025/{case:03d}_{path.name}"
        raw = read_submission(data, name)  # raising here fails the test: nothing escapes
        outcome = resolve_year([raw], reference, 2025, {name: "-"})
        assert outcome.submissions.height == 1, name
        status = outcome.submissions["status"].item()
        assert status in {"accepted", "rejected", "unreadable"}, (name, status)
        statuses[status] = statuses.get(status, 0) + 1
        if status == "accepted":
            expected = _figures_in_bytes(data, path.name)
            assert _figures_accepted(outcome.accepted_rows) == expected, (case, path.name)
    # Mutations hit every outcome, so each assertion above was exercised.
    assert set(statuses) == {"accepted", "rejected", "unreadable"}, statuses
    assert statuses["accepted"] >= CASES // 10, statuses
