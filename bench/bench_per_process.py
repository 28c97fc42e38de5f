"""clerk against the script people write: one process per invoice (launch, log in, enter,
post, search), on the sandbox LedgerSMB.

    . sandbox/credentials.sh && .venv/bin/python bench/bench_per_process.py [N] [ROUNDS]

"script": bench/ledgersmb_raw_playwright.py (a copy of the sandbox's raw driver, with
screenshots) run once per invoice, one after the other; "clerk": one `clerk run
invoice_entry` process over a workbook of the same N invoices, start-up included, every
guarantee and evidence setting at its default. Interleaved round by round; medians.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from openpyxl import Workbook

CHECKOUT = Path(__file__).resolve().parents[1]
RAW = CHECKOUT / "bench" / "ledgersmb_raw_playwright.py"
HEADER = ["Vendor", "Invoice Number", "Invoice Date", "Due Date", "Amount", "Account", "Description"]


def invoices(prefix: str, count: int) -> list[list[object]]:
    return [["Globex Telecom LLC", f"{prefix}{n:03d}", dt.date(2026, 11, 10), dt.date(2026, 12, 10),
             f"{100 + n}.25", "5780", "benchmark"] for n in range(count)]


def per_process(rows: list[list[object]], folder: Path) -> float:
    started = time.perf_counter()
    for vendor, number, date, due, amount, account, description in rows:
        subprocess.run([sys.executable, str(RAW), "--vendor", str(vendor), "--invoice", str(number),
                        "--date", f"{date:%Y-%m-%d}", "--due", f"{due:%Y-%m-%d}", "--amount", str(amount),
                        "--account", str(account), "--description", str(description),
                        "--user", os.environ["CLERK_LEDGERSMB_USER"],
                        "--password", os.environ["CLERK_LEDGERSMB_PASSWORD"], "--shots", str(folder / "raw-shots")],
                       check=True, stdout=subprocess.DEVNULL, timeout=600)
    return time.perf_counter() - started


def with_clerk(rows: list[list[object]], folder: Path) -> float:
    path = folder / f"{uuid.uuid4().hex}.xlsx"
    workbook = Workbook()
    workbook.active.append(HEADER)
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    env = os.environ | {"CLERK_CLERK__DATA_DIR": f'"{folder}/var"', "CLERK_CLERK__RECORDINGS_DIR": f'"{folder}/rec"'}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "clerk", "--project", str(CHECKOUT), "run", "invoice_entry",
                    "--input", str(path)], check=True, env=env, stdout=subprocess.DEVNULL, timeout=3600)
    return time.perf_counter() - started


def main(count: int, rounds: int) -> None:
    run = uuid.uuid4().hex[:6].upper()
    ways = {"one process per invoice (script)": per_process, "clerk run (one process)": with_clerk}
    timings: dict[str, list[float]] = {way: [] for way in ways}
    with tempfile.TemporaryDirectory() as tmp:
        for number in range(rounds):
            for index, (way, work) in enumerate(ways.items()):
                seconds = work(invoices(f"P{index}{number}{run}-", count), Path(tmp))
                timings[way].append(seconds)
                print(f"round {number + 1} {way}: {seconds:.1f} s ({os.getloadavg()[0]:.1f} load)", file=sys.stderr)
    base = statistics.median(timings["one process per invoice (script)"])
    print(f"| way ({count} invoices; median of {rounds}) | total | per invoice | speed-up over the script |")
    print("|---|---:|---:|---:|")
    for way, runs in timings.items():
        seconds = statistics.median(runs)
        print(f"| {way} | {seconds:.1f} s | {seconds / count:.2f} s | {base / seconds:.2f}× |")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(int(arguments[0]) if arguments else 20, int(arguments[1]) if len(arguments) > 1 else 1)
