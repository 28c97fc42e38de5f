"""A large file's rows keep their cells and little else: no mapping of their own per row.

Every row stays in memory until the run ends (the whole file is validated before anything
is entered, and the results workbook echoes each row), so what a row costs beyond its
cells is paid 100,000 times for a 100,000-row workbook.
"""

from __future__ import annotations

import csv
import tracemalloc
from pathlib import Path
from typing import Any

from clerk.inputs import read_table

ROWS = 5_000
HEADER = ["Vendor", "Invoice Number", "Invoice Date", "Amount", "Account"]
COLUMNS = {"vendor": (), "invoice_number": (), "invoice_date": (), "amount": (), "account": ()}


def _kept_by(read: Any) -> tuple[int, Any]:
    """Bytes still allocated after ``read()`` returns, and what it returned."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = read()
        return tracemalloc.get_traced_memory()[0] - before, kept
    finally:
        tracemalloc.stop()


def _bare_cells(path: Path) -> list[tuple[str, ...]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [tuple(row) for row in csv.reader(handle)]


def test_the_rows_of_a_table_cost_little_more_than_their_cells(write_table) -> None:
    path = write_table("invoices.csv", [HEADER, *([f"Vendor {n % 40}", f"B-{n:07d}", "2026-11-01", f"{n % 997}.25",
                                                   "5780"] for n in range(ROWS))])
    cells_only, _ = _kept_by(lambda: _bare_cells(path))
    table_size, table = _kept_by(lambda: read_table(path, COLUMNS, required=tuple(COLUMNS)))
    assert len(table.rows) == ROWS
    assert table.rows[0].value("invoice_number") == "B-0000000"
    assert table.rows[-1].values == dict(zip(COLUMNS, ["Vendor 39", f"B-{ROWS - 1:07d}", "2026-11-01", "14.25",
                                                       "5780"], strict=True))
    # a row object and its number add a quarter to the cells; a dict of field values per row added 70 %
    assert table_size < cells_only * 1.4, (table_size, cells_only)
