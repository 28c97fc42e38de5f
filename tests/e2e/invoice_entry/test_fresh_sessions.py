"""A long run starts its web sessions afresh every ``[web] fresh_sessions_every`` items
(a page kept for hundreds of invoices grows its renderer's memory): the items go on from
the next one, each entered once in LedgerSMB, with one more login per period."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.attempts import assert_entered_once, attempts_of
from tests.workbooks import read_results, write_workbook

from .conftest import ClerkRunner, ap_rows, invoice

pytestmark = pytest.mark.e2e

HEADER = ["vendor", "invoice_number", "invoice_date", "due_date", "amount", "account", "description"]


def test_sessions_start_afresh_every_two_items_and_every_invoice_is_entered_once(
    clerk: ClerkRunner, prefix: str, tmp_path: Path
) -> None:
    rows = [invoice(prefix, n, amount=f"{300 + n}.10") for n in range(1, 6)]
    workbook = write_workbook(tmp_path / "invoices.xlsx", rows, HEADER)

    run = clerk("run", "invoice_entry", "--input", str(workbook),
                extra_env={"CLERK_WEB__FRESH_SESSIONS_EVERY": "2"})
    assert run.returncode == 0, run.stdout + run.stderr

    posted = ap_rows(prefix)
    numbers = [f"{prefix}{n:03d}" for n in range(1, 6)]
    assert [r.invnumber for r in posted] == numbers  # each exactly once in ap
    results = read_results(tmp_path / "invoices.results.xlsx")
    assert [r["status"] for r in results] == ["done"] * 5
    assert [int(r["ledgersmb_id"]) for r in results] == [r.id for r in posted]

    folder = Path(str(results[0]["screenshots"])).parents[1]
    messages = [json.loads(line)["record"]["message"] for line in (folder / "events.jsonl").read_text().splitlines()]
    afresh = [m for m in messages if m.startswith("starting the web sessions afresh")]
    assert afresh == ["starting the web sessions afresh after 2 items: ledgersmb"] * 2  # before items 3 and 5
    assert len([m for m in messages if m == "logging in to ledgersmb"]) == 3
    for item in json.loads((folder / "run.json").read_text())["items"]:
        assert_entered_once(attempts_of(item["steps"]), item["message"])
    verified = clerk("audit", "verify", str(folder))
    assert verified.returncode == 0, verified.stdout + verified.stderr
