"""Read a ticket export (RT's Results.tsv, a Jira or Zendesk CSV/TSV/XLSX) into a Table.

Every ticketing tool names its columns differently, so a TicketFormat maps the fields a
ticket bot reads (``ticket``, ``subject``, ``description``, ``account``, ``plan``) onto
the headers of one tool's export. Formats come from configuration; ``read_ticket_export``
picks the one that fits the file's header row, or the one it is told to use.

Each row of the resulting Table also carries the field ``system`` (for example "RT"),
so a bot knows whose ticket id it holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clerk._errors import ConfigError, InputFileError
from clerk.inputs._sniff import check_is_file
from clerk.inputs._table import (
    RowLayout,
    SourceRow,
    Table,
    _blank,
    _match_columns,
    _raw_rows,
    normalize_header,
    refuse_ambiguous_columns,
)

TICKET_FIELDS = ("ticket", "subject", "description", "account", "plan")
SYSTEM_FIELD = "system"


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketFormat:
    """The columns of one ticketing tool's export.

    ``description_optional`` is for systems the bot can read the request from itself
    (RT): their exports need only the ticket id.

    Example:
        TicketFormat(name="jira", system="Jira", columns={"ticket": ("Issue key",),
                     "description": ("Description",)})
    """

    name: str
    system: str
    columns: Mapping[str, tuple[str, ...]]
    description_optional: bool = False

    def missing(self, found: Iterable[str]) -> str | None:
        """What a header lacks for this format, in words; None when it is usable."""
        found = set(found)
        if "ticket" not in found:
            return f"no ticket id column ({_names(self.columns.get('ticket', ()), 'ticket')})"
        if self.description_optional or "description" in found or {"account", "plan"} <= found:
            return None
        return (f"neither a description column ({_names(self.columns.get('description', ()), 'description')}) "
                "nor both account and plan columns")


def _names(aliases: Sequence[str], field: str) -> str:
    return " or ".join(repr(a) for a in (*aliases, field))


def ticket_formats(config: Mapping[str, Any]) -> list[TicketFormat]:
    """Build the formats from configuration, in the order they are written.

    ``config`` maps a format name to a table such as
    ``{"system": "Jira", "ticket": ["Issue key"], "description": ["Description"]}``.

    Raises:
        ConfigError: a format has no system, an unknown field, or a column list that is
            not a list of header names.

    Example:
        ticket_formats(settings.bot("plan_change")["exports"])
    """
    formats = []
    for name, table in config.items():
        where = f"ticket export format {name!r}"
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where}: expected a table of column names")
        system = table.get("system")
        if not isinstance(system, str) or not system.strip():
            raise ConfigError(f"{where}: 'system' must name the ticketing system, e.g. \"RT\"")
        unknown = set(table) - {*TICKET_FIELDS, "system", "description_optional"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
                              f"the fields are {', '.join(TICKET_FIELDS)}")
        columns: dict[str, tuple[str, ...]] = {}
        for field in TICKET_FIELDS:
            aliases = table.get(field, [])
            if isinstance(aliases, str):
                aliases = [aliases]
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                raise ConfigError(f"{where}: {field} must be a list of header names")
            columns[field] = tuple(aliases)
        formats.append(TicketFormat(name=str(name), system=system.strip(), columns=columns,
                                    description_optional=bool(table.get("description_optional", False))))
    return formats


def read_ticket_export(path: Path, formats: Sequence[TicketFormat], *, choice: str = "auto",
                       allow_empty: bool = False) -> Table:
    """Read ``path`` with the format named ``choice``, or with the best fit for ``auto``.

    The best fit is the usable format whose columns match the most headers, a header the
    format lists counting more than one that merely equals a field name; a tie is an error,
    because guessing whose ticket ids these are would be unsafe.

    Raises:
        InputFileError: the file cannot be read, no format fits it, the fit is ambiguous,
            or it has no data rows (unless ``allow_empty``).
        ConfigError: ``choice`` names no configured format.

    Example:
        table = read_ticket_export(Path("Results.tsv"), formats, choice="rt")
    """
    check_is_file(path)
    rows = list(_raw_rows(path))
    if not rows or all(_blank(h) for h in rows[0][1]):
        raise InputFileError(f"{path}: the file is empty (no header row)")
    header_number, header = rows[0]
    headers = tuple("" if h is None else str(h).strip() for h in header)
    fmt, positions = _choose(path, headers, formats, choice)
    refuse_ambiguous_columns(path, headers, fmt.columns)
    table_rows = []
    layout = RowLayout(positions={field: i for field, i in positions.items() if field != SYSTEM_FIELD},
                       constants={SYSTEM_FIELD: fmt.system})
    for number, cells in rows[1:]:
        if all(_blank(c) for c in cells):
            continue
        padded = tuple(cells) + (None,) * (len(headers) - len(cells))
        table_rows.append(SourceRow(number, padded[: len(headers)], layout))
    if not table_rows and not allow_empty:
        raise InputFileError(f"{path}: the file has a header row (row {header_number}) but no tickets")
    mapped = {field: headers[i] for field, i in positions.items()}
    return Table(path=path, headers=headers, columns=mapped, rows=table_rows)


def _choose(path: Path, headers: Sequence[str], formats: Sequence[TicketFormat],
            choice: str) -> tuple[TicketFormat, dict[str, int]]:
    if not formats:
        raise ConfigError("no ticket export formats are configured")
    if choice != "auto":
        fmt = next((f for f in formats if f.name == choice), None)
        if fmt is None:
            raise ConfigError(f"unknown ticket export format {choice!r}; configured: "
                              f"{', '.join(f.name for f in formats)} (or auto)")
        positions = _match_columns(path, headers, fmt.columns, ())
        if problem := fmt.missing(positions):
            raise InputFileError(f"{path}: not a {fmt.name} export: {problem}; columns found: {_found(headers)}")
        return fmt, positions
    candidates = []
    reasons = []
    for fmt in formats:
        positions = _match_columns(path, headers, fmt.columns, ())
        problem = fmt.missing(positions)
        if problem:
            reasons.append(f"{fmt.name}: {problem}")
        else:
            candidates.append((_score(fmt, headers, positions), fmt, positions))
    if not candidates:
        raise InputFileError(f"{path}: no ticket export format fits its header row ({'; '.join(reasons)}); "
                             f"columns found: {_found(headers)}")
    best = max(score for score, _, _ in candidates)
    winners = [(fmt, positions) for score, fmt, positions in candidates if score == best]
    if len(winners) > 1:
        names = ", ".join(fmt.name for fmt, _ in winners)
        raise InputFileError(f"{path}: the header row fits several ticket export formats equally well ({names}); "
                             "choose one with the setting export_format")
    return winners[0]


def _score(fmt: TicketFormat, headers: Sequence[str], positions: Mapping[str, int]) -> int:
    """Two points for a header the format lists, one for a header that merely equals a field name."""
    return sum(2 if normalize_header(headers[i]) in {normalize_header(a) for a in fmt.columns.get(field, ())} else 1
               for field, i in positions.items())


def _found(headers: Sequence[str]) -> str:
    return ", ".join(repr(h) for h in headers if h) or "none"
