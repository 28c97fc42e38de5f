"""A run killed between the billing step and the RT step: the next run does only the RT step."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from .conftest import Billing, Clerk, RtApi

pytestmark = pytest.mark.e2e


def test_run_killed_after_billing_completes_only_the_rt_step(
    rt: RtApi, billing: Billing, clerk: Clerk, tag: str, tmp_path: Path
) -> None:
    customer = billing.customer("BASIC-10")
    ticket = rt.create_ticket(f"{tag} Upgrade to Pro",
                              f"Account number: {customer.account}\nRequested plan code: PRO-100\n")
    mark = f"[clerk plan_change RT ticket {ticket}]"

    log = tmp_path / "killed.log"
    process = clerk.start(log=log)
    try:
        deadline = time.monotonic() + 300
        while Billing.plan(customer.account) != "PRO-100":  # the billing step has been saved
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the run never changed the plan"
            time.sleep(0.05)  # the test polls the database; the bot is not synchronised by this
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # the run and its browser, started by this test
        process.wait()
    assert process.returncode == -signal.SIGKILL
    # billing is done, RT has not been told
    assert [n for n in Billing.notes(customer.account) if mark in n]
    assert rt.status(ticket) == "new"
    assert rt.comments(ticket) == []

    resumed = clerk.run()
    assert resumed.returncode == 0, resumed.output
    assert Billing.plan(customer.account) == "PRO-100"
    notes = Billing.notes(customer.account)
    assert len(notes) == 1 and notes[0].startswith(f"{mark} Plan change from BASIC-10 to PRO-100 ")
    assert rt.status(ticket) == "resolved"
    [comment] = rt.comments(ticket)
    assert comment.startswith(f"{mark} Plan changed: account {customer.account} ")
    assert "moved from BASIC-10 to PRO-100." in comment
    # the second run saw billing done (both applications' state) and did not save again
    messages = [str(json.loads(line).get("record", {}).get("message", ""))
                for events in clerk.recordings.glob("plan_change/*/events.jsonl")
                for line in events.read_text().splitlines()]
    assert any(f"billing was already changed for RT ticket {ticket}" in m for m in messages)
    # (the killed run may have died before its own "plan saved" screenshot)
    assert len(list(clerk.recordings.glob("plan_change/*/shots/*/*-ledgersmb-plan-saved.png"))) <= 1
    assert len(list(clerk.recordings.glob("plan_change/*/shots/*/*-ledgersmb-note-added.png"))) == 1
