"""What clerk's guarantees cost per invoice, against the real sandbox LedgerSMB, in one run.

    . sandbox/credentials.sh && .venv/bin/python bench/bench_entry.py [N] [ROUNDS] [WAY...]

Ways to post N invoices (all by default), each logging in once:
- bare: a plain Playwright script that logs in once and posts each invoice, checking
  nothing (no lookup before, no read-back, no screenshots, no ledger);
- clerk: `run_bot` with every default on (preflight, the survey that primes the lookups,
  read-back, screenshots on every step, traces of failed items from their retries, ledger);
- no-shots: clerk with screenshots only on failure (target 3 compares it with clerk);
- no-traces: clerk with `audit.traces = "off"`;
- traces-failed: clerk recording every attempt (`audit.traces = "failed"`, the old default);
- jpeg: clerk with `run.screenshot_format = "jpeg"`;
- no-survey: clerk without the survey, each invoice looked up on its own;
- no-gc: clerk without collecting the renderers' garbage as each item begins
  (`web.release_memory_every = 0`).
The ways run interleaved (A B C A B C ...) for ROUNDS rounds, so that a machine busy with
other work slows each alike; the table shows each way's median and its ratio to bare.
The ratios are the figures to watch; absolute seconds vary with the machine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from loguru import logger
from openpyxl import Workbook
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clerk._config import load_settings
from clerk._run import run_bot
from clerk._run_options import RunOptions
from clerk.web._browser import CHROMIUM_ARGS
from clerk_bots.invoice_entry.bot import BOT

URL = "http://127.0.0.1:5762"


def invoices(prefix: str, count: int) -> list[list[object]]:
    return [["Globex Telecom LLC", f"{prefix}{n:03d}", dt.datetime(2026, 11, 10), dt.datetime(2026, 12, 10),
             f"{100 + n}.25", "5780", "benchmark"] for n in range(count)]


def bare(rows: list[list[object]]) -> float:
    started = time.perf_counter()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=list(CHROMIUM_ARGS))
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{URL}/login.pl")
        page.fill("input[name=login]", os.environ["CLERK_LEDGERSMB_USER"])
        page.fill("input[name=password]", os.environ["CLERK_LEDGERSMB_PASSWORD"])
        page.fill("input[name=company]", "acme")
        page.get_by_role("button", name="Login").click()
        page.get_by_role("treeitem", name="AP", exact=True).click()
        for vendor, number, date, due, amount, account, _ in rows:
            page.goto(f"{URL}/login.pl?action=login&company=acme")
            page.get_by_role("treeitem", name="AP", exact=True).click()
            page.get_by_role("treeitem", name="Add Transaction", exact=True).click()
            page.get_by_text("Add AP Transaction").wait_for()
            page.fill("input[name=vendor]", str(vendor))
            page.get_by_role("button", name="Update").click()
            page.get_by_text("Entity Control Code").wait_for()
            page.fill("input[name=invnumber]", str(number))
            for field, value in (("#transdate", date), ("#duedate", due)):
                page.fill(field, f"{value:%Y-%m-%d}")
                page.keyboard.press("Tab")
            page.fill("input[name=amount_1]", str(amount))
            page.click("#AP_amount_1")
            page.locator("#AP_amount_1_menu").get_by_role("option", name=re.compile(f"^{account}--")).click()
            page.get_by_role("button", name="Post").click()
            page.get_by_role("button", name="Copy to New").wait_for()
        browser.close()
    return time.perf_counter() - started


def with_clerk(rows: list[list[object]], folder: Path, survey: bool = True, **overrides: object) -> float:
    path = folder / f"{uuid.uuid4().hex}.xlsx"
    workbook = Workbook()
    workbook.active.append(["Vendor", "Invoice Number", "Invoice Date", "Due Date", "Amount", "Account", "Description"])
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    settings = load_settings(None, {"clerk.data_dir": str(folder / "var"), "clerk.recordings_dir": str(folder / "rec"),
                                    **overrides})
    bot = BOT if survey else dataclasses.replace(BOT, survey=None)
    started = time.perf_counter()
    report = run_bot(bot, settings, RunOptions(input_path=path))
    elapsed = time.perf_counter() - started
    assert report.exit_code == 0, report.results
    return elapsed


WAYS = {
    "bare": lambda rows, folder: bare(rows),
    "clerk": lambda rows, folder: with_clerk(rows, folder),
    "no-shots": lambda rows, folder: with_clerk(rows, folder, **{"run.screenshots": "failures"}),
    "no-traces": lambda rows, folder: with_clerk(rows, folder, **{"audit.traces": "off"}),
    "traces-failed": lambda rows, folder: with_clerk(rows, folder, **{"audit.traces": "failed"}),
    "jpeg": lambda rows, folder: with_clerk(rows, folder, **{"run.screenshot_format": "jpeg"}),
    "no-survey": lambda rows, folder: with_clerk(rows, folder, survey=False),
    "no-gc": lambda rows, folder: with_clerk(rows, folder, **{"web.release_memory_every": 0}),
}


def main(count: int, rounds: int, ways: list[str]) -> None:
    logger.remove()
    run = uuid.uuid4().hex[:6].upper()
    timings: dict[str, list[float]] = {way: [] for way in ways}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for number in range(rounds):
            for index, way in enumerate(ways):
                seconds = WAYS[way](invoices(f"B{index}{number}{run}-", count), folder)
                timings[way].append(seconds)
                print(f"round {number + 1} {way}: {seconds:.1f} s ({os.getloadavg()[0]:.1f} load)", file=sys.stderr)
    base = statistics.median(timings[ways[0]])
    print(f"| way ({count} invoices, one login each; median of {rounds}) | total | per invoice | ratio to {ways[0]} |")
    print("|---|---:|---:|---:|")
    for way, runs in timings.items():
        seconds = statistics.median(runs)
        print(f"| {way} | {seconds:.1f} s | {seconds / count:.2f} s | {seconds / base:.2f} |")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(int(arguments[0]) if arguments else 5, int(arguments[1]) if len(arguments) > 1 else 2,
         arguments[2:] or list(WAYS))
