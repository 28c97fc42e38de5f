"""A plan-change ticket, as a row of a ticket export or of the live RT queue.

The fields come from clerk's ticket-export reader (``ticket``, ``subject``,
``description``, ``account``, ``plan`` and the ``system`` the ids belong to). A row is
only invalid when it has no usable ticket id: everything else about a request (no
account, an unknown plan...) is a refusal the bot records on the ticket itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clerk import ItemSchema, RowReader

RT_SYSTEM = "rt"


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanTicket:
    system: str  # "RT", "Jira", "Zendesk"...: whose ticket id this is
    ticket: str  # the id as that system writes it: "12", "OPS-7"
    subject: str
    description: str  # the request text from the export; RT tickets are read from RT
    account: str  # explicit columns of the export, when it has them
    plan: str

    @property
    def in_rt(self) -> bool:
        return self.system.casefold() == RT_SYSTEM

    @property
    def rt_id(self) -> int:
        return int(self.ticket)

    @property
    def label(self) -> str:
        """Names the ticket in messages, notes and comments: "RT ticket 12"; also its
        unique reference, so each ticket is worked at most once."""
        return f"{self.system} ticket {self.ticket}"


def parse_ticket(row: RowReader) -> PlanTicket:
    system = row.text("system")
    ticket = row.text("ticket", max_length=64)
    if ticket and system.casefold() == RT_SYSTEM:
        digits = ticket.lstrip("#")
        if not re.fullmatch(r"\d{1,9}", digits):
            row.fail("ticket", f"{ticket!r} is not an RT ticket number")
        ticket = digits
    return PlanTicket(
        system=system,
        ticket=ticket,
        subject=row.text("subject", required=False),
        description=row.text("description", required=False),
        account=row.text("account", required=False, max_length=32),
        plan=row.text("plan", required=False, max_length=32),
    )


SCHEMA = ItemSchema(columns={}, required=(), parse=parse_ticket)
"""Columns come from the configured ticket export formats, not from the schema."""
