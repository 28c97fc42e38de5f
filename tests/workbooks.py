"""Workbook helpers shared by the test suites."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook


def read_results(path: Path) -> list[dict[str, Any]]:
    """The rows of a results workbook as dicts keyed by header (the file is closed again)."""
    workbook = load_workbook(path, read_only=True)
    try:
        rows = list(workbook.active.iter_rows(values_only=True))
    finally:
        workbook.close()
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
