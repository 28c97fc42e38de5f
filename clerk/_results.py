"""The results workbook: the input's own columns, then what clerk did with each row."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES

from clerk._outcome import ItemResult
from clerk.inputs import Table

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

_UNSTORABLE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # not in XML 1.0

RESULT_COLUMNS = ("status", "{app_ref}", "message", "screenshots")


RESULTS_COPY = "results.xlsx"  # every run's own copy, in its recording


def default_output_path(input_path: Path, *, dry_run: bool = False) -> Path:
    """``<input>.results.xlsx`` beside the input; a dry run's never replaces a real run's."""
    kind = "dry-run" if dry_run else "results"
    return input_path.with_name(f"{input_path.stem}.{kind}.xlsx")


def write_results(path: Path, table: Table, results: Mapping[int, ItemResult], app_ref_label: str) -> Path:
    """Write every input row, in file order, with its outcome. The input is not touched."""
    if path.resolve() == table.path.resolve():
        raise ValueError(f"refusing to overwrite the input file {path}")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("results")
    extra = [c.format(app_ref=app_ref_label) for c in RESULT_COLUMNS]
    header = [*table.headers, *extra]
    sheet.append([_cell(sheet, v) for v in header])
    for row in table.rows:
        result = results.get(row.number)
        outcome = (
            [result.status.value, result.app_ref, result.message, result.shots]
            if result else ["", None, "no outcome recorded", ""]
        )
        sheet.append([_cell(sheet, v) for v in [*row.cells, *outcome]])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    workbook.save(tmp)
    tmp.replace(path)
    return path


def _cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    """Text goes in as text. openpyxl would store "=HYPERLINK(...)" as a live formula and
    "#N/A" as an error value, so an input cell could run when the results are opened (CWE-1236)."""
    if not isinstance(value, str):
        return value
    # XML 1.0 cannot hold control characters, surrogates, U+FFFE or U+FFFF: a workbook with one
    # does not open again. Keep the row and mark the character rather than fail the report.
    text = _UNSTORABLE.sub("\ufffd", value)
    if not text.startswith("=") and text not in ERROR_CODES:
        return text  # openpyxl stores any other text as text
    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"
    return cell
