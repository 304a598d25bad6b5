"""Why fastexcel reads submissions: time it against openpyxl on survey-sized workbooks.

Usage: .venv/bin/python benchmarks/xlsx_readers.py [--rows 8] [--repeat 200]
Prints milliseconds per file for each reader and the ratio openpyxl / fastexcel.
"""

from __future__ import annotations

import argparse
import io
import time

import fastexcel
import openpyxl

HEADER = [
    "member_id", "reference_year", "sector", "cooperative_type", "enterprises",
    "worker_members", "employees", "producer_members", "women", "turnover", "currency",
]  # fmt: skip


def workbook(rows: int) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "submission"
    sheet.append(HEADER)
    for i in range(rows):
        sheet.append(["IT-SAMPLE1", 2025, "C", "worker", 10 + i, 100.0, 20, 0, 50, 12345.5, "EUR"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_fastexcel(data: bytes) -> int:
    sheet = fastexcel.read_excel(data).load_sheet("submission", header_row=None, dtypes="string")
    return sheet.to_polars().height


def with_openpyxl(data: bytes) -> int:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    return len(list(book["submission"].iter_rows(values_only=True)))


def per_file_ms(reader, data: bytes, repeat: int) -> float:
    reader(data)  # warm-up: first call pays for library initialisation
    started = time.perf_counter()
    for _ in range(repeat):
        reader(data)
    return (time.perf_counter() - started) / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    for rows in sorted({args.rows, 500}):
        data = workbook(rows)
        fast = per_file_ms(with_fastexcel, data, args.repeat)
        slow = per_file_ms(with_openpyxl, data, args.repeat)
        print(
            f"{rows:>4} rows: fastexcel {fast:6.2f} ms/file, openpyxl {slow:6.2f} ms/file, "
            f"ratio {slow / fast:4.1f}x"
        )


if __name__ == "__main__":
    main()
