"""A workbook of invoices becomes exactly those GnuCash bills, once."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from tests.workbooks import read_results as results

from .conftest import Row, bills, clerk, write_workbook

pytestmark = pytest.mark.e2e
STEPS = ["new-bill-filled", "bill-created", "line-entered-post-dialog-filled", "posted", "saved"]


def test_a_workbook_becomes_exactly_those_bills_and_a_rerun_adds_nothing(
        tmp_path: Path, prefix: str, clerk_env: dict[str, str]) -> None:
    rows = [
        Row("Globex Telecom LLC", f"{prefix}001", dt.date(2026, 9, 1), dt.date(2026, 10, 1), Decimal("123.45"),
            "Expenses:Telephone", "Phone lines September"),
        Row("Acme Office Supplies Inc", f"{prefix}002", dt.date(2026, 9, 3), dt.date(2026, 9, 30), Decimal("45.00"),
            "Office Supplies", "Paper, toner"),  # a leaf name
        Row("Stark Utilities Co", f"{prefix}003", dt.date(2026, 9, 5), dt.date(2026, 11, 4), Decimal("1980.10"),
            "5780", "Phone lines"),  # a LedgerSMB account number, mapped in the config; a quickfill prefix
        Row("Umbrella Legal Partners", f"{prefix}001", dt.date(2026, 9, 7), dt.date(2026, 9, 21), Decimal("7.05"),
            "Expenses:Legal Fees", "Review (contract #7/8) & fees"),  # same number, another vendor
    ]
    workbook = write_workbook(tmp_path / "invoices.xlsx", rows)

    first = clerk(clerk_env, "--input", str(workbook))
    assert first.returncode == 0, first.stdout + first.stderr

    saved = bills(prefix)
    assert [(b.id, b.vendor.name) for b in saved] == sorted((r.number, r.vendor) for r in rows)
    expected_accounts = ["Expenses:Telephone", "Expenses:Office Supplies", "Expenses:Telephone", "Expenses:Legal Fees"]
    for row, account in zip(rows, expected_accounts, strict=True):
        (bill,) = [b for b in saved if (b.vendor.name, b.id) == (row.vendor, row.number)]
        assert (bill.opened, bill.posted, bill.due) == (row.invoice_date, row.invoice_date, row.due_date)
        assert bill.post_account == "Liabilities:Accounts Payable"
        assert [(line.account, line.description, line.amount) for line in bill.lines] == [
            (account, row.description, Fraction(row.amount))]

    report = results(workbook.with_name("invoices.results.xlsx"))
    assert [r["status"] for r in report] == ["done"] * 4
    assert {r["gnucash_bill"] for r in report} == {b.ref for b in saved}
    for r in report:  # the audit trail holds a screenshot of each step of each bill
        shots = sorted(p.name for p in Path(r["screenshots"]).glob("*.png"))
        assert [name.split("-gnucash-")[1].removesuffix(".png") for name in shots] == STEPS

    again = clerk(clerk_env, "--input", str(workbook))  # the ledger knows every row
    assert again.returncode == 0, again.stdout + again.stderr
    shutil.rmtree(tmp_path / "var")  # a fresh ledger: only GnuCash can tell that the bills exist
    fresh = clerk(clerk_env, "--input", str(workbook))
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert [r["status"] for r in results(workbook.with_name("invoices.results.xlsx"))] == ["already_present"] * 4
    assert bills(prefix) == saved


def test_an_unknown_vendor_or_account_is_refused_before_anything_is_entered(
        tmp_path: Path, prefix: str, clerk_env: dict[str, str]) -> None:
    rows = [
        Row("Globex Telecom LLC", f"{prefix}001", dt.date(2026, 9, 1), dt.date(2026, 10, 1), Decimal("10.00"),
            "Telephone", "fine on its own"),
        Row("Nobody Trading Ltd", f"{prefix}002", dt.date(2026, 9, 1), dt.date(2026, 10, 1), Decimal("20.00"),
            "Telephone", "unknown vendor"),
        Row("Globex Telecom LLC", f"{prefix}003", dt.date(2026, 9, 1), dt.date(2026, 10, 1), Decimal("30.00"),
            "Expenses", "a placeholder account"),
        Row("Globex Telecom LLC", f"{prefix}004", dt.date(2026, 9, 1), dt.date(2026, 10, 1), Decimal("40.00"),
            "Telephone", "Müller & Søn ✓"),  # any text is typeable: valid, held with the rest
    ]
    workbook = write_workbook(tmp_path / "invoices.xlsx", rows)
    result = clerk(clerk_env, "--input", str(workbook))
    assert result.returncode == 1, result.stdout + result.stderr
    report = results(workbook.with_name("invoices.results.xlsx"))
    assert [r["status"] for r in report] == ["held", "invalid", "invalid", "held"]
    assert "no GnuCash vendor is named 'Nobody Trading Ltd'" in report[1]["message"]
    assert "Expenses is a placeholder, not an expense account" in report[2]["message"]
    assert bills(prefix) == []


def test_the_wrong_screen_size_stops_the_run_before_any_item(
        tmp_path: Path, prefix: str, clerk_env: dict[str, str]) -> None:
    workbook = write_workbook(tmp_path / "invoices.xlsx", [
        Row("Globex Telecom LLC", f"{prefix}001", dt.date(2026, 9, 1), dt.date(2026, 10, 1), Decimal("10.00"),
            "Telephone", "")])
    result = clerk({**clerk_env, "CLERK_APPS__GNUCASH__SCREEN": "1024x768"}, "--input", str(workbook))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "is 1280x900, but the selectors and image templates were made for 1024x768" in result.stderr
    assert bills(prefix) == []
