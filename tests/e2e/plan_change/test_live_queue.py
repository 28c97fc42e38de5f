"""The live RT queue: one run over every kind of ticket, then a rerun that changes nothing.

Each test checks one ticket in both applications: the customer's price group and notes
in LedgerSMB's database, and the ticket's status and history through RT's REST 2 API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.workbooks import read_results as results

from .conftest import (
    Billing,
    Clerk,
    ClerkResult,
    Customer,
    RtApi,
    latest_results,
    unused_account,
)

pytestmark = pytest.mark.e2e

MARK = "[clerk plan_change RT ticket {}]"


@dataclass
class QueueRun:
    tickets: dict[str, int]
    customers: dict[str, Customer]
    unknown_account: str
    first: ClerkResult
    first_results: dict[int, dict[str, Any]]
    second: ClerkResult
    second_results: dict[int, dict[str, Any]]


@pytest.fixture(scope="module")
def queue_run(rt: RtApi, billing: Billing, clerk: Clerk, tag: str) -> QueueRun:
    customers = {
        "structured": billing.customer("BASIC-10"),
        "free_text": billing.customer("PRO-100"),
        "closed": billing.customer("BIZ-50", end_date="2025-06-30"),
        "unknown_plan": billing.customer("BIZ-50"),
        "same_plan": billing.customer("ENT-500"),
        "note_written": billing.customer("BASIC-10"),
        "commented": billing.customer("BIZ-50"),
    }
    c = {name: customer.account for name, customer in customers.items()}
    unknown = unused_account()
    structured = "Account number: {}\nRequested plan code: {}\n"
    tickets = {
        "structured": rt.create_ticket(
            f"{tag} Plan change request for account {c['structured']}",
            f"Hello,\n\nPlease move our account to the Business 50 plan.\n\n"
            f"{structured.format(c['structured'], 'BIZ-50')}\nThanks,\nMaria Lopez\n"),
        "free_text": rt.create_ticket(
            f"{tag} Downgrade request",
            f"Dear team,\n\nour usage has dropped, please downgrade account {c['free_text']} to plan code "
            "BASIC-10.\n\nRegards,\nInitrode Accounts\n"),
        "no_account": rt.create_ticket(
            f"{tag} Question about my plan",
            "Hello, I would like to change my plan but I do not know my account number. Can you help?\n"),
        "unknown_account": rt.create_ticket(f"{tag} Change plan",
                                            structured.format(unknown, "PRO-100")),
        "closed": rt.create_ticket(f"{tag} Upgrade", structured.format(c["closed"], "PRO-100")),
        "unknown_plan": rt.create_ticket(f"{tag} Upgrade to gold", structured.format(c["unknown_plan"], "GOLD-1")),
        "same_plan": rt.create_ticket(f"{tag} Enterprise please", structured.format(c["same_plan"], "ENT-500")),
        "note_written": rt.create_ticket(f"{tag} Upgrade to Pro", structured.format(c["note_written"], "PRO-100")),
        "commented": rt.create_ticket(f"{tag} Business plan", structured.format(c["commented"], "BIZ-50")),
    }
    # an earlier run wrote its note and died before saving the plan (the note goes first)
    billing.add_note(c["note_written"], f"{MARK.format(tickets['note_written'])} Plan change from BASIC-10 to "
                                        f"PRO-100 for account {c['note_written']}, requested in "
                                        f"RT ticket {tickets['note_written']}.")
    # an earlier run changed billing and commented, but the ticket was not resolved
    ticket = tickets["commented"]
    billing.add_note(c["commented"], f"{MARK.format(ticket)} Plan change from BASIC-10 to BIZ-50 for account "
                                     f"{c['commented']}, requested in RT ticket {ticket}.")
    rt.comment(ticket, f"{MARK.format(ticket)} Plan changed: account {c['commented']} (x) moved from BASIC-10 "
                       "to BIZ-50.\nBilling reference: LedgerSMB credit account 1, note of 2026-11-23 10:00:00.")
    first = clerk.run()
    first_results = {int(row["id"]): row for row in results(latest_results(clerk.recordings))}
    second = clerk.run()
    second_results = {int(row["id"]): row for row in results(latest_results(clerk.recordings))}
    return QueueRun(tickets, customers, unknown, first, first_results, second, second_results)


def comments(rt: RtApi, ticket: int) -> list[str]:
    return [text for text in rt.comments(ticket) if MARK.format(ticket) in text]


def assert_changed(queue_run: QueueRun, rt: RtApi, name: str, old: str, new: str) -> None:
    ticket, account = queue_run.tickets[name], queue_run.customers[name].account
    assert Billing.plan(account) == new
    notes = Billing.notes(account)
    assert len(notes) == 1 and notes[0].startswith(f"{MARK.format(ticket)} Plan change from {old} to {new} ")
    assert rt.status(ticket) == "resolved"
    [comment] = comments(rt, ticket)
    assert f"account {account} " in comment and f"moved from {old} to {new}." in comment
    assert "Billing reference: LedgerSMB credit account " in comment
    assert "Correspond" not in rt.types(ticket)  # internal comments only, no reply to the customer
    row = queue_run.first_results[ticket]
    assert row["status"] == "done" and row["billing_change"].startswith(f"{account}: {old} -> {new} (")


def assert_refused(queue_run: QueueRun, rt: RtApi, name: str, reason: str) -> None:
    ticket = queue_run.tickets[name]
    assert rt.status(ticket) == "open"
    [comment] = comments(rt, ticket)
    assert f"Plan change refused: {reason}." in comment and "Billing was not changed." in comment
    row = queue_run.first_results[ticket]
    assert row["status"] == "invalid"
    assert row["message"] == f"RT ticket {ticket}: {reason}"
    customer = queue_run.customers.get(name)
    if customer is not None:
        assert Billing.notes(customer.account) == []


def test_structured_ticket_changes_the_plan_and_resolves_the_ticket(queue_run: QueueRun, rt: RtApi) -> None:
    assert_changed(queue_run, rt, "structured", "BASIC-10", "BIZ-50")


def test_free_text_ticket_is_understood(queue_run: QueueRun, rt: RtApi) -> None:
    assert_changed(queue_run, rt, "free_text", "PRO-100", "BASIC-10")


def test_note_written_before_a_crash_is_not_written_again(queue_run: QueueRun, rt: RtApi) -> None:
    assert_changed(queue_run, rt, "note_written", "BASIC-10", "PRO-100")


def test_a_comment_without_the_resolve_gets_only_the_status(queue_run: QueueRun, rt: RtApi) -> None:
    ticket, account = queue_run.tickets["commented"], queue_run.customers["commented"].account
    assert rt.status(ticket) == "resolved"
    assert len(comments(rt, ticket)) == 1
    assert Billing.plan(account) == "BIZ-50" and len(Billing.notes(account)) == 1
    row = queue_run.first_results[ticket]
    assert row["status"] == "done" and row["billing_change"].startswith(f"{account}: BASIC-10 -> BIZ-50 (")


def test_ticket_without_account_is_refused_and_left_open(queue_run: QueueRun, rt: RtApi) -> None:
    assert_refused(queue_run, rt, "no_account",
                   "the request names no account number; the request names no plan code")


def test_unknown_account_is_refused(queue_run: QueueRun, rt: RtApi) -> None:
    assert_refused(queue_run, rt, "unknown_account",
                   f"billing has no customer with the account number {queue_run.unknown_account}")


def test_closed_account_is_refused_and_billing_untouched(queue_run: QueueRun, rt: RtApi) -> None:
    account = queue_run.customers["closed"].account
    assert_refused(queue_run, rt, "closed", f"account {account} is closed (end date 2025-06-30)")
    assert Billing.plan(account) == "BIZ-50"
    assert Billing.end_date(account) == "2025-06-30"


def test_unknown_plan_is_refused_and_billing_untouched(queue_run: QueueRun, rt: RtApi) -> None:
    account = queue_run.customers["unknown_plan"].account
    assert_refused(queue_run, rt, "unknown_plan", "plan code GOLD-1 is not offered in billing "
                   "(offered: BASIC-10, BIZ-50, ENT-500, PRO-100)")
    assert Billing.plan(account) == "BIZ-50"


def test_account_already_on_the_plan_is_resolved_without_a_change(queue_run: QueueRun, rt: RtApi) -> None:
    ticket, account = queue_run.tickets["same_plan"], queue_run.customers["same_plan"].account
    assert Billing.plan(account) == "ENT-500"
    assert Billing.notes(account) == []
    assert rt.status(ticket) == "resolved"
    [comment] = comments(rt, ticket)
    assert f"No change needed: account {account} " in comment and "is already on plan ENT-500." in comment
    row = queue_run.first_results[ticket]
    assert row["status"] == "done" and row["billing_change"].startswith(f"{account}: already ENT-500, not changed")


def test_first_run_reports_every_ticket(queue_run: QueueRun) -> None:
    assert queue_run.first.returncode == 1, queue_run.first.output  # refusals are invalid items
    assert sorted(queue_run.first_results) == sorted(queue_run.tickets.values())


def test_rerun_comments_nothing_and_changes_nothing(queue_run: QueueRun, rt: RtApi) -> None:
    # resolved tickets leave the queue; the refused ones stay open and are recognised
    assert queue_run.second.returncode == 1, queue_run.second.output
    refused = {queue_run.tickets[n] for n in ("no_account", "unknown_account", "closed", "unknown_plan")}
    assert set(queue_run.second_results) == refused
    for ticket in refused:
        row = queue_run.second_results[ticket]
        assert row["status"] == "invalid" and "refused earlier and already commented in RT" in row["message"]
    for name, ticket in queue_run.tickets.items():
        assert len(comments(rt, ticket)) == 1, name
    for name in ("structured", "free_text", "note_written", "commented"):
        assert len(Billing.notes(queue_run.customers[name].account)) == 1, name
