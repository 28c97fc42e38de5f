"""Opening the audit review page: a run of 500 items against one of 5, in one run.

    .venv/bin/python bench/bench_report.py [ITEMS ...]

Builds sealed synthetic runs (the real writers, two screenshots per item, one item in
fifty failed), writes each run's report and opens it in headless Chromium. Prints the
page's size, the time to write it, the time until the DOM is ready and until the
screenshots visible on the first screen have loaded, each as a ratio to the smallest run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from loguru import logger
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clerk.audit import write_report
from tests.audit_helpers import make_run

CHROMIUM = "/usr/bin/chromium"


def open_times(page: Page, url: str) -> tuple[float, float]:
    """Best of three: seconds to DOMContentLoaded, and to the load event (lazy images
    below the first screen do not hold it back)."""
    ready, loaded = [], []
    for _ in range(3):
        started = time.perf_counter()
        page.goto(url, wait_until="domcontentloaded")
        ready.append(time.perf_counter() - started)
        page.wait_for_load_state("load")
        loaded.append(time.perf_counter() - started)
        page.goto("about:blank")
    return min(ready), min(loaded)


def main(sizes: list[int]) -> None:
    logger.remove()  # the synthetic runs log every step
    rows = []
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        for items in sizes:
            run = make_run(Path(folder) / str(items), items=items, shots=2,
                           failed=tuple(range(2, items + 2, 50)), unique_shots=False)
            started = time.perf_counter()
            report = write_report(run.folder)
            written = time.perf_counter() - started
            ready, loaded = open_times(page, report.as_uri())
            rows.append((items, report.stat().st_size, written, ready, loaded))
        browser.close()
    base = rows[0]
    print("| items | page | write | ratio | DOM ready | ratio | loaded | ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for items, size, written, ready, loaded in rows:
        print(f"| {items} | {size / 1e3:,.0f} KB | {written:.2f} s | {written / base[2]:.1f} | "
              f"{ready * 1e3:.0f} ms | {ready / base[3]:.1f} | {loaded * 1e3:.0f} ms | {loaded / base[4]:.1f} |")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [5, 50, 500])
