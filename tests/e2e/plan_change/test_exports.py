"""Ticket exports as input: RT's own Results.tsv (the RT workflow runs as for the live queue)
and a Jira-style CSV (billing only; the results file is the record)."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from tests.workbooks import read_results as results

from .conftest import Billing, Clerk, RtApi

pytestmark = pytest.mark.e2e

JIRA_HEADER = ["Summary", "Issue key", "Issue id", "Issue Type", "Status", "Reporter", "Created", "Description",
               "Custom field (Account number)", "Custom field (Plan code)"]


def test_rt_spreadsheet_export_runs_the_whole_workflow(
    rt: RtApi, billing: Billing, clerk: Clerk, tag: str, tmp_path: Path
) -> None:
    customer = billing.customer("PRO-100")
    ticket = rt.create_ticket(f"{tag} Downgrade request",
                              f"Hi, please downgrade account {customer.account} to plan code BIZ-50. Thanks\n")
    export = rt.export_tsv(ticket, tmp_path / "Results.tsv")
    assert export.read_text().startswith("id\tSubject\tStatus\t")

    result = clerk.run("--input", str(export))

    assert result.returncode == 0, result.output
    mark = f"[clerk plan_change RT ticket {ticket}]"
    assert Billing.plan(customer.account) == "BIZ-50"
    assert [n[:len(mark)] for n in Billing.notes(customer.account)] == [mark]
    assert rt.status(ticket) == "resolved"
    [comment] = rt.comments(ticket)
    assert comment.startswith(f"{mark} Plan changed: account {customer.account} ")
    [row] = results(tmp_path / "Results.results.xlsx")
    assert row["id"] == str(ticket) and row["status"] == "done"
    assert row["billing_change"].startswith(f"{customer.account}: PRO-100 -> BIZ-50 (LedgerSMB credit account ")


def test_jira_csv_changes_billing_only_and_a_rerun_reads_the_state_from_billing(
    billing: Billing, clerk: Clerk, tmp_path: Path
) -> None:
    free_text, columns, gold = (billing.customer("BASIC-10"), billing.customer("BIZ-50"),
                                billing.customer("PRO-100"))
    first = random.randint(100_000, 899_999)
    keys = [f"OPS-{first + n}" for n in range(3)]
    export = tmp_path / "jira-export.csv"
    with export.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(JIRA_HEADER)
        writer.writerow(["Plan change", keys[0], "10001", "Task", "Open", "maria", "23/Nov/26 10:00 AM",
                         f"Hello,\nplease upgrade account {free_text.account} to plan code ENT-500.\nThanks", "", ""])
        writer.writerow(["Upgrade", keys[1], "10002", "Task", "Open", "john", "23/Nov/26 10:05 AM", "",
                         columns.account, "pro-100"])
        writer.writerow(["Gold", keys[2], "10003", "Task", "Open", "li", "23/Nov/26 10:07 AM",
                         f"Account number: {gold.account}\nRequested plan code: GOLD-1", "", ""])

    result = clerk.run("--input", str(export))

    assert result.returncode == 1, result.output  # the GOLD-1 row is refused
    assert Billing.plan(free_text.account) == "ENT-500"
    assert Billing.plan(columns.account) == "PRO-100"
    assert Billing.plan(gold.account) == "PRO-100"
    for customer, key, old, new in ((free_text, keys[0], "BASIC-10", "ENT-500"),
                                    (columns, keys[1], "BIZ-50", "PRO-100")):
        [note] = Billing.notes(customer.account)
        assert note.startswith(f"[clerk plan_change Jira ticket {key}] Plan change from {old} to {new} ")
    assert Billing.notes(gold.account) == []
    rows = results(tmp_path / "jira-export.results.xlsx")
    assert [r["status"] for r in rows] == ["done", "done", "invalid"]
    assert rows[2]["message"].startswith(f"Jira ticket {keys[2]}: plan code GOLD-1 is not offered in billing")
    shots = [Path(r["screenshots"]) for r in rows]
    assert all(list(folder.glob("*-ledgersmb-*.png")) for folder in shots)
    assert not [png for folder in shots for png in folder.glob("*-rt-*.png")]  # RT was never opened

    # a fresh ledger: what is done is read from billing itself, and nothing is written twice
    again = clerk.run("--input", str(export), ledger=tmp_path / "fresh-ledger")
    assert again.returncode == 1, again.output
    rows = results(tmp_path / "jira-export.results.xlsx")
    assert [r["status"] for r in rows] == ["already_present", "already_present", "invalid"]
    assert len(Billing.notes(free_text.account)) == 1 and len(Billing.notes(columns.account)) == 1
