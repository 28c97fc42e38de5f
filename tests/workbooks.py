"""Workbook helpers shared by the test suites."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

INVOICE_HEADER = ["Vendor", "Invoice Number", "Invoice Date", "Due Date", "Amount", "Account", "Description"]


def write_workbook(path: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = INVOICE_HEADER) -> Path:
    """Write ``header`` and then ``rows`` to a new .xlsx at ``path``."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def read_results(path: Path) -> list[dict[str, Any]]:
    """The rows of a results workbook as dicts keyed by header (the file is closed again)."""
    workbook = load_workbook(path, read_only=True)
    try:
        rows = list(workbook.active.iter_rows(values_only=True))
    finally:
        workbook.close()
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
