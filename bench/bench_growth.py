"""Does a long invoice_entry run stay as fast and as small as a short one? (issue 13, target 5)

    . sandbox/credentials.sh && .venv/bin/python bench/bench_growth.py [N] [SETTING=VALUE...]

One `run_bot` of invoice_entry over N invoices (500 by default; at least 10), every
default on, against the sandbox LedgerSMB. Each item's time runs from the previous item's
settling (the first from the start of the entering phase, after preflight) to its own.
The table compares the mean time per item in items 1-10, 91-100 and N-9..N, with the
CPU time the process tree used per item (which a busy machine moves far less than the
wall time: it tells a slower clerk from a slower machine), and the
resident memory of the whole process tree -- this Python process, the Playwright driver
and every Chromium process -- read from /proc right after items 10, 100, 200, ... and N
settled (RSS summed, and its anonymous part).
Extra SETTING=VALUE pairs override clerk settings (e.g. run.screenshot_format=jpeg).
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
from clerk._outcome import ItemResult
from clerk._phases import RunPhase
from clerk._run import run_bot
from clerk._run_options import RunOptions
from clerk_bots.invoice_entry.bot import BOT

PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")


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
    RSS summed (a page shared by several of them counts in each), and its anonymous part
    (heaps, JavaScript memory: where a leak grows). Both count only pages these processes
    map, so other programs on the machine do not move them, as they move PSS and USS
    (a library page counts as private once the last other Chromium using it exits)."""
    tree, todo, total, anon, count = children_of(), [root], 0, 0, 0
    while todo:
        pid = todo.pop()
        todo.extend(tree.get(pid, []))
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
            count += 1
            anon += sum(int(line.split()[1]) for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
                           if line.startswith("Anonymous:")) * 1024
        except OSError:
            continue
    return total / 1e6, anon / 1e6, count


def tree_cpu_s(root: int) -> float:
    """CPU seconds (user + system) used so far by ``root`` and its descendants, live or reaped."""
    tree, todo, total = children_of(), [root], 0.0
    while todo:
        pid = todo.pop()
        todo.extend(tree.get(pid, []))
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15]) / TICK  # utime stime cutime cstime
    return total


class Sampler:
    """Progress listener: the time each item settled, and the memory after chosen items."""

    def __init__(self, marks: set[int]) -> None:
        self.marks, self.times, self.memory = marks, [], {}  # type: ignore[var-annotated]
        self.start = 0.0
        self.cpu: list[float] = []  # the tree's CPU seconds at the start of entering, then after each item

    def phase(self, phase: RunPhase, app: str) -> None:
        if phase is RunPhase.ENTERING:
            self.start = time.perf_counter()
            self.cpu = [tree_cpu_s(os.getpid())]

    def started(self, total: int, resumed: bool) -> None: ...

    def advanced(self, result: ItemResult) -> None:
        self.times.append(time.perf_counter())
        self.cpu.append(tree_cpu_s(os.getpid()))
        done = len(self.times)
        if done in self.marks:
            self.memory[done] = (*tree_memory_mb(os.getpid()), os.getloadavg()[0])
        if done % 10 == 0:
            rss, anon, procs = tree_memory_mb(os.getpid())
            print(f"{done} items, {self.times[-1] - self.start:.0f} s, RSS {rss:.0f} MB, anonymous {anon:.0f} MB "
                  f"in {procs} processes, "
                  f"load {os.getloadavg()[0]:.1f}, last {result.status.value}", file=sys.stderr, flush=True)

    def per_item(self, first: int, last: int) -> float:
        """Mean seconds per item over items ``first``..``last`` (1-based, inclusive)."""
        stamps = [self.start, *self.times]
        return statistics.fmean(stamps[n] - stamps[n - 1] for n in range(first, last + 1))

    def cpu_per_item(self, first: int, last: int) -> float:
        return (self.cpu[last] - self.cpu[first - 1]) / (last - first + 1)


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
    print(json.dumps({"start": sampler.start, "settled": sampler.times, "cpu": sampler.cpu, "memory": sampler.memory}),
          file=sys.stderr)
    print(f"outcome {report.outcome.value}, counts {dict(report.counts)}, {len(sampler.times)} items settled")
    windows = sorted({(1, 10), (91, 100), (count - 9, count)} if count >= 100 else {(1, 10), (count - 9, count)})
    base = sampler.per_item(1, 10)
    cpu_base = sampler.cpu_per_item(1, 10)
    print(f"\n| items ({count} invoices, one run) | seconds per item | ratio to items 1-10 "
          "| CPU seconds per item (clerk + driver + Chromium) | ratio |")
    print("|---|---:|---:|---:|---:|")
    for first, last in windows:
        seconds, cpu = sampler.per_item(first, last), sampler.cpu_per_item(first, last)
        print(f"| {first}-{last} | {seconds:.2f} | {seconds / base:.2f} | {cpu:.2f} | {cpu / cpu_base:.2f} |")
    print("\n| after item | RSS, summed (clerk + driver + Chromium) | since item 10 | anonymous | since item 10 "
          "| processes | load |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    rss10, anon10 = sampler.memory[10][:2]
    for mark in sorted(sampler.memory):
        rss, anon, procs, load = sampler.memory[mark]
        print(f"| {mark} | {rss:.0f} MB | {rss - rss10:+.0f} MB | {anon:.0f} MB | {anon - anon10:+.0f} MB "
              f"| {procs} | {load:.1f} |")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    number = int(arguments[0]) if arguments and "=" not in arguments[0] else 500
    pairs = dict(arg.split("=", 1) for arg in arguments if "=" in arg)
    main(max(number, 10), pairs)
