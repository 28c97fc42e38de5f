"""Work items: input rows parsed into typed items, or into problems that name the cell.

A bot describes its rows with an ItemSchema; ``parse`` reads cells through a RowReader,
which collects every cell error of the row instead of stopping at the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar

from clerk import _fields
from clerk._collector import collector_paused
from clerk.inputs import SourceRow, Table

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one item cannot be entered, said in terms of the input file."""

    file: str
    row: int
    column: str | None
    reason: str

    def reason_with_column(self) -> str:
        return f"column {self.column!r}: {self.reason}" if self.column else self.reason

    def __str__(self) -> str:
        where = f"{self.file} row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        return f"{where}: {self.reason}"


class RowReader:
    """Typed access to one row's cells; each failure becomes a Problem for that column."""

    __slots__ = ("_row", "_table", "_window", "problems")

    def __init__(self, row: SourceRow, table: Table, *, window: _fields.DateWindow | None = None) -> None:
        self._row = row
        self._table = table
        self._window = window
        self.problems: list[Problem] = []

    def fail(self, field_name: str | None, reason: str) -> None:
        column = self._table.column_of(field_name) if field_name else None
        self.problems.append(Problem(self._table.path.name, self._row.number, column, reason))

    def raw(self, field_name: str) -> Any:
        return self._row.value(field_name)

    # Each reader calls its parser itself: these run for every cell of a large file.
    def text(self, field_name: str, *, required: bool = True, max_length: int | None = None,
             single_line: bool = False) -> str:
        raw = self.raw(field_name)
        try:
            return _fields.text(raw, required=required, max_length=max_length, single_line=single_line)
        except _fields.FieldError as err:
            return self._refused(field_name, raw, err)  # type: ignore[no-any-return]

    def date(self, field_name: str) -> dt.date:
        """A date inside the run's date window (see ``DateWindow``)."""
        raw = self.raw(field_name)
        try:
            return _fields.date(raw, window=self._window)
        except _fields.FieldError as err:
            return self._refused(field_name, raw, err)  # type: ignore[no-any-return]

    def money(self, field_name: str, *, places: int = 2) -> Decimal:
        raw = self.raw(field_name)
        try:
            return _fields.money(raw, places=places)
        except _fields.FieldError as err:
            return self._refused(field_name, raw, err)  # type: ignore[no-any-return]

    def code(self, field_name: str, *, pattern: str, description: str) -> str:
        raw = self.raw(field_name)
        try:
            return _fields.code(raw, pattern=pattern, description=description)
        except _fields.FieldError as err:
            return self._refused(field_name, raw, err)  # type: ignore[no-any-return]

    def _refused(self, field_name: str, raw: Any, err: _fields.FieldError) -> Any:
        """Record the cell's problem; the reader returns None for it."""
        formula = self._table.uncalculated_formula(self._row.number, field_name) if _fields.is_blank(raw) else None
        self.fail(field_name, _never_calculated(formula) if formula else str(err))
        return None


def _never_calculated(formula: str) -> str:
    return (f"holds the formula {formula} saved without its value (it was never calculated): open the file in "
            "Excel or LibreOffice, let it calculate, and save it again")


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemSchema(Generic[T]):
    """The columns a bot reads and how a row becomes an item.

    Example:
        ItemSchema(columns={"vendor": ("supplier",)}, required=("vendor",), parse=parse_invoice)
    """

    columns: Mapping[str, Sequence[str]]
    required: Sequence[str]
    parse: Callable[[RowReader], T]


@dataclass(slots=True)
class WorkItem(Generic[T]):
    row: SourceRow
    data: T | None
    reference: str | None
    file: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)  # field name -> header as written
    problems: list[Problem] = field(default_factory=list)

    def column(self, field_name: str) -> str:
        return self.headers.get(field_name, field_name)

    def problem(self, field_name: str | None, reason: str) -> Problem:
        """A Problem for this item's row, naming the column as the file writes it."""
        return Problem(self.file, self.row.number, self.column(field_name) if field_name else None, reason)

    @property
    def key(self) -> str:
        return f"row-{self.row.number:05d}"

    @property
    def valid(self) -> bool:
        return not self.problems


def parse_items(table: Table, schema: ItemSchema[T], reference: Callable[[T], str], *,
                window: _fields.DateWindow | None = None) -> list[WorkItem[T]]:
    """Parse every row, then mark rows whose reference repeats an earlier row. Dates outside
    ``window`` (when given) are problems of their cell."""
    with collector_paused():
        return _parse_rows(table, schema, reference, window)


def _parse_rows(table: Table, schema: ItemSchema[T], reference: Callable[[T], str],
                window: _fields.DateWindow | None) -> list[WorkItem[T]]:
    items: list[WorkItem[T]] = []
    first_row_of: dict[str, int] = {}
    file, headers = table.path.name, table.columns
    for row in table.rows:
        reader = RowReader(row, table, window=window)
        data = schema.parse(reader)
        if reader.problems:
            items.append(WorkItem(row=row, data=None, reference=None, problems=reader.problems, file=file,
                                  headers=headers))
            continue
        ref = reference(data)
        item = WorkItem(row=row, data=data, reference=ref, file=file, headers=headers)
        if ref in first_row_of:
            item.problems.append(Problem(file, row.number, None,
                                         f"duplicate of row {first_row_of[ref]} (same {ref})"))
        else:
            first_row_of[ref] = row.number
        items.append(item)
    return items
