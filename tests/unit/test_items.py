"""Rows become work items or problems that name the file, the row and the column."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from clerk import ItemSchema, Problem, RowReader
from clerk._items import parse_items
from clerk.inputs import read_table


@dataclass(frozen=True)
class Line:
    ref: str
    amount: Decimal
    account: str


def parse_line(row: RowReader) -> Line:
    return Line(ref=row.text("ref", max_length=8), amount=row.money("amount"),
                account=row.code("account", pattern=r"\d{4}", description="a four-digit account"))


SCHEMA = ItemSchema(columns={"ref": ("reference",), "amount": (), "account": ()},
                    required=("ref", "amount", "account"), parse=parse_line)


def items_of(write_table, rows, name="lines.csv"):
    table = read_table(write_table(name, rows), SCHEMA.columns, required=SCHEMA.required)
    return parse_items(table, SCHEMA, lambda line: line.ref.casefold())


def test_valid_rows_become_typed_items_keyed_by_their_row(write_table) -> None:
    [item] = items_of(write_table, [["Reference", "Amount", "Account"], ["L-1", "12.5", "5780"]])
    assert item.valid
    assert item.data == Line(ref="L-1", amount=Decimal("12.50"), account="5780")
    assert item.reference == "l-1"
    assert item.key == "row-00002"
    assert item.file == "lines.csv"
    assert item.column("ref") == "Reference"


def test_the_row_reader_collects_every_cell_error_of_a_row(write_table) -> None:
    [item] = items_of(write_table, [["Reference", "Amount", "Account"], ["", "12.345", "57800"]])
    assert not item.valid
    assert item.data is None and item.reference is None
    assert [(p.column, p.reason) for p in item.problems] == [
        ("Reference", "is empty"),
        ("Amount", "12.345 has more than 2 decimals"),
        ("Account", "'57800' is not a four-digit account"),
    ]
    assert {(p.file, p.row) for p in item.problems} == {("lines.csv", 2)}


def test_problem_text_names_file_row_and_column_as_the_file_writes_it(write_table) -> None:
    [item] = items_of(write_table, [["  REFERENCE ", "Amount", "Account"], ["L-1", "-3", "5780"]], "may.xlsx")
    [problem] = item.problems
    assert problem.column == "Amount"
    assert str(problem) == "may.xlsx row 2, column 'Amount': -3 is not positive"
    assert problem.reason_with_column() == "column 'Amount': -3 is not positive"
    assert str(Problem("may.xlsx", 7, None, "duplicate")) == "may.xlsx row 7: duplicate"
    assert Problem("may.xlsx", 7, None, "duplicate").reason_with_column() == "duplicate"


def test_item_problem_uses_the_header_as_written(write_table) -> None:
    [item] = items_of(write_table, [["reference", "AMOUNT", "Account"], ["L-1", "3", "5780"]])
    problem = item.problem("amount", "is not in LedgerSMB")
    assert problem == Problem("lines.csv", 2, "AMOUNT", "is not in LedgerSMB")
    assert item.problem(None, "whole row").column is None


def test_duplicate_references_within_a_file_are_invalid_and_name_the_first_row(write_table) -> None:
    items = items_of(write_table, [
        ["Reference", "Amount", "Account"],
        ["L-1", "1", "5780"], ["L-2", "2", "5780"], ["l-1", "3", "5780"], ["L-1", "4", "5780"],
    ])
    assert [item.valid for item in items] == [True, True, False, False]
    assert [str(p) for p in items[2].problems] == ["lines.csv row 4: duplicate of row 2 (same l-1)"]
    assert [str(p) for p in items[3].problems] == ["lines.csv row 5: duplicate of row 2 (same l-1)"]
    assert items[3].data is not None  # the row itself parsed; only the repetition is wrong


def test_an_invalid_row_does_not_hide_a_later_duplicate(write_table) -> None:
    items = items_of(write_table, [
        ["Reference", "Amount", "Account"], ["L-1", "bad", "5780"], ["L-1", "1", "5780"], ["L-1", "2", "5780"],
    ])
    assert [item.valid for item in items] == [False, True, False]
    assert "duplicate of row 3" in items[2].problems[0].reason


def test_fail_records_a_rule_problem_on_a_column(write_table) -> None:
    def parse(row: RowReader) -> str:
        if row.raw("ref") == "X":
            row.fail("ref", "X is reserved")
            row.fail(None, "and the whole row is suspicious")
        return row.text("ref")

    schema = ItemSchema(columns={"ref": ("reference",)}, required=("ref",), parse=parse)
    table = read_table(write_table("rules.csv", [["Reference"], ["X"]]), schema.columns, required=schema.required)
    [item] = parse_items(table, schema, str)
    assert [str(p) for p in item.problems] == [
        "rules.csv row 2, column 'Reference': X is reserved",
        "rules.csv row 2: and the whole row is suspicious",
    ]


@pytest.mark.parametrize(("number", "key"), [(2, "row-00002"), (12345, "row-12345")])
def test_item_keys_sort_in_file_order(write_table, number: int, key: str) -> None:
    rows = [["Reference", "Amount", "Account"]] + [[None, None, None]] * (number - 2) + [["L-1", "1", "5780"]]
    [item] = items_of(write_table, rows)
    assert item.key == key
