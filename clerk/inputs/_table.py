"""Read a spreadsheet or delimited export into a Table of SourceRows.

Headers are matched to field names regardless of case and spacing, extra columns are
kept only for echoing into the results workbook, and fully blank rows are dropped. The
input file is opened read-only and never written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from clerk._collector import collector_paused
from clerk._errors import InputFileError
from clerk.inputs._delimited import delimited_rows
from clerk.inputs._sniff import check_is_file
from clerk.inputs._workbook import FormulaCells, workbook_rows

ColumnMap = Mapping[str, Sequence[str]]
"""Field name -> header names that may hold it (the field name itself is always accepted)."""

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
DELIMITED_SUFFIXES = {".csv": ",", ".tsv": "\t"}


def normalize_header(header: Any) -> str:
    return re.sub(r"[\s_\-]+", "", str(header or "")).casefold()


@dataclass(frozen=True, slots=True)
class RowLayout:
    """Where the fields sit in the rows of one table; a single object shared by all its rows."""

    positions: Mapping[str, int]  # field name -> index in a row's cells
    constants: Mapping[str, Any] = field(default_factory=dict)  # field name -> a value not read from the cells


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One non-blank data row. ``number`` is the row number a person sees in the file; ``cells``
    are its cells in the file's column order, echoed into the results workbook.

    Example:
        row.value("vendor")
    """

    number: int
    cells: tuple[Any, ...]
    layout: RowLayout

    @classmethod
    def of_values(cls, number: int, values: Mapping[str, Any], cells: tuple[Any, ...] = ()) -> SourceRow:
        """A row given by its field values (one sent over a queue), with the cells to echo, if any."""
        return cls(number, cells, RowLayout(positions={}, constants=dict(values)))

    def value(self, field_name: str) -> Any:
        """The value of ``field_name`` in this row (None when the table has no such field)."""
        index = self.layout.positions.get(field_name)
        return self.cells[index] if index is not None else self.layout.constants.get(field_name)

    @property
    def values(self) -> dict[str, Any]:
        """Field name -> value, built on each call (a large file keeps no dict per row)."""
        return {**self.layout.constants, **{name: self.cells[i] for name, i in self.layout.positions.items()}}


@dataclass(frozen=True, slots=True)
class Table:
    path: Path
    headers: tuple[str, ...]
    columns: Mapping[str, str]  # field name -> header as written in the file
    rows: list[SourceRow] = field(default_factory=list)
    formulas: FormulaCells | None = None  # workbooks only

    def column_of(self, field_name: str) -> str:
        return self.columns.get(field_name, field_name)

    def uncalculated_formula(self, row: int, field_name: str) -> str | None:
        """The formula of a cell that reads as empty because it was saved without its value."""
        return self.formulas.at(row, field_name) if self.formulas is not None else None


def read_table(path: Path, columns: ColumnMap, *, required: Sequence[str]) -> Table:
    """Read ``path`` and map its headers onto ``columns``.

    Raises:
        InputFileError: the file is missing, not a spreadsheet, empty, lacks a required
            column or has two columns for one field. The message names the file, what is
            wrong and what to do.
    """
    check_is_file(path)
    with collector_paused():
        return _read(path, columns, required)


def _read(path: Path, columns: ColumnMap, required: Sequence[str]) -> Table:
    raw_rows = _raw_rows(path)
    header_number, header = next(raw_rows, (0, ()))
    if not any(header):
        raise InputFileError(f"{path}: the file is empty (no header row)")
    headers = tuple("" if h is None else str(h).strip() for h in header)
    positions = _match_columns(path, headers, columns, required)
    refuse_ambiguous_columns(path, headers, columns)
    rows = []
    width = len(headers)
    layout = RowLayout(positions=positions)
    for number, cells in raw_rows:
        if all(_blank(c) for c in cells):
            continue
        padded = tuple(cells[:width]) + (None,) * (width - len(cells))
        rows.append(SourceRow(number, padded, layout))
    if not rows:
        raise InputFileError(f"{path}: the file has a header row (row {header_number}) but no data rows")
    mapped = {name: headers[i] for name, i in positions.items()}
    formulas = FormulaCells(path, positions) if path.suffix.lower() in WORKBOOK_SUFFIXES else None
    return Table(path=path, headers=headers, columns=mapped, rows=rows, formulas=formulas)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _match_columns(
    path: Path, headers: Sequence[str], columns: ColumnMap, required: Sequence[str]
) -> dict[str, int]:
    by_header: dict[str, int] = {}
    for i, h in enumerate(headers):
        by_header.setdefault(normalize_header(h), i)
    positions: dict[str, int] = {}
    for name, aliases in columns.items():
        for candidate in (name, *aliases):
            index = by_header.get(normalize_header(candidate))
            if index is not None:
                positions[name] = index
                break
    missing = [name for name in required if name not in positions]
    if missing:
        found = ", ".join(repr(h) for h in headers if h) or "none"
        raise InputFileError(
            f"{path}: missing column(s) {', '.join(missing)} in the header row; columns found: {found}"
        )
    return positions


def refuse_ambiguous_columns(path: Path, headers: Sequence[str], columns: ColumnMap) -> None:
    """Two columns that could both hold one field (the same header twice, or a field and its
    alias) leave clerk to guess which one is meant; it refuses instead.

    Raises:
        InputFileError: naming the field, both columns by letter and header, and what to do.
    """
    for name, aliases in columns.items():
        accepted = {normalize_header(candidate) for candidate in (name, *aliases)}
        matching = [i for i, h in enumerate(headers) if h and normalize_header(h) in accepted]
        if len(matching) > 1:
            which = " and ".join(f"{get_column_letter(i + 1)} ({headers[i]!r})" for i in matching)
            raise InputFileError(f"{path}: columns {which} can both hold {name}; clerk will not guess which "
                                 "one is meant: rename or delete all but one of them")


def _raw_rows(path: Path) -> Iterator[tuple[int, tuple[Any, ...]]]:
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return workbook_rows(path)
    if suffix in DELIMITED_SUFFIXES:
        return delimited_rows(path, DELIMITED_SUFFIXES[suffix])
    if suffix == ".xls":
        raise InputFileError(f"{path}: the old .xls format is not supported; save it as .xlsx")
    raise InputFileError(f"{path}: not a spreadsheet (expected .xlsx, .csv or .tsv)")
