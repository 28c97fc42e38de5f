"""How far ``--workers N`` and Celery workers speed invoice_entry up here, and where it stops.

    . sandbox/credentials.sh && .venv/bin/python bench/bench_workers.py [local|celery] [INVOICES] [WORKERS...]

For each worker count (default 1 2 3) a fresh workbook of INVOICES invoices (default 40)
is posted into the sandbox LedgerSMB by ``clerk run invoice_entry --workers N`` as a
separate process (local), or by ``clerk run invoice_entry --on celery`` with N ``clerk
worker`` processes started beforehand on a queue of their own (celery; the broker from
sandbox/rabbitmq-up.sh), timed from start to exit (start-up, the run's login and preflight
included). Celery workers are warm: they keep their sessions logged in from one run to
the next, so a short warm-up run (2 invoices per worker, not timed) logs them in first,
as a long-lived worker would be; the local run logs in within its timing, as every local
run does. The celery mode first times one local run with one worker, for the overhead of
the Celery path.
While it runs, /proc is sampled every half second for the CPU seconds of clerk (the
Python process), the Playwright driver and Chromium (its descendants), LedgerSMB (the
starman workers) and PostgreSQL, and for how busy the machine's cores were. The
LedgerSMB and PostgreSQL figures include whatever else uses them at the same time.
A last table splits each timed run's wall time into its phases, from the run's events
(see run_timeline.py): it shows whether the Celery path costs more before, between or
inside the items.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from run_timeline import HEADERS, Timeline, newest_run, timeline

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")
GROUPS = ("clerk", "driver", "chromium", "ledgersmb", "postgres")


@dataclass
class Sample:
    """CPU seconds per process, first and last seen, and the machine's busy/total jiffies."""

    first: dict[int, float] = field(default_factory=dict)
    last: dict[int, float] = field(default_factory=dict)
    group: dict[int, str] = field(default_factory=dict)
    machine: list[tuple[int, int]] = field(default_factory=list)

    def seconds(self) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for pid, cpu in self.last.items():
            totals[self.group[pid]] += cpu - self.first.get(pid, 0.0)
        return totals

    def machine_busy(self) -> float:
        (busy0, total0), (busy1, total1) = self.machine[0], self.machine[-1]
        return (busy1 - busy0) / max(total1 - total0, 1)


def _stat(pid: int) -> tuple[str, int, float] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    rest = text[text.rindex(")") + 2:].split()
    return name, int(rest[1]), (int(rest[11]) + int(rest[12])) / TICK  # comm, ppid, utime + stime


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _machine() -> tuple[int, int]:
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _classify(pid: int, name: str, ancestors: set[int], roots: set[int]) -> str | None:
    if pid in roots or (ancestors & roots and name.startswith("python")):
        return "clerk"
    if ancestors & roots:
        return "chromium" if name.startswith("chrom") else "driver"
    command = _cmdline(pid)
    if "starman" in command and "5762" in command:
        return "ledgersmb"
    if name == "postgres":
        return "postgres"
    return None


def sample_once(sample: Sample, roots: set[int], initial: bool) -> None:
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (found := _stat(int(entry))) is not None:
            stats[int(entry)] = found
    for pid, (name, _ppid, cpu) in stats.items():
        ancestors, parent = set(), stats[pid][1]
        while parent in stats and parent not in ancestors and parent > 1:
            ancestors.add(parent)
            parent = stats[parent][1]
        group = sample.group.get(pid) or _classify(pid, name, ancestors, roots)
        if group is None:
            continue
        sample.group[pid] = group
        if initial:
            sample.first[pid] = cpu  # already running (LedgerSMB, warm workers): count only what this run adds
        sample.last[pid] = cpu
    sample.machine.append(_machine())


def workbook(folder: Path, prefix: str, count: int) -> Path:
    book = Workbook()
    book.active.append(["Vendor", "Invoice Number", "Invoice Date", "Due Date", "Amount", "Account", "Description"])
    vendors = ("Globex Telecom LLC", "Acme Office Supplies Inc", "Stark Utilities Co")
    for n in range(count):
        book.active.append([vendors[n % 3], f"{prefix}{n:03d}", dt.datetime(2026, 11, n % 27 + 1),
                            dt.datetime(2026, 12, n % 27 + 1), f"{100 + n}.25", "5780", "benchmark"])
    path = folder / f"{prefix}.xlsx"
    book.save(path)
    return path


def start_workers(env: dict[str, str], count: int, folder: Path) -> list[subprocess.Popen[bytes]]:
    workers = []
    for number in range(count):
        log = (folder / f"worker-{number}.log").open("wb")
        workers.append(subprocess.Popen([sys.executable, "-m", "clerk", "worker"], env=env, cwd=ROOT, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True))
    for number, worker in enumerate(workers):
        log_path = folder / f"worker-{number}.log"
        while b" ready." not in log_path.read_bytes():
            if worker.poll() is not None:
                raise SystemExit(f"clerk worker {number} ended at start:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.5)
    return workers


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        worker.wait(timeout=120)


def run_command(path: Path, mode: str, workers: int) -> list[str]:
    how = ["--on", "celery"] if mode == "celery" else ["--workers", str(workers)]
    return [sys.executable, "-m", "clerk", "run", "invoice_entry", "--input", str(path), *how]


def warm_up(folder: Path, env: dict[str, str], workers: int) -> None:
    """A short run on the workers, so each has logged in before the timing (not timed)."""
    path = workbook(folder, f"BW{uuid.uuid4().hex[:6].upper()}-", 2 * workers)
    done = subprocess.run(run_command(path, "celery", workers), env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"warm-up with {workers} worker(s): exit {done.returncode}\n{done.stderr[-3000:]}")


def measure(folder: Path, mode: str, count: int, workers: int) -> tuple[float, Sample, Timeline]:
    path = workbook(folder, f"BW{uuid.uuid4().hex[:6].upper()}-", count)
    env = {**os.environ, "CLERK_HOME": str(ROOT), "CLERK_CLERK__DATA_DIR": str(folder / "var"),
           "CLERK_CLERK__RECORDINGS_DIR": str(folder / "recordings"),
           "CLERK_CELERY__QUEUE": f"bench-{uuid.uuid4().hex[:8]}"}
    crew = start_workers(env, workers, folder) if mode == "celery" else []
    try:
        if crew:
            warm_up(folder, env, workers)
        elapsed, sample, (started, ended) = timed(path, env, mode, workers, crew)
        return elapsed, sample, timeline(newest_run(folder / "recordings"), started, ended)
    finally:
        stop_workers(crew)


def timed(path: Path, env: dict[str, str], mode: str, workers: int,
          crew: list[subprocess.Popen[bytes]]) -> tuple[float, Sample, tuple[float, float]]:
    sample = Sample()
    wall = time.time()
    started = time.perf_counter()
    child = subprocess.Popen(run_command(path, mode, workers), env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    roots = {child.pid, *(worker.pid for worker in crew)}
    sample_once(sample, roots, initial=True)
    done = threading.Event()

    def sampler() -> None:
        while not done.wait(0.5):
            sample_once(sample, roots, initial=False)

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    _, errors = child.communicate()
    elapsed = time.perf_counter() - started
    ended = time.time()
    done.set()
    thread.join()
    if child.returncode != 0:
        raise SystemExit(f"--workers {workers}: exit {child.returncode}\n{errors[-3000:]}")
    return elapsed, sample, (wall, ended)


def main(mode: str, count: int, worker_counts: list[int]) -> None:
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", file=sys.stderr)
    rows = []
    timelines: list[tuple[str, Timeline]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if mode == "celery":  # the local run with one worker, for the overhead of the Celery path
            local, _, spent = measure(Path(tmp), "local", count, 1)
            timelines.append(("local, 1 worker", spent))
            print(f"local workers 1: {local:.1f} s", file=sys.stderr)
        for workers in worker_counts:
            elapsed, sample, spent = measure(Path(tmp), mode, count, workers)
            rows.append((workers, elapsed, sample.seconds(), sample.machine_busy()))
            timelines.append((f"{mode}, {workers} worker(s)", spent))
            print(f"{mode} workers {workers}: {elapsed:.1f} s", file=sys.stderr)
    base = rows[0][1]
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}\n")
    if mode == "celery":
        print(f"one worker: local {local:.0f} s, celery {base:.0f} s (warm): the Celery path costs "
              f"{(base / local - 1):+.0%} (target: under +10%)\n")
    warm = ", warm" if mode == "celery" else ""
    print(f"| {mode} workers ({count} invoices{warm}) | total | items/min | speed-up | CPU s: clerk | driver | Chromium "
          "| LedgerSMB | PostgreSQL | machine busy |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for workers, elapsed, cpu, busy in rows:
        shares = " | ".join(f"{cpu.get(group, 0.0):.0f}" for group in GROUPS)
        print(f"| {workers} | {elapsed:.0f} s | {count / elapsed * 60:.1f} | {base / elapsed:.2f}× | {shares} "
              f"| {busy:.0%} |")
    two = [elapsed for workers, elapsed, _, _ in rows if workers == 2]
    if two and rows[0][0] == 1:
        print(f"\ntwo workers: {base / two[0]:.2f}× one (target: at least 1.6×)")
    print(f"\n| where the time went ({count} invoices) | {' | '.join(HEADERS)} |")
    print("|---|" + "---:|" * len(HEADERS))
    for label, spent in timelines:
        print(f"| {label} | {' | '.join(spent.cells())} |")


if __name__ == "__main__":
    chosen = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] in ("local", "celery") else "local"
    arguments = [int(a) for a in sys.argv[1:] if a.isdigit()]
    main(chosen, arguments[0] if arguments else 40, arguments[1:] or [1, 2, 3])
