"""The results workbook: every input row with its original cells, then what clerk did with it."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from clerk._outcome import ItemResult, ItemStatus
from clerk._results import default_output_path, write_results
from clerk._run import run_bot
from clerk._run_options import RunOptions
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


def test_characters_xml_cannot_hold_are_marked_and_the_workbook_opens_again(write_table, tmp_path: Path) -> None:
    path = write_table("odd.csv", [HEADER, ["Acme", "INV-9", "1", "a\ufffeb\uffffc"]])
    odd = read_table(path, COLUMNS, required=tuple(COLUMNS))
    out = write_results(tmp_path / "odd.results.xlsx", odd, {}, "ledgersmb_id")
    assert rows_of(out)[1][:4] == ("Acme", "INV-9", "1", "a\ufffdb\ufffdc")


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


INJECTIONS = ['=HYPERLINK("http://evil.example","x")', "=cmd|' /C calc'!A0", "+SUM(1,2)", "@A1", "#N/A"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_text_that_looks_like_a_formula_is_written_as_text(write_table, tmp_path: Path, suffix: str) -> None:
    rows = [[f"Vendor {n}", f"INV-{n}", "1", text] for n, text in enumerate(INJECTIONS)]
    path = write_table(f"invoices{suffix}", [HEADER, *rows])
    if suffix == ".xlsx":
        _store_as_text(path)
    table = read_table(path, COLUMNS, required=tuple(COLUMNS))
    assert [row.cells[3] for row in table.rows] == INJECTIONS  # the reader hands over the text itself
    results = {2: ItemResult(row=2, reference="r", status=ItemStatus.INVALID, message="=bad(1)")}
    out = write_results(tmp_path / "r.xlsx", table, results, "app_id")
    sheet = load_workbook(out, data_only=False)["results"]  # formulas would show as formulas here
    approvers = [sheet.cell(row=n, column=4) for n in range(2, 2 + len(INJECTIONS))]
    assert [(c.data_type, c.value) for c in approvers] == [("s", text) for text in INJECTIONS]
    message = sheet.cell(row=2, column=7)
    assert (message.data_type, message.value) == ("s", "=bad(1)")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_run_writes_formula_like_input_back_as_text(make_bot, settings, write_table, suffix: str) -> None:
    notes = '=HYPERLINK("http://evil.example","x")'
    path = write_table(f"lines{suffix}", [["Reference", "Amount", "Notes"], ["=cmd|' /C calc'!A0", "10", notes]])
    if suffix == ".xlsx":
        _store_as_text(path)
    report = run_bot(make_bot(), settings, RunOptions(input_path=path))
    assert [r.status for r in report.results] == [ItemStatus.DONE]
    sheet = load_workbook(report.output_path, data_only=False).active
    assert [(c.data_type, c.value) for c in sheet[2][:3]] == [("s", "=cmd|' /C calc'!A0"), ("s", "10"), ("s", notes)]


def _store_as_text(path: Path) -> None:
    """openpyxl's normal mode would store "=..." as a formula; make every cell a text cell, as Excel
    does for a cell formatted as text or typed with a leading apostrophe."""
    workbook = load_workbook(path)
    for row in workbook.active.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    workbook.save(path)
