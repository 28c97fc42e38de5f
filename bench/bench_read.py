"""Reading and validating a large workbook: clerk against a bare openpyxl loop, in one run.

    .venv/bin/python bench/bench_read.py [ROWS ...]

Prints, per size, the time and peak traced memory of both, and their ratios. The
baseline only iterates the cells (read-only mode); clerk also maps the headers, parses
every cell strictly and checks for duplicate references.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook, load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clerk._items import parse_items
from clerk.inputs import read_table
from clerk_bots.invoice_entry.model import SCHEMA


def make_workbook(path: Path, rows: int) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["Vendor", "Invoice Number", "Invoice Date", "Due Date", "Amount", "Account", "Description"])
    for n in range(rows):
        sheet.append(["Globex Telecom LLC", f"B-{n:07d}", dt.datetime(2026, 11, 1 + n % 28), "2026-12-31",
                      round(10 + n % 997 * 1.25, 2), 5780, f"line {n}"])
    workbook.save(path)


def baseline(path: Path) -> int:
    workbook = load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return count


def with_clerk(path: Path) -> int:
    table = read_table(path, SCHEMA.columns, required=SCHEMA.required)
    items = parse_items(table, SCHEMA, lambda invoice: invoice.reference)
    assert all(item.valid for item in items)
    return len(items)


def measure(action: Callable[[Path], int], path: Path) -> tuple[float, int]:
    """Best wall time of three plain runs, then one traced run for the peak memory."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        action(path)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    action(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return min(times), peak


def main(sizes: list[int]) -> None:
    print("| rows | file | openpyxl loop | clerk read+validate | time ratio | peak memory (loop / clerk) | memory ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            path = Path(folder) / f"{rows}.xlsx"
            make_workbook(path, rows)
            base_time, base_peak = measure(baseline, path)
            clerk_time, clerk_peak = measure(with_clerk, path)
            print(f"| {rows:,} | {path.stat().st_size / 1e6:.1f} MB | {base_time:.2f} s | {clerk_time:.2f} s | "
                  f"{clerk_time / base_time:.2f} | {base_peak / 1e6:.1f} / {clerk_peak / 1e6:.1f} MB | "
                  f"{clerk_peak / max(base_peak, 1):.1f} |")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 30_000])
