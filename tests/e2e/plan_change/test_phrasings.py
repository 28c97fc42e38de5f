"""Requests as people write them (issue 15), worked from the live RT queue in one run.

Each ticket names its account and plan in plain words, with no structured lines. The
tests read the outcome from the applications: the customer's price group and notes in
LedgerSMB's database, the ticket's status and comments through RT's REST 2 API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.workbooks import read_results as results

from .conftest import Billing, Clerk, ClerkResult, Customer, RtApi, latest_results, unused_account

pytestmark = pytest.mark.e2e

MARK = "[clerk plan_change RT ticket {}]"


@dataclass
class PhrasingRun:
    tickets: dict[str, int]
    customers: dict[str, Customer]
    result: ClerkResult
    rows: dict[int, dict[str, Any]]
    recording: Path


@pytest.fixture(scope="module")
def phrasing_run(rt: RtApi, billing: Billing, clerk: Clerk, tag: str) -> PhrasingRun:
    customers = {
        "move": billing.customer("BIZ-50"),
        "put": billing.customer("BASIC-10"),
        "switch_first": billing.customer("BASIC-10"),
        "switch_second": billing.customer("BASIC-10"),
        "danish": billing.customer("ENT-500"),
        "signed": billing.customer("PRO-100"),
    }
    c = {name: customer.account for name, customer in customers.items()}
    tickets = {
        "move": rt.create_ticket(f"{tag} Plan change",
                                 f"Hi, please move acct {c['move']} onto the PRO-100 plan from next month.\n"),
        "put": rt.create_ticket(f"{tag} New plan",
                                f"could you put account {c['put']} on the BIZ-50 plan, please?\n"),
        "switch": rt.create_ticket(f"{tag} Switching plans",
                                   f"Please switch accounts {c['switch_first']} and {c['switch_second']} "
                                   "to BIZ-50\n"),
        "danish": rt.create_ticket(f"{tag} Skift af abonnement",
                                   f"Hej, vil I flytte konto {c['danish']} over på Pro 100-planen fra næste "
                                   "måned? Ring gerne på tlf. 20304050.\nMvh Søren\n"),
        # a number of the account form in the signature, which billing does not have
        "signed": rt.create_ticket(f"{tag} Downgrade",
                                   f"Please move account {c['signed']} to BASIC-10.\n\nRegards,\nSøren Hansen\n"
                                   f"Northwind Bakery\n{unused_account()}\n"),
    }
    result = clerk.run()
    workbook = latest_results(clerk.recordings)
    rows = {int(row["id"]): row for row in results(workbook)}
    return PhrasingRun(tickets, customers, result, rows, workbook.parent)


def our_comments(rt: RtApi, ticket: int) -> list[str]:
    return [text for text in rt.comments(ticket) if MARK.format(ticket) in text]


def assert_changed(run: PhrasingRun, rt: RtApi, name: str, old: str, new: str) -> None:
    ticket, account = run.tickets[name], run.customers[name].account
    assert run.rows[ticket]["status"] == "done", run.rows[ticket]
    assert Billing.plan(account) == new
    [note] = Billing.notes(account)
    assert note.startswith(f"{MARK.format(ticket)} Plan change from {old} to {new} for account {account}")
    assert rt.status(ticket) == "resolved"
    [comment] = our_comments(rt, ticket)
    assert f"Plan changed: account {account} " in comment and f"moved from {old} to {new}." in comment


def test_move_acct_onto_the_plan_from_next_month(phrasing_run: PhrasingRun, rt: RtApi) -> None:
    assert_changed(phrasing_run, rt, "move", "BIZ-50", "PRO-100")


def test_put_account_on_the_plan_please(phrasing_run: PhrasingRun, rt: RtApi) -> None:
    assert_changed(phrasing_run, rt, "put", "BASIC-10", "BIZ-50")


def test_danish_with_the_plan_spelled_in_words(phrasing_run: PhrasingRun, rt: RtApi) -> None:
    assert_changed(phrasing_run, rt, "danish", "ENT-500", "PRO-100")


def test_a_number_billing_lacks_in_the_signature_is_not_an_account(phrasing_run: PhrasingRun, rt: RtApi) -> None:
    assert_changed(phrasing_run, rt, "signed", "PRO-100", "BASIC-10")


def test_two_accounts_are_refused_and_the_comment_names_both(phrasing_run: PhrasingRun, rt: RtApi) -> None:
    ticket = phrasing_run.tickets["switch"]
    first, second = (phrasing_run.customers[n].account for n in ("switch_first", "switch_second"))
    reason = f"the request names several account numbers ({first}, {second})"
    assert rt.status(ticket) == "open"
    [comment] = our_comments(rt, ticket)
    assert f"Plan change refused: {reason}." in comment and "Billing was not changed." in comment
    row = phrasing_run.rows[ticket]
    assert row["status"] == "invalid" and row["message"] == f"RT ticket {ticket}: {reason}"
    for account in (first, second):
        assert Billing.plan(account) == "BASIC-10"
        assert Billing.notes(account) == []


def test_the_run_reports_every_ticket(phrasing_run: PhrasingRun) -> None:
    assert phrasing_run.result.returncode == 1, phrasing_run.result.output  # the refusal is an invalid item
    assert sorted(phrasing_run.rows) == sorted(phrasing_run.tickets.values())


def test_the_price_groups_are_read_once_per_billing_session(phrasing_run: PhrasingRun) -> None:
    # one session for the whole run, unless a broken one had to be started afresh
    events = (phrasing_run.recording / "events.jsonl").read_text().splitlines()
    sessions = sum("logging in to ledgersmb" in event for event in events)
    reads = len(list(phrasing_run.recording.glob("shots/*/*-ledgersmb-price-groups.png")))
    assert 1 <= reads == sessions < len(phrasing_run.tickets)
