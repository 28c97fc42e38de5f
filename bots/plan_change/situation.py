"""Where a ticket stands, read from both applications before anything is written.

The bot never trusts its own ledger alone: a run may have died after billing was
changed but before RT was told, or the ledger may be new. So each attempt reads the
ticket's RT history and the customer's LedgerSMB notes for the ticket's marker, and
decides from what the applications actually show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from clerk import BusinessError

from .billing_screens import Contacts, CreditAccount
from .extract import AccountForm, Refusal, Request, extract_request
from .model import PlanTicket
from .plans import PlanCatalogue
from .records import Kind, NoteRecord, Outcome, find_note, read_outcome
from .rt_screens import OPEN_STATUSES, TicketView


class Billing(StrEnum):
    CHANGE = "change"  # write the note, then save the new plan
    SAVE_ONLY = "save_only"  # our note is there but the plan is still the old one
    DONE = "done"  # our note is there and the plan is the new one
    NO_CHANGE = "no_change"  # already on the requested plan, and not by our doing


@dataclass(frozen=True, slots=True)
class RtRecord:
    """Our latest comment on the ticket and what followed it."""

    outcome: Outcome
    resolved_after: bool  # a status change came after it (ours, or a person's)
    answered_after: bool  # the requestor wrote again after it


def rt_record(ticket: PlanTicket, view: TicketView) -> RtRecord | None:
    for txn in reversed(view.transactions):
        if txn.kind != "comment":
            continue
        outcome = read_outcome(ticket.label, txn.body)
        if outcome is not None:
            later = view.after(txn.id)
            return RtRecord(outcome=outcome,
                            resolved_after=any(t.kind == "status" for t in later),
                            answered_after=any(t.kind == "correspond" for t in later))
    return None


def settled_in_rt(ticket: PlanTicket, view: TicketView, record: RtRecord | None) -> RtRecord | None:
    """The record that settles the ticket in RT, if any.

    Raises:
        BusinessError: our refusal is on the ticket and the requestor has not answered it,
            or the ticket is closed and was never ours.
    """
    if record is not None and record.outcome.kind is not Kind.REFUSED:
        if view.status == "resolved" or record.resolved_after:
            return record
        return None  # commented, but the status change did not happen: finish it
    if record is not None and not record.answered_after:
        raise BusinessError(f"{ticket.label}: refused earlier and already commented in RT: "
                            f"{record.outcome.summary}", code="ALREADY_REFUSED")
    if view.status not in OPEN_STATUSES:
        raise BusinessError(f"{ticket.label} is {view.status}; only new or open tickets are worked",
                            code="RT_TICKET_NOT_OPEN")
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Situation:
    ticket: PlanTicket
    request: Request
    account: CreditAccount | None = None
    plan: str = ""  # the requested plan as billing spells it
    note: NoteRecord | None = None
    billing: Billing | None = None
    refusal: Refusal | None = None


def request_of(ticket: PlanTicket, view: TicketView | None, contacts: Contacts, plans: PlanCatalogue,
               form: AccountForm) -> Request:
    text = view.request_text() if view is not None else f"{ticket.subject}\n{ticket.description}"
    return extract_request(text, plans, form, account=ticket.account, plan=ticket.plan, known=contacts.exists)


def assess_billing(contacts: Contacts, ticket: PlanTicket, request: Request, today: dt.date) -> Situation:
    """Read the customer's credit account and decide the billing step (or the refusal).

    A plan billing does not offer is refused only once the account is known to be an open
    customer's: a ticket for an unknown or closed account is refused for that first."""
    refusal = request.refusal(unless=("UNKNOWN_PLAN",))
    if refusal is not None:
        return Situation(ticket=ticket, request=request, refusal=refusal)
    account = contacts.open_account(request.account)
    if account is None or account.kind.casefold() != "customer":
        what = "no customer" if account is None else f"only a {account.kind.lower()} account"
        return Situation(ticket=ticket, request=request, account=account, refusal=Refusal(
            "UNKNOWN_ACCOUNT", f"billing has {what} with the account number {request.account}"))
    note = find_note(ticket.label, list(account.notes))
    if note is not None:
        return _with_note(ticket, request, account, note)
    if account.closed_on(today):
        return Situation(ticket=ticket, request=request, account=account, refusal=Refusal(
            "ACCOUNT_CLOSED", f"account {account.account} is closed (end date {account.end_date})"))
    refusal = request.refusal()
    if refusal is not None:
        return Situation(ticket=ticket, request=request, account=account, refusal=refusal)
    billing = Billing.NO_CHANGE if account.plan == request.plan else Billing.CHANGE
    return Situation(ticket=ticket, request=request, account=account, plan=request.plan, billing=billing)


def _with_note(ticket: PlanTicket, request: Request, account: CreditAccount, note: NoteRecord) -> Situation:
    """Our note says this ticket's change was started: the plan tells how far it got."""
    if account.plan == note.new_plan:
        billing = Billing.DONE
    elif account.plan == note.old_plan:
        billing = Billing.SAVE_ONLY
    else:
        raise BusinessError(
            f"{ticket.label}: billing shows plan {account.plan or '(none)'} on account {account.account}, but "
            f"clerk's note of {note.entered_at} records a change from {note.old_plan or '(none)'} to "
            f"{note.new_plan}; someone changed it since. Check it by hand", code="PLAN_CHANGED_MEANWHILE")
    return Situation(ticket=ticket, request=request, account=account, plan=note.new_plan, note=note,
                     billing=billing)

