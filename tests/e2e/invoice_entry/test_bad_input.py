"""Bad workbooks get a clear error naming file, row and column, and post nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.workbooks import INVOICE_HEADER as HEADER
from tests.workbooks import read_results, write_workbook

from .conftest import ClerkRunner, ap_rows, invoice

pytestmark = pytest.mark.e2e


def statuses(path: Path) -> dict[int, tuple[str, str]]:
    """Sheet row number -> (status, message) of a results workbook."""
    return {n: (str(r["status"]), str(r["message"])) for n, r in enumerate(read_results(path), start=2)}


def test_missing_column(clerk: ClerkRunner, prefix: str, tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "Amount"]
    rows = [[c for i, c in enumerate(invoice(prefix, 1)) if HEADER[i] != "Amount"]]
    path = write_workbook(tmp_path / "no-amount.xlsx", rows, header)
    result = clerk("run", "invoice_entry", "--input", str(path))
    assert result.returncode == 1
    assert "no-amount.xlsx" in result.stderr and "missing column(s) amount" in result.stderr
    assert ap_rows(prefix) == []


def test_wrong_types_name_row_and_column(clerk: ClerkRunner, prefix: str, tmp_path: Path) -> None:
    good = invoice(prefix, 1)
    bad_date = invoice(prefix, 2)
    bad_date[2] = "11/15/2026"
    bad_amount = invoice(prefix, 3, amount="12.345")
    text_amount = invoice(prefix, 4, amount="twelve")
    due_first = invoice(prefix, 5)
    due_first[3] = dt.datetime(2026, 1, 1)
    unknown_account = invoice(prefix, 6, account="9999")
    path = write_workbook(tmp_path / "types.xlsx", [good, bad_date, bad_amount, text_amount, due_first, unknown_account])

    result = clerk("run", "invoice_entry", "--input", str(path))
    assert result.returncode == 1
    found = statuses(tmp_path / "types.results.xlsx")
    assert found[2][0] == "held"
    assert found[3] == ("invalid", "column 'Invoice Date': '11/15/2026' is not a date in the form yyyy-mm-dd")
    assert found[4] == ("invalid", "column 'Amount': 12.345 has more than 2 decimals")
    assert found[5][0] == "invalid" and "'twelve' is not a number" in found[5][1]
    assert found[6][0] == "invalid" and found[6][1].startswith("column 'Due Date': 2026-01-01 is before the invoice date")
    assert found[7][0] == "invalid" and "'9999' is not an expense account in LedgerSMB" in found[7][1]
    assert "row 3: invalid: column 'Invoice Date'" in result.stderr
    assert ap_rows(prefix) == []


def test_duplicate_rows_in_the_file_are_refused(clerk: ClerkRunner, prefix: str, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "dupes.xlsx", [invoice(prefix, 1), invoice(prefix, 2), invoice(prefix, 1)])
    result = clerk("run", "invoice_entry", "--input", str(path))
    assert result.returncode == 1
    found = statuses(tmp_path / "dupes.results.xlsx")
    assert found[4][0] == "invalid" and "duplicate of row 2" in found[4][1]
    assert ap_rows(prefix) == []


@pytest.mark.parametrize("kind", ["zero-bytes", "no-rows", "header-only"])
def test_empty_files(clerk: ClerkRunner, prefix: str, tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"{kind}.xlsx"
    if kind == "zero-bytes":
        path.write_bytes(b"")
    elif kind == "no-rows":
        Workbook().save(path)
    else:
        write_workbook(path, [])
    result = clerk("run", "invoice_entry", "--input", str(path))
    assert result.returncode == 1
    assert f"{kind}.xlsx" in result.stderr
    assert {"zero-bytes": "not a readable .xlsx workbook", "no-rows": "the file is empty",
            "header-only": "no data rows"}[kind] in result.stderr


@pytest.mark.parametrize("name", ["picture.xlsx", "notes.txt", "old.xls"])
def test_files_that_are_not_spreadsheets(clerk: ClerkRunner, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    result = clerk("run", "invoice_entry", "--input", str(path))
    assert result.returncode == 1
    assert name in result.stderr and ("not a readable .xlsx" in result.stderr or "not a spreadsheet" in result.stderr
                                      or ".xls format is not supported" in result.stderr)


def test_ten_thousand_rows_with_one_bad_post_nothing(clerk: ClerkRunner, prefix: str, tmp_path: Path) -> None:
    vendors = ["Acme Office Supplies Inc", "Globex Telecom LLC", "Stark Utilities Co"]
    rows = [invoice(prefix, n, vendor=vendors[n % 3], amount=f"{n % 900 + 1}.25") for n in range(1, 10_001)]
    for row, n in zip(rows, range(1, 10_001), strict=True):
        row[1] = f"{prefix}{n:05d}"
    rows[5005][4] = "-5"  # sheet row 5007
    path = write_workbook(tmp_path / "big.xlsx", rows)
    result = clerk("run", "invoice_entry", "--input", str(path))
    assert result.returncode == 1
    assert "row 5007: invalid: column 'Amount': -5 is not positive" in result.stderr
    found = statuses(tmp_path / "big.results.xlsx")
    assert len(found) == 10_000
    assert sum(1 for status, _ in found.values() if status == "held") == 9_999
    assert ap_rows(prefix) == []


def test_missing_credentials_name_the_variable(clerk: ClerkRunner, prefix: str, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "one.xlsx", [invoice(prefix, 1)])
    result = clerk("run", "invoice_entry", "--input", str(path), extra_env={"CLERK_LEDGERSMB_PASSWORD": ""})
    assert result.returncode == 2
    assert "CLERK_LEDGERSMB_PASSWORD" in result.stderr
    assert ap_rows(prefix) == []


def test_two_amount_columns_are_refused_and_nothing_is_posted(clerk: ClerkRunner, prefix: str, tmp_path: Path) -> None:
    rows = [[*invoice(prefix, 1), "999.99"], [*invoice(prefix, 2), "5.00"]]
    path = write_workbook(tmp_path / "two-amounts.xlsx", rows, [*HEADER, "Amount"])
    result = clerk("run", "invoice_entry", "--input", str(path))
    assert result.returncode == 1
    assert "two-amounts.xlsx" in result.stderr
    assert "columns E ('Amount') and H ('Amount') can both hold amount" in result.stderr
    assert ap_rows(prefix) == []


def test_dates_far_from_today_and_control_characters_are_never_posted(clerk: ClerkRunner, prefix: str,
                                                                      tmp_path: Path) -> None:
    good = invoice(prefix, 1)
    ancient = invoice(prefix, 2)
    ancient[2] = dt.datetime(1900, 1, 1)
    far_due = invoice(prefix, 3)
    far_due[3] = dt.datetime(9999, 12, 31)
    bell = invoice(prefix, 4)
    bell[6] = "Phone bill_x0007_"  # a BEL as Excel stores it in a cell
    escape = invoice(prefix, 5)
    escape[0] = "Globex Telecom LLC_x001B_"
    path = write_workbook(tmp_path / "odd-values.xlsx", [good, ancient, far_due, bell, escape])

    result = clerk("run", "invoice_entry", "--input", str(path), "--skip-invalid")
    assert result.returncode == 1
    found = statuses(tmp_path / "odd-values.results.xlsx")
    assert found[2][0] == "done"
    assert found[3][0] == "invalid" and found[3][1].startswith("column 'Invoice Date': 1900-01-01 is more than 5 years")
    assert found[4][0] == "invalid" and found[4][1].startswith("column 'Due Date': 9999-12-31 is more than 1 year")
    assert found[5] == ("invalid", ("column 'Description': holds BEL (U+0007, written _x0007_ in the workbook) "
                                    "at character 11; remove it from the cell"))
    assert found[6][0] == "invalid" and found[6][1].startswith("column 'Vendor': holds ESC (U+001B")
    assert "row 3: invalid: column 'Invoice Date'" in result.stderr
    assert [row.invnumber for row in ap_rows(prefix)] == [f"{prefix}001"]
