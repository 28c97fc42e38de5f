"""Reading input files: .xlsx, .csv and .tsv into rows, and refusing files that cannot be used."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest
from openpyxl import Workbook

from clerk import InputFileError
from clerk.inputs import normalize_header, read_table

COLUMNS = {"vendor": ("supplier",), "invoice_number": ("invoice no", "invoice #"), "amount": ("total",)}
REQUIRED = ("vendor", "invoice_number", "amount")
HEADER = ["Vendor", "Invoice Number", "Amount"]


def read(path: Path):  # a Table
    return read_table(path, COLUMNS, required=REQUIRED)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".tsv"])
def test_each_format_reads_the_same_rows(write_table, suffix: str) -> None:
    path = write_table(f"invoices{suffix}", [HEADER, ["Acme", "INV-1", 12.5], ["Globex", "INV-2", 30]])
    table = read(path)
    assert table.path == path
    assert table.headers == ("Vendor", "Invoice Number", "Amount")
    assert [row.number for row in table.rows] == [2, 3]
    assert table.rows[0].values["vendor"] == "Acme"
    assert table.rows[1].values["invoice_number"] == "INV-2"
    # spreadsheets keep numbers as numbers; delimited text keeps text
    assert table.rows[0].values["amount"] == (12.5 if suffix == ".xlsx" else "12.5")


def test_headers_match_regardless_of_case_spacing_and_separators(write_table) -> None:
    path = write_table("odd.csv", [["  VENDOR ", "invoice_NUMBER", "A m o u n t"], ["Acme", "INV-1", "1"]])
    table = read(path)
    assert table.columns == {"vendor": "VENDOR", "invoice_number": "invoice_NUMBER", "amount": "A m o u n t"}
    assert table.column_of("amount") == "A m o u n t"
    assert table.column_of("not_a_field") == "not_a_field"
    assert normalize_header(" Invoice-No ") == normalize_header("invoice_no") == "invoiceno"


def test_aliases_name_the_same_field(write_table) -> None:
    path = write_table("aliases.xlsx", [["Supplier", "Invoice #", "Total"], ["Acme", "INV-9", 5]])
    table = read(path)
    assert dict(table.rows[0].values) == {"vendor": "Acme", "invoice_number": "INV-9", "amount": 5}
    assert table.columns["invoice_number"] == "Invoice #"


def test_extra_columns_are_ignored_but_kept_for_the_results(write_table) -> None:
    path = write_table("extra.csv", [["Notes", *HEADER, "Approver"], ["call first", "Acme", "INV-1", "9", "Kim"]])
    table = read(path)
    assert set(table.rows[0].values) == {"vendor", "invoice_number", "amount"}
    assert table.rows[0].cells == ("call first", "Acme", "INV-1", "9", "Kim")
    assert table.headers[0] == "Notes"


def test_optional_columns_may_be_absent(write_table) -> None:
    path = write_table("short.csv", [HEADER, ["Acme", "INV-1", "9"]])
    table = read_table(path, {**COLUMNS, "memo": ()}, required=REQUIRED)
    assert "memo" not in table.rows[0].values
    assert "memo" not in table.columns


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_fully_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_file(write_table, suffix: str) -> None:
    path = write_table(f"gaps{suffix}", [
        HEADER, ["Acme", "INV-1", 1], [None, None, None], ["", "  ", ""], ["Globex", "INV-2", 2],
    ])
    assert [row.number for row in read(path).rows] == [2, 5]


def test_blank_rows_above_the_header_are_skipped(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet["A3"], sheet["B3"], sheet["C3"] = HEADER
    sheet["A4"], sheet["B4"], sheet["C4"] = "Acme", "INV-1", 3
    path = tmp_path / "low.xlsx"
    workbook.save(path)
    table = read(path)
    assert [row.number for row in table.rows] == [4]


def test_short_csv_rows_are_padded_with_blanks(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("Vendor,Invoice Number,Amount\nAcme,INV-1\n", encoding="utf-8")
    row = read(path).rows[0]
    assert row.values["amount"] is None
    assert row.cells == ("Acme", "INV-1", None)


def test_excel_dates_arrive_as_datetimes(write_table) -> None:
    path = write_table("dated.xlsx", [[*HEADER, "Date"], ["Acme", "INV-1", 1, dt.date(2026, 11, 15)]])
    table = read_table(path, {**COLUMNS, "date": ()}, required=REQUIRED)
    assert table.rows[0].values["date"] == dt.datetime(2026, 11, 15)


def test_csv_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "excel-export.csv"
    path.write_bytes("\ufeffVendor,Invoice Number,Amount\r\nCafé Rösti,INV-1,9\r\n".encode("utf-8"))
    table = read(path)
    assert table.headers[0] == "Vendor"
    assert table.rows[0].values["vendor"] == "Café Rösti"


def test_csv_with_embedded_newlines_keeps_the_field_whole(tmp_path: Path) -> None:
    path = tmp_path / "multiline.csv"
    path.write_text(
        'Vendor,Invoice Number,Amount,Memo\n"Acme\nOffice Supplies",INV-1,9,"line one\r\nline two"\nGlobex,INV-2,3,x\n',
        encoding="utf-8", newline="",
    )
    table = read_table(path, {**COLUMNS, "memo": ()}, required=REQUIRED)
    assert len(table.rows) == 2
    assert table.rows[0].values["vendor"] == "Acme\nOffice Supplies"
    assert table.rows[0].values["memo"].splitlines() == ["line one", "line two"]
    # numbered as a spreadsheet shows the file: one row per record
    assert [row.number for row in table.rows] == [2, 3]


# ---------------------------------------------------------------------------- refusals
def test_missing_required_column_names_the_file_the_column_and_what_was_found(write_table) -> None:
    path = write_table("no-amount.xlsx", [["Vendor", "Invoice Number", "Comment"], ["Acme", "INV-1", "x"]])
    with pytest.raises(InputFileError) as caught:
        read(path)
    message = str(caught.value)
    assert str(path) in message
    assert "missing column(s) amount" in message
    assert "'Vendor', 'Invoice Number', 'Comment'" in message
    assert caught.value.exit_code == 1 and caught.value.stops_run


def test_several_missing_columns_are_all_named(write_table) -> None:
    path = write_table("only-vendor.csv", [["Vendor"], ["Acme"]])
    with pytest.raises(InputFileError, match="missing column\\(s\\) invoice_number, amount"):
        read(path)


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_an_empty_delimited_file_is_refused(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match="the file is empty"):
        read(path)


def test_an_empty_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    Workbook().save(path)
    with pytest.raises(InputFileError, match=f"{path}: the file is empty"):
        read(path)


def test_a_file_of_blank_lines_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("\n ,, \n\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="the file is empty"):
        read(path)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_header_only_file_has_no_data_rows(write_table, suffix: str) -> None:
    path = write_table(f"header-only{suffix}", [HEADER, [None, None, None]])
    with pytest.raises(InputFileError, match=r"header row \(row 1\) but no data rows"):
        read(path)


def test_random_bytes_named_xlsx_are_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "invoices.xlsx"
    path.write_bytes(os.urandom(2048))
    with pytest.raises(InputFileError, match=f"{path}: not a readable .xlsx workbook"):
        read(path)


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with pytest.raises(InputFileError, match="not a readable .xlsx workbook"):
        read(path)


def test_a_text_file_is_not_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "invoices.txt"
    path.write_text("Vendor,Invoice Number,Amount\nAcme,INV-1,9\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"not a spreadsheet \(expected .xlsx, .csv or .tsv\)"):
        read(path)


def test_an_old_xls_file_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "invoices.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(512))  # an OLE2 header
    with pytest.raises(InputFileError, match="old .xls format is not supported; save it as .xlsx"):
        read(path)


def test_a_csv_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("Vendor,Invoice Number,Amount\nCafé,INV-1,9\n".encode("latin-1"))
    with pytest.raises(InputFileError) as caught:
        read(path)
    assert str(path) in str(caught.value)
    assert "not a UTF-8 text file" in str(caught.value)
    assert "at byte 32" in str(caught.value)  # where a person can look for it


def test_a_binary_file_named_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "binary.csv"
    path.write_bytes(b"Vendor,Invoice Number,Amount\n\x00\x01\x02,INV,9\n")
    with pytest.raises(InputFileError, match="contains NUL bytes"):
        read(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        read(tmp_path / "nope.xlsx")


# ---------------------------------------------------------------------------- the input stays untouched
@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".tsv"])
def test_reading_changes_neither_the_bytes_nor_the_mtime(write_table, suffix: str) -> None:
    path = write_table(f"keep{suffix}", [HEADER, ["Acme", "INV-1", 1], ["Globex", "INV-2", 2]])
    old = 1_700_000_000
    os.utime(path, (old, old))
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    read(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert path.stat().st_mtime == old
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no lock or temp files left
