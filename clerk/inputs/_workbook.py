"""The rows of a workbook's first sheet, read once in openpyxl's read-only mode.

Cells come with the values Excel saved (``data_only``). A formula saved without its value
(a file written by a program, never opened in a spreadsheet application) reads as an empty
cell; ``FormulaCells`` finds such formulas afterwards, only when a cell is reported empty.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook

from clerk._errors import InputFileError
from clerk.inputs._sniff import CFB_MAGIC, head, refuse_compound_file

RawRow = tuple[int, tuple[Any, ...]]


def _open(path: Path, *, values: bool = True) -> Workbook:
    if head(path) == CFB_MAGIC:
        refuse_compound_file(path)
    try:
        return load_workbook(path, read_only=True, data_only=values)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as err:
        raise InputFileError(f"{path}: not a readable .xlsx workbook ({err})") from err


def workbook_rows(path: Path) -> Iterator[RawRow]:
    """(row number, cells) of the first sheet from its first non-blank row on, streamed.

    Raises:
        InputFileError: not a workbook, a password-protected one, or its first sheet is
            empty (naming the sheet that holds the data, when another one does).
    """
    workbook = _open(path)
    try:
        sheets = workbook.worksheets
        started = False
        for number, cells in enumerate(sheets[0].iter_rows(values_only=True), start=1):
            if not started and all(_blank(c) for c in cells):
                continue
            started = True
            yield number, cells
        if not started:
            _refuse_empty_first_sheet(path, sheets)
    finally:
        workbook.close()


def _refuse_empty_first_sheet(path: Path, sheets: list[Any]) -> None:
    first = sheets[0].title
    for sheet in sheets[1:]:
        if any(not all(_blank(c) for c in cells) for cells in sheet.iter_rows(values_only=True)):
            raise InputFileError(
                f"{path}: the first sheet {first!r} is empty; the data is on sheet {sheet.title!r}. clerk reads "
                f"the first sheet only: move {sheet.title!r} to the front (or delete {first!r}) and save")


class FormulaCells:
    """Formulas of chosen columns of the first sheet, read on first use (a second pass)."""

    def __init__(self, path: Path, columns: Mapping[str, int]) -> None:
        self._path = path
        self._columns = columns
        self._found: dict[tuple[int, int], str] | None = None

    def at(self, row: int, field_name: str) -> str | None:
        """The formula in ``field_name``'s column of sheet row ``row``, if the cell holds one."""
        column = self._columns.get(field_name)
        if column is None:
            return None
        if self._found is None:
            self._found = self._read()
        return self._found.get((row, column))

    def _read(self) -> dict[tuple[int, int], str]:
        wanted = set(self._columns.values())
        found: dict[tuple[int, int], str] = {}
        workbook = _open(self._path, values=False)
        try:
            for number, cells in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
                for column in wanted:
                    value = cells[column] if column < len(cells) else None
                    if isinstance(value, str) and value.startswith("="):
                        found[(number, column)] = value
        finally:
            workbook.close()
        return found


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())
