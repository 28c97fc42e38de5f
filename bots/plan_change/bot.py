"""plan_change: service plan changes asked for in tickets, made in billing and recorded.

Input: the new and open tickets of RT's PlanChanges queue (no --input; --queue picks
another queue), or a ticket export (--input): RT's Results.tsv, or a Jira / Zendesk
CSV, TSV or XLSX whose columns are mapped in ``[bots.plan_change.exports.*]``.

For each ticket: find the account number and the plan code in the request; check in
LedgerSMB (the billing system) that a customer has that account number, that its credit
account is open and that a price group has that name; write a note on the customer
naming the ticket and both plans, change the price group, and read both back. For an
RT ticket, then add an internal comment (old plan, new plan, billing reference) and
resolve it, and read that back too. Tickets from other systems are recorded in the
results file only.

Postconditions: the plan is changed at most once per ticket and each ticket gets at
most one comment for one request, even across crashes: every note and comment carries
the marker ``[clerk plan_change <system> ticket <id>]`` and each attempt reads both
applications for it first (see situation.py).

Business errors (never retried): NO_ACCOUNT, NO_PLAN, BAD_ACCOUNT, AMBIGUOUS_REQUEST,
UNKNOWN_ACCOUNT, ACCOUNT_CLOSED, UNKNOWN_PLAN (each commented on the RT ticket, which
is left open), ALREADY_REFUSED (that comment is already there), RT_TICKET_NOT_OPEN,
RT_NO_TICKET, AMBIGUOUS_ACCOUNT and PLAN_CHANGED_MEANWHILE (nothing written).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from clerk import App, ApplicationError, Bot, BusinessError, ConfigError, Found, Param, RunContext
from clerk.inputs import Table, TicketFormat, read_ticket_export, ticket_formats

from ..apps.rt import RequestTracker
from . import records
from .billing_screens import BillingSession, Contacts, CreditAccount, PriceGroups
from .extract import AccountForm
from .model import RT_SYSTEM, SCHEMA, PlanTicket
from .plans import PlanCatalogue
from .rt_screens import CommentForm, QueueSearch, TicketPage, TicketView
from .situation import (
    Billing,
    Situation,
    assess_billing,
    request_of,
    rt_record,
    settled_in_rt,
)

BILLING = "ledgersmb"
RT = "rt"


def _plans(ctx: RunContext) -> PlanCatalogue:
    """The plans billing offers, read once per billing session (so once per run)."""
    billing = ctx.app(BillingSession)
    if billing.plans is None:
        billing.plans = PlanCatalogue(PriceGroups(billing).offered())
        ctx.snap("price groups", BILLING)
        ctx.log.info("billing offers the plans {}", billing.plans.describe())
    return billing.plans


# ---------------------------------------------------------------------- sources of work
def _formats(settings: Mapping[str, Any]) -> list[TicketFormat]:
    return ticket_formats(settings.get("exports", {}))


def file_source(path: Path, settings: Mapping[str, Any]) -> Table:
    """A ticket export, read with the configured column mapping."""
    return read_ticket_export(path, _formats(settings), choice=str(settings.get("export_format", "auto")))


def live_source(ctx: RunContext) -> Table:
    """The queue's new and open tickets, as RT's own spreadsheet export of the search.

    The file is kept in the run's recording folder: it shows which tickets the run saw.
    """
    settings = ctx.bot_settings
    formats = _formats(settings)
    rt_format = next((f.name for f in formats if f.system.casefold() == RT_SYSTEM), None)
    if rt_format is None:
        raise ConfigError("no ticket export format with system = \"RT\" is configured for the live queue")
    queue = str(settings.get("queue") or "PlanChanges")
    target = ctx.recording.folder / f"queue-{queue}-{dt.datetime.now():%Y%m%d-%H%M%S}.tsv"
    QueueSearch(ctx.app(RequestTracker)).download(queue, str(settings.get("ticket_filter", "")), target)
    ctx.snap("queue", RT)
    return read_ticket_export(target, formats, choice=rt_format, allow_empty=True)


# ---------------------------------------------------------------------- find / enter
def _read_ticket(ctx: RunContext, ticket: PlanTicket) -> TicketView:
    """The ticket's page, opened unless it is already on screen (find, then enter)."""
    page = TicketPage(ctx.app(RequestTracker))
    shown = page.showing(ticket.rt_id)
    view = page.read(ticket.rt_id)
    if not shown:
        ctx.snap("ticket", RT)
    return view


def _assess(ctx: RunContext, ticket: PlanTicket, view: TicketView | None) -> Situation:
    contacts = Contacts(ctx.app(BillingSession))
    request = request_of(ticket, view, contacts, _plans(ctx), AccountForm.of(ctx.bot_settings))
    shown = bool(request.account) and contacts.showing(request.account)
    situation = assess_billing(contacts, ticket, request, dt.date.today())
    if situation.account is not None and not shown:
        ctx.snap("account", BILLING)
    return situation


def find(ctx: RunContext, ticket: PlanTicket) -> Found | None:
    """Already settled? RT tickets: our final comment is on the ticket. Others: billing
    shows our finished change, or already has the requested plan."""
    view = None
    if ticket.in_rt:
        view = _read_ticket(ctx, ticket)
        record = settled_in_rt(ticket, view, rt_record(ticket, view))
        if record is not None:
            return Found(app_ref=record.outcome.summary, detail="recorded on the RT ticket")
        if not ctx.dry_run:
            return None  # enter reads billing anyway; no need to do it twice
    situation = _assess(ctx, ticket, view)
    if situation.refusal is not None and ctx.dry_run:
        raise BusinessError(f"{ticket.label}: would be refused: {situation.refusal.reason}",
                            code=situation.refusal.code)
    account = situation.account
    if not ticket.in_rt and account is not None and situation.billing is Billing.DONE:
        return Found(app_ref=_changed_summary(account, situation), detail="clerk's note is on the customer")
    if not ticket.in_rt and account is not None and situation.billing is Billing.NO_CHANGE:
        return Found(app_ref=records.no_change_summary(account.account, account.plan, account.reference))
    return None


def enter(ctx: RunContext, ticket: PlanTicket) -> str:
    """Refuse, or change the plan (note first), then comment and resolve in RT."""
    view = _read_ticket(ctx, ticket) if ticket.in_rt else None
    situation = _assess(ctx, ticket, view)
    if situation.refusal is not None:
        if view is not None:
            _post(ctx, ticket, view, records.refusal_comment(ticket.label, situation.refusal.reason), "open")
        raise BusinessError(f"{ticket.label}: {situation.refusal.reason}", code=situation.refusal.code)
    account = situation.account
    assert account is not None and situation.billing is not None
    if situation.billing in (Billing.CHANGE, Billing.SAVE_ONLY):
        account = _change_billing(ctx, situation)
    elif situation.billing is Billing.DONE:
        ctx.log.info("billing was already changed for {} (clerk's note of {}); completing the rest",
                     ticket.label, situation.note.entered_at if situation.note else "?")
    changed = situation.billing is not Billing.NO_CHANGE
    after = _finished(situation, account)
    summary = (_changed_summary(account, after) if changed
               else records.no_change_summary(account.account, account.plan, account.reference))
    if view is not None:
        earlier = rt_record(ticket, view)
        if earlier is not None and earlier.outcome.kind is not records.Kind.REFUSED:
            _post(ctx, ticket, view, "", "resolved")  # commented before; only the status is missing
        else:
            _post(ctx, ticket, view, _comment(ticket, account, after, changed), "resolved")
    return summary


def _finished(situation: Situation, account: CreditAccount) -> Situation:
    """The situation with the note as billing now shows it."""
    note = records.find_note(situation.ticket.label, list(account.notes))
    return Situation(ticket=situation.ticket, request=situation.request, account=account,
                     plan=situation.plan, note=note or situation.note, billing=situation.billing)


def _billing_ref(account: CreditAccount, situation: Situation) -> str:
    note = situation.note
    return f"{account.reference}, note of {note.entered_at}" if note else account.reference


def _changed_summary(account: CreditAccount, situation: Situation) -> str:
    old = situation.note.old_plan if situation.note else ""
    return records.change_summary(account.account, old, account.plan, _billing_ref(account, situation))


def _comment(ticket: PlanTicket, account: CreditAccount, situation: Situation, changed: bool) -> str:
    if not changed:
        return records.no_change_comment(ticket.label, account.account, account.customer, account.plan,
                                         account.reference)
    old = situation.note.old_plan if situation.note else ""
    return records.changed_comment(ticket.label, account.account, account.customer, old, account.plan,
                                   _billing_ref(account, situation))


def _change_billing(ctx: RunContext, situation: Situation) -> CreditAccount:
    """Note first, then the plan: a run that dies in between leaves a note the next run reads."""
    contacts = Contacts(ctx.app(BillingSession))
    before = situation.account
    assert before is not None
    label = situation.ticket.label
    if situation.billing is Billing.CHANGE:
        contacts.add_note(records.NOTE_SUBJECT, records.note_text(label, before.account, before.plan, situation.plan))
        ctx.snap("note added", BILLING)
    contacts.change_plan(situation.plan, before.end_date)
    ctx.snap("plan saved", BILLING)
    after = contacts.reload(before.account)
    ctx.snap("billing read back", BILLING)
    notes = [text for text, _ in after.notes if records.marker(label) in text]
    if after.plan != situation.plan or after.end_date != before.end_date or not notes:
        raise ApplicationError(
            f"{label}: billing reads back plan {after.plan or '(none)'}, end date {after.end_date}, "
            f"{len(notes)} note(s) for the ticket; expected {situation.plan}, {before.end_date}, one note")
    return after


def _post(ctx: RunContext, ticket: PlanTicket, view: TicketView, text: str, status: str) -> None:
    """Comment and set the status in one update, then check both on the ticket's page, which
    RT fetches afresh after the update (POST, redirect, GET)."""
    rt = ctx.app(RequestTracker)
    form = CommentForm(rt)
    form.fill(ticket.rt_id, text, status, current_status=view.status)
    ctx.snap("comment typed", RT)
    form.submit(ticket.rt_id)
    after = TicketPage(rt).read(ticket.rt_id)
    ctx.snap("ticket updated", RT)
    last_seen = max((t.id for t in view.transactions), default=0)
    commented = not text or any(t.kind == "comment" and records.same_text(text, t.body)
                                for t in after.after(last_seen))
    if after.status != status or not commented:
        raise ApplicationError(f"{ticket.label}: RT reads back status {after.status!r} "
                               f"{'with' if commented else 'without'} the comment; expected {status!r} with it")


BOT = Bot(
    name="plan_change",
    description="Plan-change tickets from RT (or a ticket export) made in LedgerSMB billing",
    apps={BILLING: App(session=BillingSession), RT: App(session=RequestTracker)},
    schema=SCHEMA,
    reference=lambda ticket: ticket.label,
    find=find,
    enter=enter,
    live_source=live_source,
    file_source=file_source,
    app_ref_label="billing_change",
    params=(Param(name="queue", help="The RT queue whose new and open tickets are worked (without --input)",
                  metavar="NAME"),),
)
