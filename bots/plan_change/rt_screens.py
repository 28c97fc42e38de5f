"""RT screens for plan changes: the queue's spreadsheet, a ticket's page and its comment form."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from clerk import ApplicationError, BusinessError, ConfigError

from ..apps.rt import RequestTracker

_KINDS = (
    ("Ticket created", "create"),
    ("Correspondence added", "correspond"),
    ("Comments added", "comment"),
    ("Status changed", "status"),
)
OPEN_STATUSES = ("new", "open")


@dataclass(frozen=True, slots=True)
class Transaction:
    id: int
    kind: str  # create | correspond | comment | status | other
    body: str


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket as its display page shows it, history included."""

    id: int
    subject: str
    status: str
    transactions: tuple[Transaction, ...]

    def request_text(self) -> str:
        """What the requestor wrote: the subject, the creating message and any correspondence."""
        bodies = [t.body for t in self.transactions if t.kind in ("create", "correspond")]
        return "\n".join([self.subject, *bodies])

    def after(self, transaction_id: int) -> tuple[Transaction, ...]:
        return tuple(t for t in self.transactions if t.id > transaction_id)


def _kind(description: str) -> str:
    return next((kind for words, kind in _KINDS if words in description), "other")


class QueueSearch:
    """Search/Results.html for a queue's open tickets, downloaded as RT's own Results.tsv."""

    def __init__(self, rt: RequestTracker) -> None:
        self.rt = rt

    def download(self, queue: str, extra: str, target: Path) -> Path:
        """Save the spreadsheet of ``queue``'s new and open tickets to ``target``.

        Raises:
            ConfigError: the queue name cannot be used in a search.
        """
        if not re.fullmatch(r"[\w .\-]+", queue):
            raise ConfigError(f"RT queue name {queue!r} has characters a ticket search cannot hold")
        query = f"Queue = '{queue}' AND (Status = 'new' OR Status = 'open')"
        if extra.strip():
            query += f" AND ({extra.strip()})"
        self.rt.open("/Search/Results.html?" + urllib.parse.urlencode(
            {"Query": query, "OrderBy": "id", "Order": "ASC"}), "search.more")
        self.rt.web.hover("search.more")
        return self.rt.web.download("search.spreadsheet", target)


class TicketPage:
    """Ticket/Display.html: status and history (loaded by AJAX after the page)."""

    def __init__(self, rt: RequestTracker) -> None:
        self.rt = rt
        self.web = rt.web

    def read(self, ticket_id: int, *, fresh: bool = False) -> TicketView:
        """The ticket as shown; reuses the page already open on it unless ``fresh``.

        Raises:
            BusinessError: RT cannot show the ticket (no such ticket, or no right to see it).
        """
        if fresh or not self.showing(ticket_id):
            seen = self.rt.open(f"/Ticket/Display.html?id={ticket_id}", "ticket.status", "ticket.not_found")
            if seen == "ticket.not_found":
                raise BusinessError(f"RT ticket {ticket_id} does not exist or the bot may not see it",
                                    code="RT_NO_TICKET")
        self.web.wait("ticket.history.loaded")
        heading = self.web.text("ticket.heading")
        return TicketView(
            id=ticket_id,
            subject=re.sub(r"^#\d+:\s*", "", heading),
            status=self.web.text("ticket.status"),
            transactions=tuple(self._transactions()),
        )

    def showing(self, ticket_id: int) -> bool:
        """Whether the page on screen is this ticket's display page."""
        url = self.web.url
        return bool(re.search(rf"/Ticket/Display\.html\?id={ticket_id}(?:\D|$)", url)) and \
            self.web.count("ticket.status") == 1

    def _transactions(self) -> list[Transaction]:
        web = self.web
        ids = web.evaluate("els => els.map(e => e.dataset.transactionId)", on="ticket.transactions", every=True)
        found = []
        for raw in ids:
            txn = int(raw)
            description = web.text("ticket.transaction.description", txn=txn)
            body = "\n".join(web.texts("ticket.transaction.body", txn=txn))
            found.append(Transaction(id=txn, kind=_kind(description), body=body))
        return found


class CommentForm:
    """Ticket/Update.html?Action=Comment: an internal comment (never mailed to the
    requestor) and a status change, submitted together."""

    def __init__(self, rt: RequestTracker) -> None:
        self.rt = rt
        self.web = rt.web

    def fill(self, ticket_id: int, text: str, status: str, *, current_status: str) -> None:
        """Open the form, choose ``status`` and type ``text`` (empty: a status change alone)."""
        web = self.web
        self.rt.open(f"/Ticket/Update.html?Action=Comment;id={ticket_id}", "update.submit")
        if web.value("update.type_value") != "private":
            raise ApplicationError(f"rt: the update form of ticket {ticket_id} is not a comment")
        if status != current_status:
            web.click("update.status_toggle")
            web.click("update.status_option", status=status)
        if web.value("update.status_value") not in ((status, "") if status == current_status else (status,)):
            raise ApplicationError(f"rt: could not choose the status {status!r} for ticket {ticket_id}")
        if text:
            web.wait("update.editor")
            web.fill("update.editor", text)

    def submit(self, ticket_id: int) -> None:
        """Update Ticket, and wait for the ticket's page: RT redirects to it after the update."""
        self.web.click("update.submit")
        self.web.wait("ticket.status")
        if not TicketPage(self.rt).showing(ticket_id):
            raise ApplicationError(f"rt: after Update Ticket the browser shows {self.web.url}, "
                                   f"not ticket {ticket_id}")
