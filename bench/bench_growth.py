"""Does a long invoice_entry run stay as fast and as small as a short one? (issue 13, target 5)

    . sandbox/credentials.sh && .venv/bin/python bench/bench_growth.py [N] [SETTING=VALUE...]

One `run_bot` of invoice_entry over N invoices (500 by default; at least 10), every
default on, against the sandbox LedgerSMB. Each item's time runs from the previous item's
settling (the first from the start of the entering phase, after preflight) to its own.
The table compares the mean time per item in items 1-10, 91-100 and N-9..N, and the
resident memory of the whole process tree -- this Python process, the Playwright driver
and every Chromium process -- read from /proc right after items 10, 100, 200, ... and N
settled (RSS summed, and private memory).
Extra SETTING=VALUE pairs override clerk settings (e.g. web.recycle_every=50).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from loguru import logger
from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clerk._config import load_settings
from clerk._engine import RunOptions, run_bot
from clerk._outcome import ItemResult
from clerk._phases import RunPhase
from clerk_bots.invoice_entry.bot import BOT

PAGE = os.sysconf("SC_PAGE_SIZE")


def children_of() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:  # the process ended while we looked
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(parent, []).append(int(entry))
    return tree


def tree_memory_mb(root: int) -> tuple[float, float, int]:
    """Resident memory of ``root`` and all its descendants in MB, and how many processes:
    RSS summed (a page shared by several of them counts in each) and private memory (USS:
    pages no other process maps, which is where a leak shows; unlike PSS it does not
    move when other programs load the same libraries, e.g. other Chromiums)."""
    tree, todo, total, private, count = children_of(), [root], 0, 0, 0
    while todo:
        pid = todo.pop()
        todo.extend(tree.get(pid, []))
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
            count += 1
            private += sum(int(line.split()[1]) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
                           if line.startswith(("Private_Clean:", "Private_Dirty:"))) * 1024
        except OSError:
            continue
    return total / 1e6, private / 1e6, count


class Sampler:
    """Progress listener: the time each item settled, and the memory after chosen items."""

    def __init__(self, marks: set[int]) -> None:
        self.marks, self.times, self.memory = marks, [], {}  # type: ignore[var-annotated]
        self.start = 0.0

    def phase(self, phase: RunPhase, app: str) -> None:
        if phase is RunPhase.ENTERING:
            self.start = time.perf_counter()

    def started(self, total: int, resumed: bool) -> None: ...

    def advanced(self, result: ItemResult) -> None:
        self.times.append(time.perf_counter())
        done = len(self.times)
        if done in self.marks:
            self.memory[done] = (*tree_memory_mb(os.getpid()), os.getloadavg()[0])
        if done % 10 == 0:
            rss, private, procs = tree_memory_mb(os.getpid())
            print(f"{done} items, {self.times[-1] - self.start:.0f} s, RSS {rss:.0f} MB, private {private:.0f} MB "
                  f"in {procs} processes, "
                  f"load {os.getloadavg()[0]:.1f}, last {result.status.value}", file=sys.stderr, flush=True)

    def per_item(self, first: int, last: int) -> float:
        """Mean seconds per item over items ``first``..``last`` (1-based, inclusive)."""
        stamps = [self.start, *self.times]
        return statistics.fmean(stamps[n] - stamps[n - 1] for n in range(first, last + 1))


def workbook(folder: Path, prefix: str, count: int) -> Path:
    path = folder / f"growth-{prefix}.xlsx"
    book = Workbook()
    book.active.append(["Vendor", "Invoice Number", "Invoice Date", "Due Date", "Amount", "Account", "Description"])
    for n in range(count):
        book.active.append(["Globex Telecom LLC", f"{prefix}{n:04d}", dt.datetime(2026, 11, 10),
                            dt.datetime(2026, 12, 10), f"{100 + n % 900}.25", "5780", "growth benchmark"])
    book.save(path)
    return path


def main(count: int, overrides: dict[str, str]) -> None:
    logger.remove()
    prefix = f"G{uuid.uuid4().hex[:6].upper()}-"
    marks = {10, *range(100, count + 1, 100), count}
    sampler = Sampler(marks)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = load_settings(None, {"clerk.data_dir": str(folder / "var"),
                                        "clerk.recordings_dir": str(folder / "rec"), **overrides})
        path = workbook(folder, prefix, count)
        print(f"{count} invoices {prefix}0000..; load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
        report = run_bot(BOT, settings, RunOptions(input_path=path), progress=sampler)
    print(json.dumps({"start": sampler.start, "settled": sampler.times, "memory": sampler.memory}), file=sys.stderr)
    print(f"outcome {report.outcome.value}, counts {dict(report.counts)}, {len(sampler.times)} items settled")
    windows = sorted({(1, 10), (91, 100), (count - 9, count)} if count >= 100 else {(1, 10), (count - 9, count)})
    base = sampler.per_item(1, 10)
    print(f"\n| items ({count} invoices, one run) | seconds per item | ratio to items 1-10 |")
    print("|---|---:|---:|")
    for first, last in windows:
        seconds = sampler.per_item(first, last)
        print(f"| {first}-{last} | {seconds:.2f} | {seconds / base:.2f} |")
    print("\n| after item | RSS, summed (clerk + driver + Chromium) | since item 10 | private (USS) | since item 10 "
          "| processes | load |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    rss10, private10 = sampler.memory[10][:2]
    for mark in sorted(sampler.memory):
        rss, private, procs, load = sampler.memory[mark]
        print(f"| {mark} | {rss:.0f} MB | {rss - rss10:+.0f} MB | {private:.0f} MB | {private - private10:+.0f} MB "
              f"| {procs} | {load:.1f} |")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    number = int(arguments[0]) if arguments and "=" not in arguments[0] else 500
    pairs = dict(arg.split("=", 1) for arg in arguments if "=" in arg)
    main(max(number, 10), pairs)
