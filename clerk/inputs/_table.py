"""Read a spreadsheet or delimited export into a Table of SourceRows.

Headers are matched to field names regardless of case and spacing, extra columns are
kept only for echoing into the results workbook, and fully blank rows are dropped. The
input file is opened read-only and never written.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from clerk._errors import InputFileError

ColumnMap = Mapping[str, Sequence[str]]
"""Field name -> header names that may hold it (the field name itself is always accepted)."""

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
DELIMITED_SUFFIXES = {".csv": ",", ".tsv": "\t"}


def normalize_header(header: Any) -> str:
    return re.sub(r"[\s_\-]+", "", str(header or "")).casefold()


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One non-blank data row. ``number`` is the row number a person sees in the file."""

    number: int
    values: Mapping[str, Any]
    cells: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Table:
    path: Path
    headers: tuple[str, ...]
    columns: Mapping[str, str]  # field name -> header as written in the file
    rows: list[SourceRow] = field(default_factory=list)

    def column_of(self, field_name: str) -> str:
        return self.columns.get(field_name, field_name)


def read_table(path: Path, columns: ColumnMap, *, required: Sequence[str]) -> Table:
    """Read ``path`` and map its headers onto ``columns``.

    Raises:
        InputFileError: the file is missing, not a spreadsheet, empty, or lacks a
            required column. The message names the file and what is wrong.
    """
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    raw_rows = _raw_rows(path)
    header_number, header = next(raw_rows, (0, ()))
    if not any(header):
        raise InputFileError(f"{path}: the file is empty (no header row)")
    headers = tuple("" if h is None else str(h).strip() for h in header)
    positions = _match_columns(path, headers, columns, required)
    rows = []
    for number, cells in raw_rows:
        if all(_blank(c) for c in cells):
            continue
        padded = tuple(cells) + (None,) * (len(headers) - len(cells))
        values = {name: padded[i] for name, i in positions.items()}
        rows.append(SourceRow(number=number, values=values, cells=padded[: len(headers)]))
    if not rows:
        raise InputFileError(f"{path}: the file has a header row (row {header_number}) but no data rows")
    mapped = {name: headers[i] for name, i in positions.items()}
    return Table(path=path, headers=headers, columns=mapped, rows=rows)


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


def _raw_rows(path: Path) -> Iterator[tuple[int, tuple[Any, ...]]]:
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return _workbook_rows(path)
    if suffix in DELIMITED_SUFFIXES:
        return _delimited_rows(path, DELIMITED_SUFFIXES[suffix])
    if suffix == ".xls":
        raise InputFileError(f"{path}: the old .xls format is not supported; save it as .xlsx")
    raise InputFileError(f"{path}: not a spreadsheet (expected .xlsx, .csv or .tsv)")


def _workbook_rows(path: Path) -> Iterator[tuple[int, tuple[Any, ...]]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as err:
        raise InputFileError(f"{path}: not a readable .xlsx workbook ({err})") from err
    try:
        sheet = workbook.worksheets[0]
        rows = [
            (number, tuple(cells))
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()
    first = next((i for i, (_, cells) in enumerate(rows) if not all(_blank(c) for c in cells)), None)
    return iter(rows[first:] if first is not None else [])


def _delimited_rows(path: Path, delimiter: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputFileError(f"{path}: not a UTF-8 text file ({err.reason} at byte {err.start})") from err
    if "\x00" in text:
        raise InputFileError(f"{path}: not a text file (it contains NUL bytes)")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = [(number, tuple(cells)) for number, cells in enumerate(reader, start=1)]
    first = next((i for i, (_, cells) in enumerate(rows) if not all(_blank(c) for c in cells)), None)
    return iter(rows[first:] if first is not None else [])
