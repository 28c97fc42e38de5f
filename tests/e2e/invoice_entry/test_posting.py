"""A workbook becomes exactly its AP transactions in LedgerSMB, once, however often it runs."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from tests.attempts import assert_entered_once, item_attempts
from tests.workbooks import read_results, write_workbook

from .conftest import ClerkRunner, ap_rows, invoice

pytestmark = pytest.mark.e2e


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_workbook_is_posted_exactly_once_and_reruns_post_nothing(
    clerk: ClerkRunner, prefix: str, tmp_path: Path, recordings: Path
) -> None:
    header = ["  VENDOR ", "invoice_number", "Invoice  Date", "due date", "AMOUNT", "Account", "Description", "Notes"]
    rows = [
        ["Acme Office Supplies Inc", f"{prefix}001", dt.datetime(2026, 11, 2), dt.datetime(2026, 12, 2), 412.5, 5700,
         "Toner", "ignored"],
        ["globex telecom llc", f"{prefix}002", "2026-11-03", "2026-12-18", "1234.56", "5780", "Phones", None],
        [],  # a fully blank row is skipped
        ["Stark Utilities Co", f"{prefix}003", dt.datetime(2026, 11, 5), "2026-11-05", 2500, "5790", "Power", "x"],
    ]
    workbook = write_workbook(tmp_path / "invoices.xlsx", rows, header)
    digest = sha256(workbook)

    first = clerk("run", "invoice_entry", "--input", str(workbook))
    assert first.returncode == 0, first.stdout + first.stderr

    posted = ap_rows(prefix)
    assert [(r.vendor, r.invnumber, r.transdate, r.duedate, r.amount, r.expense_account) for r in posted] == [
        ("Acme Office Supplies Inc", f"{prefix}001", dt.date(2026, 11, 2), dt.date(2026, 12, 2), Decimal("412.5"), "5700"),
        ("Globex Telecom LLC", f"{prefix}002", dt.date(2026, 11, 3), dt.date(2026, 12, 18), Decimal("1234.56"), "5780"),
        ("Stark Utilities Co", f"{prefix}003", dt.date(2026, 11, 5), dt.date(2026, 11, 5), Decimal(2500), "5790"),
    ]
    assert sha256(workbook) == digest, "the input workbook must never be modified"

    results = read_results(tmp_path / "invoices.results.xlsx")
    assert [r["status"] for r in results] == ["done"] * 3
    assert [int(r["ledgersmb_id"]) for r in results] == [r.id for r in posted]
    assert results[0]["Notes"] == "ignored"  # the input's own columns are echoed
    for result in results:
        shots = Path(str(result["screenshots"]))
        assert shots.is_relative_to(recordings)
        assert_entered_once(item_attempts(shots), str(result["message"]))  # retried under load: the trail says so

    rerun = clerk("run", "invoice_entry", "--input", str(workbook))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert [r["status"] for r in read_results(tmp_path / "invoices.results.xlsx")] == ["already_present"] * 3
    assert ap_rows(prefix) == posted

    # without the ledger (another machine, or a person typed them in) LedgerSMB itself is checked
    forgetful = clerk("run", "invoice_entry", "--input", str(workbook),
                      extra_env={"CLERK_CLERK__DATA_DIR": str(tmp_path / "fresh-ledger")})
    assert forgetful.returncode == 0, forgetful.stdout + forgetful.stderr
    fresh = read_results(tmp_path / "invoices.results.xlsx")
    assert [r["status"] for r in fresh] == ["already_present"] * 3
    assert [int(r["ledgersmb_id"]) for r in fresh] == [r.id for r in posted]
    assert ap_rows(prefix) == posted


def test_csv_dry_run_posts_nothing_then_the_real_run_posts(clerk: ClerkRunner, prefix: str, tmp_path: Path) -> None:
    csv = tmp_path / "invoices.csv"
    csv.write_text(
        "Vendor,Invoice Number,Invoice Date,Due Date,Amount,Account,Description\n"
        f"Umbrella Legal Partners,{prefix}001,2026-11-09,2026-12-09,99.90,5610,\"Advice, urgent\"\n",
        encoding="utf-8",
    )
    output = tmp_path / "out" / "dry.xlsx"
    dry = clerk("run", "invoice_entry", "--input", str(csv), "--dry-run", "--output", str(output))
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert [r["status"] for r in read_results(output)] == ["ready"]
    assert ap_rows(prefix) == []

    real = clerk("run", "invoice_entry", "--input", str(csv))
    assert real.returncode == 0, real.stdout + real.stderr
    [row] = ap_rows(prefix)
    assert (row.vendor, row.amount, row.expense_account) == ("Umbrella Legal Partners", Decimal("99.9"), "5610")

    again = clerk("run", "invoice_entry", "--input", str(csv), "--dry-run", "--output", str(output))
    assert again.returncode == 0
    assert [(r["status"], r["ledgersmb_id"]) for r in read_results(output)] == [("already_present", str(row.id))]


def test_limit_enters_only_n_rows_and_reports_the_rest_pending(clerk: ClerkRunner, prefix: str, tmp_path: Path) -> None:
    workbook = write_workbook(tmp_path / "three.xlsx", [invoice(prefix, n) for n in (1, 2, 3)])
    limited = clerk("run", "invoice_entry", "--input", str(workbook), "--limit", "1")
    assert limited.returncode == 0, limited.stdout + limited.stderr
    assert [r["status"] for r in read_results(tmp_path / "three.results.xlsx")] == ["done", "pending", "pending"]
    assert [r.invnumber for r in ap_rows(prefix)] == [f"{prefix}001"]
