"""Malformed inputs an analyst really sends: each is refused with what the file is and what to do.

Every file here is a real one made by the test: openpyxl workbooks, a workbook encrypted by
msoffcrypto-tool (as Excel's "Encrypt with Password" does), UTF-16 text as Excel's "Unicode
Text" writes it.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import os
from dataclasses import replace
from pathlib import Path

import pytest
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook

from clerk import ConfigError, InputFileError, ItemSchema, RowReader
from clerk._outcome import ItemStatus
from clerk._run import run_bot
from clerk._run_options import RunOptions
from clerk.inputs import read_table, read_ticket_export, ticket_formats
from tests.workbooks import INVOICE_HEADER, write_workbook

COLUMNS = {"vendor": ("supplier",), "invoice_number": ("invoice no",), "amount": ("total",)}
REQUIRED = ("vendor", "invoice_number", "amount")
HEADER = ["Vendor", "Invoice Number", "Amount"]


def read(path: Path):  # a Table
    return read_table(path, COLUMNS, required=REQUIRED)


def refusal(path: Path) -> str:
    with pytest.raises(InputFileError) as caught:
        read(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    return message


# ---------------------------------------------------------------------------- two columns for one field
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_two_columns_with_the_same_header_are_refused_naming_both_letters(write_table, suffix: str) -> None:
    path = write_table(f"twice{suffix}", [["Vendor", "Amount", "Invoice Number", "amount "],
                                          ["Acme", "10", "INV-1", "99"]])
    message = refusal(path)
    assert "columns B ('Amount') and D ('amount') can both hold amount" in message
    assert "rename or delete all but one of them" in message


def test_a_field_and_its_alias_side_by_side_are_refused_too(write_table) -> None:
    path = write_table("alias.xlsx", [[*HEADER, "Total"], ["Acme", "INV-1", "10", "12"]])
    assert "columns C ('Amount') and D ('Total') can both hold amount" in refusal(path)


def test_repeated_headers_of_columns_nobody_reads_are_fine(write_table) -> None:
    path = write_table("notes.xlsx", [[*HEADER, "Note", "Note"], ["Acme", "INV-1", "10", "a", "b"]])
    assert read(path).rows[0].cells == ("Acme", "INV-1", "10", "a", "b")


def test_a_ticket_export_with_two_description_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "jira.csv"
    path.write_text("Issue key,Summary,Description,Description\nPC-1,Plan,move 40012345 to BIZ-50,other\n",
                    encoding="utf-8")
    formats = ticket_formats({"jira": {"system": "Jira", "ticket": ["Issue key"], "subject": ["Summary"],
                                       "description": ["Description"]}})
    with pytest.raises(InputFileError, match=r"columns C \('Description'\) and D \('Description'\)"):
        read_ticket_export(path, formats)


# ---------------------------------------------------------------------------- what the file really is
def test_a_folder_is_called_a_folder_and_its_spreadsheets_are_named(tmp_path: Path) -> None:
    (tmp_path / "november.xlsx").write_bytes(b"")
    (tmp_path / "readme.txt").write_text("x")
    message = refusal(tmp_path)
    assert "is a folder, not a file" in message and "no such file" not in message
    assert "spreadsheets in it: november.xlsx" in message and "readme" not in message


def test_a_password_protected_workbook_is_named_as_such(tmp_path: Path) -> None:
    plain = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.save(plain)
    plain.seek(0)
    path = tmp_path / "locked.xlsx"
    with path.open("wb") as out:
        OOXMLFile(plain).encrypt("s3cret", out)  # what Excel's File > Info > Encrypt with Password writes
    message = refusal(path)
    assert "is a password-protected (encrypted) Excel workbook" in message
    assert "remove the password" in message and "zip" not in message


def test_an_old_xls_workbook_named_xlsx_is_named_as_such(tmp_path: Path) -> None:
    # a crafted OLE2 header, not a real .xls file: only the first bytes are looked at
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + os.urandom(4096))
    message = refusal(path)
    assert "is an old Excel 97-2003 workbook (.xls format)" in message and "save it as .xlsx" in message


def test_data_on_the_second_sheet_names_that_sheet(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.title = "Cover"
    data = workbook.create_sheet("Invoices")
    data.append(HEADER)
    data.append(["Acme", "INV-1", 10])
    path = tmp_path / "second.xlsx"
    workbook.save(path)
    message = refusal(path)
    assert "the first sheet 'Cover' is empty; the data is on sheet 'Invoices'" in message
    assert "move 'Invoices' to the front" in message


def test_an_empty_workbook_is_still_just_empty(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.create_sheet("Also empty")
    path = tmp_path / "empty.xlsx"
    workbook.save(path)
    assert "the file is empty" in refusal(path)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_text_with_a_byte_order_mark_is_read(tmp_path: Path, encoding: str) -> None:
    mark = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    path = tmp_path / "unicode.tsv"  # Excel's "Unicode Text": UTF-16, tab-separated
    path.write_bytes(mark + "Vendor\tInvoice Number\tAmount\r\nMüller & Søn\tINV-1\t10\r\n".encode(encoding))
    table = read(path)
    assert [dict(row.values) for row in table.rows] == [
        {"vendor": "Müller & Søn", "invoice_number": "INV-1", "amount": "10"}]


def test_utf16_text_without_a_byte_order_mark_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nomark.csv"
    path.write_bytes("Vendor,Invoice Number,Amount\nAcme,INV-1,10\n".encode("utf-16-le"))
    message = refusal(path)
    assert "is UTF-16 text without a byte-order mark" in message and "CSV UTF-8" in message


def test_a_workbook_named_csv_is_named(write_table, tmp_path: Path) -> None:
    workbook = write_table("real.xlsx", [HEADER, ["Acme", "INV-1", 10]])
    path = tmp_path / "exported.csv"
    path.write_bytes(workbook.read_bytes())
    assert "is an Excel workbook (.xlsx), not .csv text" in refusal(path)


def test_text_that_is_not_utf8_says_where_and_how_to_save_it(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("Vendor,Invoice Number,Amount\nCafé,INV-1,9\n".encode("latin-1"))
    message = refusal(path)
    assert "not a UTF-8 text file" in message and "at byte 32, line 2" in message and "CSV UTF-8" in message


# ---------------------------------------------------------------------------- formulas never calculated
def test_a_formula_saved_without_its_value_is_named_not_called_empty(tmp_path: Path) -> None:
    from clerk._items import parse_items
    from clerk_bots.invoice_entry.model import SCHEMA

    path = write_workbook(tmp_path / "formula.xlsx", [
        ["Acme", "INV-1", "2026-11-02", "2026-12-02", "=10*1.25", "5780", "made by a script"],
        ["Acme", "INV-2", "2026-11-02", "2026-12-02", None, "5780", "really empty"],
    ], INVOICE_HEADER)  # openpyxl, like any script, saves formulas without their values
    table = read_table(path, SCHEMA.columns, required=SCHEMA.required)
    first, second = parse_items(table, SCHEMA, lambda invoice: invoice.reference)
    [problem] = first.problems
    assert (problem.row, problem.column) == (2, "Amount")
    assert problem.reason.startswith("holds the formula =10*1.25 saved without its value (it was never calculated)")
    assert "open the file in Excel or LibreOffice" in problem.reason
    assert [p.reason for p in second.problems] == ["is empty"]


# ---------------------------------------------------------------------------- the engine applies the bot's date window
def _dated(row: RowReader) -> tuple[str, dt.date]:
    return row.text("ref"), row.date("due")


DATED = ItemSchema(columns={"ref": (), "due": ()}, required=("ref", "due"), parse=_dated)


def test_the_run_refuses_dates_outside_the_configured_window(make_bot, fake_app, settings, write_table) -> None:
    today = dt.date.today()
    path = write_table("dated.csv", [["Ref", "Due"], ["A-1", today.isoformat()], ["A-2", "1900-01-01"],
                                     ["A-3", f"{today.year + 3}-01-15"]])
    bot = make_bot(schema=DATED, reference=lambda line: line[0], find=lambda ctx, line: None,
                   enter=lambda ctx, line: "F-1")
    report = run_bot(bot, settings, RunOptions(input_path=path, skip_invalid=True))
    by_row = {r.row: r for r in report.results}
    assert by_row[2].status is ItemStatus.DONE
    assert by_row[3].status is ItemStatus.INVALID
    assert by_row[3].message.startswith("column 'Due': 1900-01-01 is more than 5 years before today")
    assert by_row[4].status is ItemStatus.INVALID and "is more than 1 year after today" in by_row[4].message

    wider = replace(settings, bots={"fake_entry": {"date_years_back": 200, "date_years_ahead": 5}})
    again = run_bot(bot, wider, RunOptions(input_path=path, output_path=path.with_name("wider.xlsx")))
    assert [r.status for r in again.results if r.row != 2] == [ItemStatus.DONE, ItemStatus.DONE]


def test_a_bad_date_window_setting_stops_before_the_run_opens(make_bot, settings, write_table) -> None:
    path = write_table("dated.csv", [["Ref", "Due"], ["A-1", "2026-01-01"]])
    broken = replace(settings, bots={"fake_entry": {"date_years_ahead": "one"}})
    with pytest.raises(ConfigError, match="date_years_ahead must be a whole number of years"):
        run_bot(make_bot(schema=DATED), broken, RunOptions(input_path=path))
    assert not (settings.data_dir / "ledger.sqlite3").exists()
