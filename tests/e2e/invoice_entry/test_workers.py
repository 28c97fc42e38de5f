"""``--workers 2`` against the real LedgerSMB: two logged-in sessions share one file's
invoices, every invoice lands in ``ap`` exactly once, and the run reads as one run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.attempts import assert_entered_once, attempts_of
from tests.workbooks import read_results, write_workbook

from .conftest import ClerkRunner, ap_rows, invoice

pytestmark = pytest.mark.e2e

HEADER = ["vendor", "invoice_number", "invoice_date", "due_date", "amount", "account", "description"]


def test_two_workers_post_every_invoice_once_and_a_rerun_posts_nothing(
    clerk: ClerkRunner, prefix: str, tmp_path: Path, recordings: Path
) -> None:
    vendors = ["Globex Telecom LLC", "Acme Office Supplies Inc", "Stark Utilities Co"]
    rows = [invoice(prefix, n, vendor=vendors[n % 3], amount=f"{100 + n}.25") for n in range(1, 7)]
    workbook = write_workbook(tmp_path / "invoices.xlsx", rows, HEADER)

    first = clerk("run", "invoice_entry", "--input", str(workbook), "--workers", "2")
    assert first.returncode == 0, first.stdout + first.stderr

    posted = ap_rows(prefix)
    numbers = [f"{prefix}{n:03d}" for n in range(1, 7)]
    assert [r.invnumber for r in posted] == numbers  # each invoice exactly once in ap
    results = read_results(tmp_path / "invoices.results.xlsx")
    assert [r["invoice_number"] for r in results] == numbers  # in input order
    assert [r["status"] for r in results] == ["done"] * 6
    assert [int(r["ledgersmb_id"]) for r in results] == [r.id for r in posted]

    folder = Path(str(results[0]["screenshots"])).parents[1]
    assert folder.parent == recordings / "invoice_entry"
    manifest = json.loads((folder / "run.json").read_text())
    assert manifest["workers"] == 2
    assert {item["worker"] for item in manifest["items"]} == {"w1", "w2"}  # both sessions did work
    logins = [line for line in (folder / "events.jsonl").read_text().splitlines() if "logging in to ledgersmb" in line]
    assert len(logins) == 2  # each worker logged in once and kept its session
    for item in manifest["items"]:
        assert_entered_once(attempts_of(item["steps"]), item["message"])
    verified = clerk("audit", "verify", str(folder))
    assert verified.returncode == 0, verified.stdout + verified.stderr

    rerun = clerk("run", "invoice_entry", "--input", str(workbook), "--workers", "2")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert [r["status"] for r in read_results(tmp_path / "invoices.results.xlsx")] == ["already_present"] * 6
    assert ap_rows(prefix) == posted

    # without the ledger, both workers look each invoice up in LedgerSMB and post nothing
    forgetful = clerk("run", "invoice_entry", "--input", str(workbook), "--workers", "2",
                      extra_env={"CLERK_CLERK__DATA_DIR": str(tmp_path / "fresh-ledger")})
    assert forgetful.returncode == 0, forgetful.stdout + forgetful.stderr
    assert [r["status"] for r in read_results(tmp_path / "invoices.results.xlsx")] == ["already_present"] * 6
    assert ap_rows(prefix) == posted
