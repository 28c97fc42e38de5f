"""Between items, every ``[web] release_memory_every`` items, the garbage of the LedgerSMB
page's renderer is collected, the page and the session kept (a long run's renderer
otherwise grows by hundreds of MB, issue 13 target 5)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from clerk._config import load_settings
from clerk.web import BrowserHost
from clerk.web._memory import release_memory
from tests.attempts import assert_entered_once, attempts_of
from tests.workbooks import read_results, write_workbook

from .conftest import ClerkRunner, ap_rows, invoice

pytestmark = pytest.mark.e2e

HEADER = ["vendor", "invoice_number", "invoice_date", "due_date", "amount", "account", "description"]
RELEASED = re.compile(r"ledgersmb: garbage collected in the renderer in \d+ ms \(JavaScript heap ([\d.]+) MB, then ([\d.]+) MB\)")
GARBAGE_MB = 15  # about what a few invoices leave behind in the page's heap


def test_the_renderer_releases_memory_every_two_items_and_every_invoice_is_entered_once(
    clerk: ClerkRunner, prefix: str, tmp_path: Path
) -> None:
    rows = [invoice(prefix, n, amount=f"{400 + n}.20") for n in range(1, 6)]
    workbook = write_workbook(tmp_path / "invoices.xlsx", rows, HEADER)

    run = clerk("run", "invoice_entry", "--input", str(workbook),
                extra_env={"CLERK_WEB__RELEASE_MEMORY_EVERY": "2"})
    assert run.returncode == 0, run.stdout + run.stderr

    posted = ap_rows(prefix)
    assert [r.invnumber for r in posted] == [f"{prefix}{n:03d}" for n in range(1, 6)]
    results = read_results(tmp_path / "invoices.results.xlsx")
    assert [r["status"] for r in results] == ["done"] * 5

    folder = Path(str(results[0]["screenshots"])).parents[1]
    records = [json.loads(line)["record"] for line in (folder / "events.jsonl").read_text().splitlines()]
    released = [(r["extra"]["item"], RELEASED.fullmatch(r["message"])) for r in records if "garbage collected" in r["message"]]
    assert [item for item, _ in released] == ["row-00003", "row-00005"]  # as items 2 and 4 begin (rows 3 and 5)
    assert all(match is not None for _, match in released), released
    for _, match in released:  # a full collection: the heap in use after it is no more than before
        assert match is not None and float(match.group(2)) <= float(match.group(1)), match.group(0)
    for item in json.loads((folder / "run.json").read_text())["items"]:
        assert_entered_once(attempts_of(item["steps"]), item["message"])
    verified = clerk("audit", "verify", str(folder))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_releasing_a_ledgersmb_page_collects_its_garbage_and_keeps_the_page(tmp_path: Path) -> None:
    settings = load_settings(None, {"clerk.data_dir": str(tmp_path / "var")})
    url = str(settings.app("ledgersmb")["url"]).rstrip("/") + "/login.pl"
    host = BrowserHost(settings.web)
    try:
        page = host.new_page()
        page.goto(url)
        baseline = _heap_mb(page)
        page.evaluate(f"() => {{ window.junk = Array.from({{length: {GARBAGE_MB * 20000}}}, (_, i) => ({{i, s: 'x' + i}})); }}")
        assert _heap_mb(page) > baseline + GARBAGE_MB / 2  # still held: no collection can free it
        page.evaluate("() => { window.junk = null; }")

        released = release_memory(page, "ledgersmb")

        assert released.before_mb > baseline + GARBAGE_MB / 2, released
        assert released.after_mb < baseline + 2, (baseline, released)
        assert page.url == url and page.locator("input[name=login]").count() == 1  # the page is as it was
    finally:
        host.close()


def _heap_mb(page: Page) -> float:
    session = page.context.new_cdp_session(page)
    try:
        return float(session.send("Runtime.getHeapUsage")["usedSize"]) / 1e6
    finally:
        session.detach()
