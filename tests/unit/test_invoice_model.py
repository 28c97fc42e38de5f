"""The invoice_entry row model: what makes an invoice row valid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clerk._fields import DateWindow
from clerk._items import parse_items
from clerk.inputs import read_table
from clerk_bots.invoice_entry.model import REQUIRED, SCHEMA, Invoice

HEADER = ["Vendor", "Invoice Number", "Invoice Date", "Due Date", "Amount", "Account", "Description"]
GOOD = ["Globex Telecom LLC", "INV-1001", "2026-11-15", "2026-12-15", "123.45", "5780", "Phone bill"]


def parse(write_table, *rows, header=HEADER, name="invoices.csv"):
    table = read_table(write_table(name, [header, *rows]), SCHEMA.columns, required=SCHEMA.required)
    return parse_items(table, SCHEMA, lambda invoice: invoice.reference)


def test_a_good_row(write_table) -> None:
    [item] = parse(write_table, GOOD)
    assert item.valid, item.problems
    assert item.data == Invoice(
        vendor="Globex Telecom LLC", number="INV-1001", invoice_date=dt.date(2026, 11, 15),
        due_date=dt.date(2026, 12, 15), amount=Decimal("123.45"), account="5780", description="Phone bill",
    )
    assert item.reference == "globex telecom llc|INV-1001"


def test_excel_cells_with_dates_and_numbers(write_table) -> None:
    row = ["Acme Office Supplies Inc", 1001, dt.date(2026, 1, 5), dt.date(2026, 2, 4), 1234.56, 5700, None]
    [item] = parse(write_table, row, name="invoices.xlsx")
    assert item.valid, item.problems
    assert item.data.number == "1001"
    assert item.data.account == "5700"
    assert item.data.amount == Decimal("1234.56")
    assert item.data.description == ""


def test_header_aliases(write_table) -> None:
    header = ["Supplier", "Invoice #", "Date", "Due", "Total", "GL Account", "Memo", "Approved by"]
    [item] = parse(write_table, [*GOOD, "Kim"], header=header)
    assert item.valid and item.data.vendor == "Globex Telecom LLC"


def test_description_is_optional_but_every_other_column_is_required(write_table) -> None:
    assert set(REQUIRED) == set(SCHEMA.columns) - {"description"}
    [item] = parse(write_table, GOOD[:-1], header=HEADER[:-1])
    assert item.valid and item.data.description == ""


def test_due_date_before_the_invoice_date_is_a_problem_on_the_due_date(write_table) -> None:
    [item] = parse(write_table, [*GOOD[:2], "2026-11-15", "2026-11-14", *GOOD[4:]])
    [problem] = item.problems
    assert problem.column == "Due Date"
    assert str(problem) == "invoices.csv row 2, column 'Due Date': 2026-11-14 is before the invoice date 2026-11-15"


def test_due_on_the_invoice_date_is_fine(write_table) -> None:
    [item] = parse(write_table, [*GOOD[:2], "2026-11-15", "2026-11-15", *GOOD[4:]])
    assert item.valid


def test_an_unreadable_invoice_date_is_reported_once(write_table) -> None:
    [item] = parse(write_table, [*GOOD[:2], "15.11.2026", "2026-11-01", *GOOD[4:]])
    assert [p.column for p in item.problems] == ["Invoice Date"]


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("Vendor", "", "is empty"),
        ("Vendor", "V" * 65, "at most 64 allowed"),
        ("Invoice Number", "I" * 33, "at most 32 allowed"),
        ("Amount", "0", "not positive"),
        ("Amount", "12.345", "more than 2 decimals"),
        ("Amount", "1,234.00", "not a number"),
        ("Account", " ", "is empty"),
        ("Description", "d" * 201, "at most 200 allowed"),
    ],
)
def test_bad_cells(write_table, column: str, value: str, words: str) -> None:
    row = list(GOOD)
    row[HEADER.index(column)] = value
    [item] = parse(write_table, row)
    [problem] = item.problems
    assert problem.column == column
    assert words in problem.reason


def test_every_bad_cell_of_a_row_is_reported(write_table) -> None:
    [item] = parse(write_table, ["", "", "tomorrow", "", "-1", "", ""])
    assert [p.column for p in item.problems] == [
        "Invoice Date", "Due Date", "Vendor", "Invoice Number", "Amount", "Account",
    ]


def test_same_invoice_number_from_another_vendor_is_not_a_duplicate(write_table) -> None:
    other = ["Acme Office Supplies Inc", *GOOD[1:]]
    shouting = ["GLOBEX TELECOM LLC", *GOOD[1:]]
    items = parse(write_table, GOOD, other, shouting)
    assert [item.valid for item in items] == [True, True, False]
    assert items[2].problems[0].reason == "duplicate of row 2 (same globex telecom llc|INV-1001)"


# ---------------------------------------------------------------------------- values no back office means
@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("Description", "Phone\x07bill", "holds BEL (U+0007) at character 6; remove it from the cell"),
        ("Description", "\x1b[31mPhone", "holds ESC (U+001B) at character 1"),
        ("Vendor", "Globex\x1fTelecom", "holds a control character (U+001F) at character 7"),
        ("Description", "Phone\nbill", "holds a line break (U+000A) at character 6"),
        ("Invoice Number", "INV\t1001", "holds a tab (U+0009) at character 4"),
        ("Account", "57\x7f80", "holds DEL (U+007F) at character 3"),
    ],
)
def test_control_characters_in_text_are_refused_naming_row_and_column(write_table, column: str, value: str,
                                                                      words: str) -> None:
    row = list(GOOD)
    row[HEADER.index(column)] = value
    [item] = parse(write_table, row)
    [problem] = item.problems
    assert (problem.row, problem.column) == (2, column) and problem.reason.startswith(words)


def test_a_control_character_as_a_workbook_stores_it_is_refused(write_table) -> None:
    row = list(GOOD)
    row[HEADER.index("Description")] = "Phone_x0007_bill"  # Excel writes a BEL in a cell this way
    [item] = parse(write_table, row, name="invoices.xlsx")
    [problem] = item.problems
    assert problem.column == "Description"
    assert problem.reason == "holds BEL (U+0007, written _x0007_ in the workbook) at character 6; remove it from the cell"


def parse_in_window(write_table, *rows, back: int = 5, ahead: int = 1):
    table = read_table(write_table("invoices.csv", [HEADER, *rows]), SCHEMA.columns, required=SCHEMA.required)
    window = DateWindow(today=dt.date(2026, 11, 29), years_back=back, years_ahead=ahead)
    return parse_items(table, SCHEMA, lambda invoice: invoice.reference, window=window)


@pytest.mark.parametrize(
    ("invoice_date", "due_date", "column", "words"),
    [
        ("1900-01-01", "2026-12-15", "Invoice Date",
         "1900-01-01 is more than 5 years before today (the earliest date accepted is 2021-11-29)"),
        ("2026-11-15", "9999-12-31", "Due Date",
         "9999-12-31 is more than 1 year after today (the latest date accepted is 2027-11-29)"),
    ],
)
def test_dates_far_from_today_are_refused(write_table, invoice_date: str, due_date: str, column: str,
                                          words: str) -> None:
    [item] = parse_in_window(write_table, ["Globex Telecom LLC", "INV-1", invoice_date, due_date, "1", "5780", ""])
    [problem] = item.problems
    assert (problem.row, problem.column, problem.reason) == (2, column, words)


def test_the_edges_of_the_window_are_inside_it_and_the_window_is_configurable(write_table) -> None:
    edges = ["Globex Telecom LLC", "INV-1", "2021-11-29", "2027-11-29", "1", "5780", ""]
    assert parse_in_window(write_table, edges)[0].valid
    old = ["Globex Telecom LLC", "INV-2", "2011-01-01", "2011-01-31", "1", "5780", ""]
    assert not parse_in_window(write_table, old)[0].valid
    assert parse_in_window(write_table, old, back=20)[0].valid
