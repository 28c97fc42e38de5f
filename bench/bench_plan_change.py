"""plan_change against the script people write, on the sandbox's RT and LedgerSMB (issue 13, target 7).

    . sandbox/credentials.sh && .venv/bin/python bench/bench_plan_change.py [N] [ROUNDS]

Each way gets N fresh tickets (20 by default) in RT's PlanChanges queue, made with the
helpers of the plan_change e2e tests (tests/e2e/plan_change/conftest.py): a new customer
on BASIC-10 per ticket, and a ticket "Account number: ... / Requested plan code: BIZ-50".

- script: bench/plan_change_raw_playwright.py once per ticket, one process after the other
  (launch Chromium, log in to RT and LedgerSMB, read the ticket, change the plan, write the
  note, comment and resolve, reload and check each, a screenshot after each step);
- clerk: one `clerk run plan_change` process over the live queue (its ticket filter set to
  this way's tickets), start-up included, every default on.

Afterwards every customer must be on BIZ-50 and every ticket resolved, read from LedgerSMB's
database and RT's API. Rounds are interleaved; the table shows medians.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT))

from tests.e2e.plan_change.conftest import Billing, Clerk, RtApi

RAW = CHECKOUT / "bench" / "plan_change_raw_playwright.py"
PLAN = "BIZ-50"


def make_tickets(rt: RtApi, billing: Billing, tag: str, count: int) -> dict[int, str]:
    """Ticket id -> the account it asks to move to PLAN."""
    tickets = {}
    for n in range(count):
        account = billing.customer("BASIC-10").account
        tickets[rt.create_ticket(f"{tag} plan change {n}",
                                 f"Account number: {account}\nRequested plan code: {PLAN}\n")] = account
    return tickets


def script(tickets: dict[int, str], folder: Path, tag: str) -> float:
    started = time.perf_counter()
    for ticket in tickets:
        subprocess.run([sys.executable, str(RAW), "--ticket", str(ticket), "--shots", str(folder / "raw-shots")],
                       check=True, stdout=subprocess.DEVNULL, timeout=900)
    return time.perf_counter() - started


def with_clerk(tickets: dict[int, str], folder: Path, tag: str) -> float:
    clerk = Clerk(folder / uuid.uuid4().hex, tag)
    started = time.perf_counter()
    done = subprocess.run(clerk.command(), env=clerk.env, cwd=CHECKOUT, capture_output=True, text=True,
                          timeout=7200, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"clerk run plan_change exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return elapsed


def check(rt: RtApi, tickets: dict[int, str]) -> None:
    wrong = {ticket: (Billing.plan(account), rt.status(ticket)) for ticket, account in tickets.items()
             if (Billing.plan(account), rt.status(ticket)) != (PLAN, "resolved")}
    if wrong:
        raise SystemExit(f"not done (ticket: plan, status): {wrong}")


WAYS: dict[str, Callable[[dict[int, str], Path, str], float]] = {
    "one process per ticket (script)": script, "clerk run plan_change (one process)": with_clerk}


def main(count: int, rounds: int) -> None:
    run = uuid.uuid4().hex[:8]
    rt = RtApi()
    timings: dict[str, list[float]] = {way: [] for way in WAYS}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for number in range(rounds):
                for index, (way, work) in enumerate(WAYS.items()):
                    tag = f"bench-{run}-{number}{index}"
                    tickets = make_tickets(rt, Billing(tag), tag, count)
                    seconds = work(tickets, Path(tmp), tag)
                    check(rt, tickets)
                    timings[way].append(seconds)
                    print(f"round {number + 1} {way}: {seconds:.1f} s ({os.getloadavg()[0]:.1f} load)",
                          file=sys.stderr, flush=True)
    finally:
        rt.reject_leftovers()
    base = statistics.median(timings["one process per ticket (script)"])
    print(f"| way ({count} tickets; median of {rounds}) | total | per ticket | speed-up over the script |")
    print("|---|---:|---:|---:|")
    for way, runs in timings.items():
        seconds = statistics.median(runs)
        print(f"| {way} | {seconds:.1f} s | {seconds / count:.2f} s | {base / seconds:.2f}× |")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(int(arguments[0]) if arguments else 20, int(arguments[1]) if len(arguments) > 1 else 1)
