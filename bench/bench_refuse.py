"""Refusing a large workbook whole: a clerk run against a bare openpyxl read of the same file.

    .venv/bin/python bench/bench_refuse.py [ROWS ...]

The workbook holds ROWS invoices of one vendor the application does not know, so the whole
file is refused: every row is read, validated, checked (preflight), recorded in the ledger,
the log and the results workbook, and the run is sealed. The application is an in-memory
stand-in whose preflight refuses the vendor the way invoice_entry's does (one look-up per
vendor, one problem per row); no browser is started, so the figures are clerk's own cost.

Prints per size: the time and peak resident memory of a bare read-only openpyxl loop and of
the clerk run, each measured once in a fresh interpreter, and the run's time per phase.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from openpyxl import Workbook, load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clerk import App, AppEnv, Bot, Problem, RunContext, WorkItem
from clerk._config import Settings
from clerk._logging import configure_console
from clerk._outcome import ItemResult
from clerk._phases import RunPhase
from clerk._run import run_bot
from clerk._run_options import RunOptions
from clerk_bots.invoice_entry.model import SCHEMA, Invoice

UNKNOWN = "Nobody Trading Ltd"


def make_workbook(path: Path, rows: int) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["Vendor", "Invoice Number", "Invoice Date", "Due Date", "Amount", "Account", "Description"])
    today = dt.date.today()
    for n in range(rows):
        sheet.append([UNKNOWN, f"B-{n:07d}", dt.datetime(today.year, today.month, 1 + n % 28), today.isoformat(),
                      round(10 + n % 997 * 1.25, 2), 5780, f"office supplies, line {n}"])
    workbook.save(path)


def baseline(path: Path) -> None:
    """The floor: every cell of the first sheet read once, in openpyxl's read-only mode."""
    workbook = load_workbook(path, read_only=True, data_only=True)
    for _ in workbook.worksheets[0].iter_rows(values_only=True):
        pass
    workbook.close()


class _Session:
    def __init__(self, env: AppEnv) -> None: ...

    def start(self) -> None: ...

    def reset(self) -> None: ...

    def screenshot(self, path: Path) -> None: ...

    def close(self) -> None: ...


def _preflight(ctx: RunContext, items: Sequence[WorkItem[Invoice]]) -> Iterator[Problem]:
    known: dict[str, str | None] = {}
    for item in items:
        assert item.data is not None
        vendor = item.data.vendor.casefold()
        if vendor not in known:  # one look-up per vendor, as invoice_entry does
            known[vendor] = f"no vendor is named exactly {item.data.vendor!r}" if vendor == UNKNOWN.casefold() else None
        if known[vendor]:
            yield item.problem("vendor", known[vendor] or "")


BOT = Bot(name="bench_refuse", description="invoices refused whole", apps={"stand-in": App(session=_Session,
          kind="desktop", login=False)}, schema=SCHEMA, reference=lambda invoice: invoice.reference,
          find=lambda ctx, invoice: None, enter=lambda ctx, invoice: "never", preflight=_preflight)


class _PhaseClock:
    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    def phase(self, phase: RunPhase, app: str) -> None:
        self.marks.append((phase.name.lower(), time.perf_counter()))

    def started(self, total: int, resumed: bool) -> None: ...

    def advanced(self, result: ItemResult) -> None: ...

    def spans(self, end: float) -> dict[str, float]:
        ends = [t for _, t in self.marks[1:]] + [end]
        return {name: stop - start for (name, start), stop in zip(self.marks, ends, strict=True)}


def with_clerk(path: Path, scratch: Path) -> dict[str, float]:
    shutil.rmtree(scratch, ignore_errors=True)
    settings = Settings(project_dir=scratch, data_dir=scratch / "var", recordings_dir=scratch / "recordings",
                        selectors_dir=scratch / "selectors", apps={"stand-in": {}})
    clock = _PhaseClock()
    report = run_bot(BOT, settings, RunOptions(input_path=path, output_path=scratch / "results.xlsx"), progress=clock)
    spans = clock.spans(time.perf_counter())
    assert report.counts == {"invalid": report.counts["invalid"]} and report.exit_code == 1
    return spans


def measure(kind: str, path: Path, scratch: Path) -> dict[str, float]:
    """Run one measurement in a fresh interpreter, so its peak resident memory is its own."""
    done = subprocess.run([sys.executable, __file__, "--one", kind, str(path), str(scratch)], check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.splitlines()[-1])


def one(kind: str, path: Path, scratch: Path) -> None:
    configure_console("ERROR", open(os.devnull, "w"))  # noqa: SIM115 - the process's only sink
    started = time.perf_counter()
    spans = baseline(path) if kind == "baseline" else with_clerk(path, scratch)
    figures = {"seconds": time.perf_counter() - started,
               "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **(spans or {})}
    print(json.dumps(figures))


def main(sizes: list[int]) -> None:
    print("| rows | file | openpyxl loop | clerk refuses | time ratio | peak RSS (loop / clerk) | memory ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    phases: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            path = Path(folder) / f"{rows}.xlsx"
            make_workbook(path, rows)
            base = measure("baseline", path, Path(folder) / "run")
            clerk = measure("clerk", path, Path(folder) / "run")
            print(f"| {rows:,} | {path.stat().st_size / 1e6:.1f} MB | {base['seconds']:.1f} s | "
                  f"{clerk['seconds']:.1f} s | {clerk['seconds'] / base['seconds']:.2f} | "
                  f"{base['peak_mb']:.0f} / {clerk['peak_mb']:.0f} MB | {clerk['peak_mb'] / base['peak_mb']:.1f} |",
                  flush=True)
            spent = {k: v for k, v in clerk.items() if k not in ("seconds", "peak_mb")}
            phases.append(f"{rows:,} rows: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in spent.items()))
    print("\nclerk's time by phase:")
    for line in phases:
        print(f"- {line}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main([int(a) for a in sys.argv[1:]] or [100_000, 300_000])
