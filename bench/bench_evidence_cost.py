"""What evidence costs per browser action, on the sandbox LedgerSMB's AP form, in one run.

    . sandbox/credentials.sh && .venv/bin/python bench/bench_evidence_cost.py [ROUNDS]

Two measurements, each alternating its variants round by round (medians):
- tracing: 40 actions (fill, fill, read a value, press Tab, ten times) inside an open trace
  chunk (as clerk records with `audit.traces = "failed"` or "all": snapshots and screencast
  off) against the same actions with no chunk open;
- screenshots: the masked full-page PNG clerk takes at each step, against a full-page
  JPEG (`run.screenshot_format = "jpeg"`) and viewport-only PNG and JPEG.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clerk.web._browser import CHROMIUM_ARGS
from clerk.web._page import JPEG_QUALITY

URL = "http://127.0.0.1:5762"


def open_ap_form(page: Page) -> None:
    page.goto(f"{URL}/login.pl")
    page.fill("input[name=login]", os.environ["CLERK_LEDGERSMB_USER"])
    page.fill("input[name=password]", os.environ["CLERK_LEDGERSMB_PASSWORD"])
    page.fill("input[name=company]", "acme")
    page.get_by_role("button", name="Login").click()
    page.get_by_role("treeitem", name="AP", exact=True).click()
    page.get_by_role("treeitem", name="Add Transaction", exact=True).click()
    page.get_by_text("Add AP Transaction").wait_for()


def actions(page: Page) -> None:
    for number in range(10):
        page.fill("#maindiv input[name=invnumber]", f"BENCH-{number}")
        page.fill("#maindiv input[name=description]", f"bench {number}")
        page.locator("#maindiv input[name=invnumber]").input_value()
        page.press("#maindiv input[name=description]", "Tab")


def alternate(ways: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, way in ways.items():
            started = time.perf_counter()
            way()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def main(rounds: int) -> None:
    folder = Path(tempfile.mkdtemp())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=list(CHROMIUM_ARGS))
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        open_ap_form(page)
        context.tracing.start(snapshots=False, screenshots=False, sources=False)

        def traced() -> None:
            context.tracing.start_chunk()
            actions(page)
            context.tracing.stop_chunk()

        tracing = alternate({"40 actions, no trace chunk open": lambda: actions(page),
                             "40 actions in a trace chunk": traced}, rounds)
        context.tracing.stop()
        masks = [page.locator("input[type=password]")]

        def shot(name: str, **options: Any) -> Callable[[], None]:
            return lambda: page.screenshot(path=folder / name, mask=masks, mask_color="#000000",
                                           animations="disabled", **options)

        shots = alternate({
            "full-page PNG (clerk's default)": shot("full.png", full_page=True),
            f"full-page JPEG, quality {JPEG_QUALITY}": shot("full.jpg", full_page=True, quality=JPEG_QUALITY),
            "viewport PNG": shot("view.png"),
            f"viewport JPEG, quality {JPEG_QUALITY}": shot("view.jpg", quality=JPEG_QUALITY),
        }, rounds * 2)
        browser.close()
    print(f"load average {os.getloadavg()[0]:.1f}; medians of {rounds} (tracing) and {rounds * 2} (screenshots)\n")
    print("| tracing | time | ratio |\n|---|---:|---:|")
    base = next(iter(tracing.values()))
    for name, seconds in tracing.items():
        print(f"| {name} | {seconds:.2f} s | {seconds / base:.2f} |")
    print("\n| screenshot of the AP form | time | size | ratio |\n|---|---:|---:|---:|")
    base = next(iter(shots.values()))
    files = ["full.png", "full.jpg", "view.png", "view.jpg"]
    for (name, seconds), file in zip(shots.items(), files, strict=True):
        print(f"| {name} | {seconds * 1000:.0f} ms | {(folder / file).stat().st_size // 1024} KB | {seconds / base:.2f} |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6)
