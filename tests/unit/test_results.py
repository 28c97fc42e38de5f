"""The results workbook: every input row with its original cells, then what clerk did with it."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from clerk._outcome import ItemResult, ItemStatus
from clerk._results import default_output_path, write_results
from clerk.inputs import read_table

COLUMNS = {"vendor": (), "invoice_number": (), "amount": ()}
HEADER = ["Vendor", "Invoice Number", "Amount", "Approver"]


def rows_of(path: Path) -> list[tuple[object, ...]]:
    workbook = load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in workbook["results"].iter_rows(values_only=True)]
    finally:
        workbook.close()


@pytest.fixture
def table(write_table):
    path = write_table("invoices.csv", [
        HEADER,
        ["Acme", "INV-1", "12.5", "Kim"],
        [None, None, None, None],
        ["Globex", "INV-2", "30", ""],
        ["Initech", "INV-3", "7", "Lee\x07"],  # a control character from some export
    ])
    return read_table(path, COLUMNS, required=tuple(COLUMNS))


def test_the_original_columns_then_status_app_ref_message_and_screenshots(table, tmp_path: Path) -> None:
    results = {
        2: ItemResult(row=2, reference="acme|INV-1", status=ItemStatus.DONE, app_ref="41",
                      message="entered in ledgersmb and read back", shots="recordings/x/shots/row-00002"),
        5: ItemResult(row=5, reference=None, status=ItemStatus.INVALID, message="column 'Amount': is empty"),
    }
    out = write_results(tmp_path / "out" / "invoices.results.xlsx", table, results, "ledgersmb_id")
    rows = rows_of(out)
    assert rows[0] == (*HEADER, "status", "ledgersmb_id", "message", "screenshots")
    assert rows[1] == ("Acme", "INV-1", "12.5", "Kim", "done", "41", "entered in ledgersmb and read back",
                       "recordings/x/shots/row-00002")
    # the blank input row is not repeated; a row without an outcome says so
    assert rows[2] == ("Globex", "INV-2", "30", None, None, None, "no outcome recorded", None)
    assert rows[3][:4] == ("Initech", "INV-3", "7", "Lee\ufffd")  # control characters cannot go into xlsx
    assert rows[3][4:] == ("invalid", None, "column 'Amount': is empty", None)
    assert len(rows) == 4
    assert not list(out.parent.glob("*.tmp"))


def test_dates_stay_dates(write_table, tmp_path: Path) -> None:
    path = write_table("dated.xlsx", [["Vendor", "Invoice Number", "Amount", "Date"],
                                      ["Acme", "INV-1", 1, dt.date(2026, 1, 5)]])
    table = read_table(path, COLUMNS, required=tuple(COLUMNS))
    out = write_results(tmp_path / "r.xlsx", table, {}, "app_id")
    assert rows_of(out)[1][3] == dt.datetime(2026, 1, 5)


def test_an_existing_results_workbook_is_replaced(table, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"old")
    write_results(out, table, {}, "app_id")
    assert rows_of(out)[0][-4:] == ("status", "app_id", "message", "screenshots")


def test_refuses_to_overwrite_the_input(table) -> None:
    before = hashlib.sha256(table.path.read_bytes()).hexdigest()
    with pytest.raises(ValueError, match="refusing to overwrite the input file"):
        write_results(table.path, table, {}, "app_id")
    with pytest.raises(ValueError, match="refusing to overwrite the input file"):
        write_results(table.path.parent / "sub" / ".." / table.path.name, table, {}, "app_id")
    assert hashlib.sha256(table.path.read_bytes()).hexdigest() == before


def test_default_output_path_sits_next_to_the_input() -> None:
    assert default_output_path(Path("/data/May invoices.xlsx")) == Path("/data/May invoices.results.xlsx")
    assert default_output_path(Path("/data/export.csv")) == Path("/data/export.results.xlsx")
