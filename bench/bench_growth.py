"""Does a long invoice_entry run stay as fast and as small as a short one? (issue 13, target 5)

    . sandbox/credentials.sh && .venv/bin/python bench/bench_growth.py [N] [SETTING=VALUE...]

One `run_bot` of invoice_entry over N invoices (500 by default; at least 10), every
default on, against the sandbox LedgerSMB. Each item's time runs from the previous item's
settling (the first from the start of the entering phase, after preflight) to its own.
The table compares the mean time per item in items 1-10, 91-100 and N-9..N, with the
CPU time the process tree used per item (which a busy machine moves far less than the
wall time: it tells a slower clerk from a slower machine). The resident memory of the
whole process tree -- this Python process, the Playwright driver and every Chromium
process -- is read from /proc after every item (RSS summed, and its anonymous part): the
second table gives it after items 10, 100, 200, ... and N, with the highest of the ten
items up to each, and the last line the lowest and highest after any item from 11 on.
The bench's own readings (milliseconds) are left out of the items' time.
Then the same by process role (clerk's Python, Playwright's node driver, Chromium's
browser, GPU, network and storage services, zygotes, renderers), RSS and CPU per item,
so the process that grows is named, and the two verdicts of target 5: time per item
within 10% of items 1-10, and RSS within 50 MB of item 10 after every item from 11 on.
Extra SETTING=VALUE pairs override clerk settings (e.g. run.screenshot_format=jpeg).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import statistics
import sys
import tempfile
import time
import tomllib
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

TICK = os.sysconf("SC_CLK_TCK")


def descendants(root: int) -> list[int]:
    """``root`` and every process under it, from each thread's list of children in /proc."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                todo.extend(int(child) for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split())
        except OSError:  # the process ended while we looked
            continue
    return found


@functools.cache  # a process keeps its role: read its command line once
def role(pid: int, root: int) -> str:
    """What a process of the tree is: clerk's Python, Playwright's node driver, or which
    Chromium process (its ``--type``, and a utility's service)."""
    if pid == root:
        return "clerk python"
    # Chromium rewrites its command line as one string: split it on spaces as well as NULs
    args = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").replace("\0", " ").split()
    if "node" in Path(args[0]).name:
        return "node driver"
    kind = next((arg.split("=", 1)[1] for arg in args if arg.startswith("--type=")), None)
    if kind is None:
        return "Chromium browser"
    if kind == "utility":
        service = next((arg.split("=", 1)[1] for arg in args if arg.startswith("--utility-sub-type=")), "")
        return {"network.mojom.NetworkService": "network service",
                "storage.mojom.StorageService": "storage service"}.get(service, f"utility {service}")
    return {"gpu-process": "GPU", "renderer": "renderer", "zygote": "zygote"}.get(kind, kind)


def tree_memory_mb(root: int) -> tuple[float, float, int, dict[str, tuple[float, int]]]:
    """Resident memory of ``root`` and all its descendants in MB, and how many processes:
    RSS summed (a page shared by several of them counts in each), and its anonymous part
    (heaps, JavaScript memory: where a leak grows); then the RSS and process count per
    role (see ``role``). Both count only pages these processes
    map, so other programs on the machine do not move them, as they move PSS and USS
    (a library page counts as private once the last other Chromium using it exits).
    Read from the kernel's counters in /proc/PID/status: a millisecond, where walking
    smaps takes a tenth of a second on a busy machine."""
    total, anon, count = 0, 0, 0
    by_role: dict[str, tuple[float, int]] = {}
    for pid in descendants(root):
        try:
            name = role(pid, root)
            fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
        except OSError:
            continue
        if "VmRSS" in fields:  # a zombie has none
            rss = int(fields["VmRSS"].split()[0]) * 1024
            total += rss
            anon += int(fields["RssAnon"].split()[0]) * 1024
            count += 1
            role_rss, role_count = by_role.get(name, (0.0, 0))
            by_role[name] = (role_rss + rss / 1e6, role_count + 1)
    return total / 1e6, anon / 1e6, count, by_role


def tree_cpu_s(root: int) -> tuple[float, dict[str, float]]:
    """CPU seconds (user + system) used so far by ``root`` and its descendants, live or reaped;
    then per role (see ``role``) what its live processes used themselves (not reaped children)."""
    total = 0.0
    by_role: dict[str, float] = {}
    for pid in descendants(root):
        try:
            name = role(pid, root)
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15]) / TICK  # utime stime cutime cstime
        by_role[name] = by_role.get(name, 0.0) + sum(int(value) for value in fields[11:13]) / TICK
    return total, by_role


class Sampler:
    """Progress listener: when each item settled, and the tree's CPU time and memory after
    every item. The listener's own reading (milliseconds) is left out of the items' time."""

    def __init__(self) -> None:
        self.start = 0.0
        self.times: list[float] = []  # when each item settled
        self.resumed: list[float] = []  # when the listener gave each item's thread back
        self.cpu: list[float] = []  # the tree's CPU seconds at the start of entering, then after each item
        self.memory: list[tuple[float, float, int, float]] = []  # after each item: RSS, anonymous, processes, load
        self.roles: list[dict[str, tuple[float, int]]] = []  # after each item: RSS and processes per role
        self.role_cpu: list[dict[str, float]] = []  # at the start of entering, then after each item

    def phase(self, phase: RunPhase, app: str) -> None:
        if phase is RunPhase.ENTERING:
            cpu, role_cpu = tree_cpu_s(os.getpid())
            self.cpu, self.role_cpu = [cpu], [role_cpu]
            self.start = time.perf_counter()

    def started(self, total: int, resumed: bool) -> None: ...

    def advanced(self, result: ItemResult) -> None:
        self.times.append(time.perf_counter())
        cpu, role_cpu = tree_cpu_s(os.getpid())
        self.cpu.append(cpu)
        self.role_cpu.append(role_cpu)
        rss, anon, procs, roles = tree_memory_mb(os.getpid())
        self.memory.append((rss, anon, procs, os.getloadavg()[0]))
        self.roles.append(roles)
        done = len(self.times)
        if done % 10 == 0:
            print(f"{done} items, {self.times[-1] - self.start:.0f} s, RSS {rss:.0f} MB, anonymous {anon:.0f} MB "
                  f"in {procs} processes, load {os.getloadavg()[0]:.1f}, last {result.status.value}",
                  file=sys.stderr, flush=True)
        self.resumed.append(time.perf_counter())

    def per_item(self, first: int, last: int) -> float:
        """Mean seconds per item over items ``first``..``last`` (1-based, inclusive)."""
        began = [self.start, *self.resumed]
        return statistics.fmean(self.times[n - 1] - began[n - 1] for n in range(first, last + 1))

    def cpu_per_item(self, first: int, last: int) -> float:
        return (self.cpu[last] - self.cpu[first - 1]) / (last - first + 1)

    def after(self, item: int) -> tuple[float, float, int, float]:
        return self.memory[item - 1]

    def highest(self, first: int, last: int) -> tuple[int, float, float]:
        """The item after which the tree's RSS was highest in ``first``..``last``, that RSS and its anonymous part."""
        rss, anon, _, _ = max(self.memory[first - 1:last])
        return self.memory.index(max(self.memory[first - 1:last])) + 1, rss, anon


def workbook(folder: Path, prefix: str, count: int) -> Path:
    path = folder / f"growth-{prefix}.xlsx"
    book = Workbook()
    book.active.append(["Vendor", "Invoice Number", "Invoice Date", "Due Date", "Amount", "Account", "Description"])
    for n in range(count):
        book.active.append(["Globex Telecom LLC", f"{prefix}{n:04d}", dt.datetime(2026, 11, 10),
                            dt.datetime(2026, 12, 10), f"{100 + n % 900}.25", "5780", "growth benchmark"])
    book.save(path)
    return path


def toml_value(text: str) -> object:
    """A setting's value as TOML reads it (``5`` a number, ``true`` a flag), else the text itself."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def main(count: int, overrides: dict[str, object]) -> None:
    logger.remove()
    prefix = f"G{uuid.uuid4().hex[:6].upper()}-"
    sampler = Sampler()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = load_settings(None, {"clerk.data_dir": str(folder / "var"),
                                        "clerk.recordings_dir": str(folder / "rec"), **overrides})
        path = workbook(folder, prefix, count)
        print(f"{count} invoices {prefix}0000..; load {os.getloadavg()[0]:.1f}; web: fresh sessions every "
              f"{settings.web.fresh_sessions_every}, memory released every {settings.web.release_memory_every} items",
              file=sys.stderr, flush=True)
        report = run_bot(BOT, settings, RunOptions(input_path=path), progress=sampler)
    print(json.dumps({"start": sampler.start, "settled": sampler.times, "resumed": sampler.resumed, "cpu": sampler.cpu,
                      "memory": sampler.memory}), file=sys.stderr)
    print(f"outcome {report.outcome.value}, counts {dict(report.counts)}, {len(sampler.times)} items settled")
    windows = windows_of(count)
    base = sampler.per_item(1, 10)
    cpu_base = sampler.cpu_per_item(1, 10)
    print(f"\n| items ({count} invoices, one run) | seconds per item | ratio to items 1-10 "
          "| CPU seconds per item (clerk + driver + Chromium) | ratio |")
    print("|---|---:|---:|---:|---:|")
    for first, last in windows:
        seconds, cpu = sampler.per_item(first, last), sampler.cpu_per_item(first, last)
        print(f"| {first}-{last} | {seconds:.2f} | {seconds / base:.2f} | {cpu:.2f} | {cpu / cpu_base:.2f} |")
    rss10, anon10 = sampler.after(10)[:2]
    print("\n| after item | RSS, summed (clerk + driver + Chromium) | since item 10 | anonymous | since item 10 "
          "| highest RSS in the ten items to here (after item) | since item 10 | processes | load |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for mark in sorted({10, *range(100, count + 1, 100), count}):
        rss, anon, procs, load = sampler.after(mark)
        peak_item, peak, _ = sampler.highest(mark - 9, mark)
        print(f"| {mark} | {rss:.0f} MB | {rss - rss10:+.0f} MB | {anon:.0f} MB | {anon - anon10:+.0f} MB "
              f"| {peak:.0f} MB ({peak_item}) | {peak - rss10:+.0f} MB | {procs} | {load:.1f} |")
    if count == 10:
        return
    peak_item, peak, peak_anon = sampler.highest(11, count)
    low = min(rss for rss, *_ in sampler.memory[10:])
    print(f"\nAfter every item from 11 to {count}: RSS from {low - rss10:+.0f} to {peak - rss10:+.0f} MB of item 10 "
          f"(highest after item {peak_item}: {peak:.0f} MB, anonymous {peak_anon:.0f} MB, {peak_anon - anon10:+.0f} MB).")
    print_roles(sampler, count, peak_item)
    print_verdicts(sampler, count, windows)


ROLES = ("clerk python", "node driver", "Chromium browser", "GPU", "network service", "storage service",
         "zygote", "renderer")


def print_roles(sampler: Sampler, count: int, peak_item: int) -> None:
    """RSS per process role: which process grows. A role with several processes (the
    renderers, the zygotes) is summed, with their number in brackets."""
    marks = sorted({10, *range(100, count + 1, 100), count})
    seen = {name for reading in sampler.roles for name in reading}
    roles = [*[name for name in ROLES if name in seen], *sorted(seen - set(ROLES))]

    def cell(item: int, name: str) -> str:
        rss, procs = sampler.roles[item - 1].get(name, (0.0, 0))
        return f"{rss:.0f}" + (f" ({procs})" if procs != 1 else "")

    print(f"\n| RSS per process, MB, after item | {' | '.join(str(mark) for mark in marks)} "
          f"| at the highest total (item {peak_item}) | since item 10 | the role's own highest, 11-{count}, since item 10 |")
    print("|---|" + "---:|" * (len(marks) + 3))
    for name in roles:
        base = sampler.roles[9].get(name, (0.0, 0))[0]
        at_peak = sampler.roles[peak_item - 1].get(name, (0.0, 0))[0]
        own = [(reading.get(name, (0.0, 0))[0], item) for item, reading in enumerate(sampler.roles[10:], 11)]
        top, top_item = max(own)
        print(f"| {name} | {' | '.join(cell(mark, name) for mark in marks)} | {cell(peak_item, name)} "
              f"| {at_peak - base:+.0f} | {top - base:+.0f} (item {top_item}) |")
    windows = windows_of(count)
    print(f"\n| CPU seconds per item, by process | {' | '.join(f'{a}-{b}' for a, b in windows)} |")
    print("|---|" + "---:|" * len(windows))
    for name in roles:
        print(f"| {name} | {' | '.join(f'{role_cpu(sampler, name, a, b):.2f}' for a, b in windows)} |")
    gone = [sampler.cpu_per_item(a, b) - sum(role_cpu(sampler, name, a, b) for name in roles) for a, b in windows]
    print(f"| processes that ended (the tree's total less the above) | {' | '.join(f'{v:.2f}' for v in gone)} |")


def windows_of(count: int) -> list[tuple[int, int]]:
    return sorted({(1, 10), (91, 100), (count - 9, count)} if count >= 100 else {(1, 10), (count - 9, count)})


def role_cpu(sampler: Sampler, name: str, first: int, last: int) -> float:
    return (sampler.role_cpu[last].get(name, 0.0) - sampler.role_cpu[first - 1].get(name, 0.0)) / (last - first + 1)


def print_verdicts(sampler: Sampler, count: int, windows: list[tuple[int, int]]) -> None:
    """Target 5 in two lines: time per item flat within 10%, RSS within 50 MB of item 10."""
    base, cpu_base = sampler.per_item(1, 10), sampler.cpu_per_item(1, 10)
    ratios = [(sampler.per_item(a, b) / base, sampler.cpu_per_item(a, b) / cpu_base, f"{a}-{b}")
              for a, b in windows if a > 1]
    worst = max(ratios)
    print(f"\nTime per item flat within 10%: {'yes' if worst[0] <= 1.10 else 'NO'} (worst: items {worst[2]} at "
          f"{worst[0]:.2f}x items 1-10, CPU {worst[1]:.2f}x; load now {os.getloadavg()[0]:.1f})")
    rss10 = sampler.after(10)[0]
    above = [item for item, (rss, *_) in enumerate(sampler.memory[10:], 11) if rss - rss10 > 50]
    peak_item, peak, _ = sampler.highest(11, count)
    print(f"RSS within 50 MB of item 10 after every item 11-{count}: {'yes' if not above else 'NO'} "
          f"({len(above)} of {count - 10} readings above; highest {peak - rss10:+.0f} MB after item {peak_item})")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    number = int(arguments[0]) if arguments and "=" not in arguments[0] else 500
    pairs = dict(arg.split("=", 1) for arg in arguments if "=" in arg)
    main(max(number, 10), {key: toml_value(value) for key, value in pairs.items()})
