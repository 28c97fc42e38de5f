"""Readers that turn input files into rows the engine can validate."""

from __future__ import annotations

from clerk.inputs._table import ColumnMap, RowLayout, SourceRow, Table, normalize_header, read_table
from clerk.inputs._tickets import TicketFormat, read_ticket_export, ticket_formats

__all__ = [
    "ColumnMap", "RowLayout", "SourceRow", "Table", "TicketFormat", "normalize_header", "read_table",
    "read_ticket_export", "ticket_formats",
]
