"""Reading and validating a large workbook: clerk against a bare openpyxl loop, in one run.

    .venv/bin/python bench/bench_read.py [ROWS ...]

Prints, per size, the time and peak traced memory of both, and their ratios. The
baseline only iterates the cells (read-only mode); clerk also maps the headers, parses
every cell strictly and checks for duplicate references. The two ways take turns, three
rounds, and each keeps its best wall time and its best CPU time (this process's, which
other work on a shared machine disturbs less); the load average is printed with the table.
"""

from __future__ import annotations

import datetime as dt
import os
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


def timed(action: Callable[[Path], int], path: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one plain run."""
    wall, cpu = time.perf_counter(), time.process_time()
    action(path)
    return time.perf_counter() - wall, time.process_time() - cpu


def traced_peak(action: Callable[[Path], int], path: Path) -> int:
    tracemalloc.start()
    try:
        action(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def compare(path: Path, rounds: int = 3) -> tuple[tuple[float, float], tuple[float, float], int, int]:
    """Best (wall, CPU) of each way over ``rounds`` alternating runs, then each one's traced peak."""
    best = {baseline: (float("inf"), float("inf")), with_clerk: (float("inf"), float("inf"))}
    for _ in range(rounds):
        for action in best:
            wall, cpu = timed(action, path)
            best[action] = (min(best[action][0], wall), min(best[action][1], cpu))
    return best[baseline], best[with_clerk], traced_peak(baseline, path), traced_peak(with_clerk, path)


def main(sizes: list[int]) -> None:
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("| rows | file | openpyxl loop | clerk read+validate | time ratio | CPU ratio "
          "| peak memory (loop / clerk) | memory ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            path = Path(folder) / f"{rows}.xlsx"
            make_workbook(path, rows)
            (base_wall, base_cpu), (clerk_wall, clerk_cpu), base_peak, clerk_peak = compare(path)
            print(f"| {rows:,} | {path.stat().st_size / 1e6:.1f} MB | {base_wall:.2f} s | {clerk_wall:.2f} s | "
                  f"{clerk_wall / base_wall:.2f} | {clerk_cpu / base_cpu:.2f} | "
                  f"{base_peak / 1e6:.1f} / {clerk_peak / 1e6:.1f} MB | {clerk_peak / max(base_peak, 1):.1f} |")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 30_000])
