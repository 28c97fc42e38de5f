"""Readers that turn input files into rows the engine can validate."""

from __future__ import annotations

from clerk.inputs._table import ColumnMap, SourceRow, Table, normalize_header, read_table

__all__ = ["ColumnMap", "SourceRow", "Table", "normalize_header", "read_table"]
