"""Fixtures for plan_change against the sandbox's real RT and LedgerSMB.

Tests make their own tickets (RT's REST 2 API, in queue PlanChanges, with a random tag in
the subject so a live-queue run sees only them) and their own customers (LedgerSMB's own
stored procedures, random account numbers), and check the applications' real state:
``entity_credit_account.pricegroup_id``, ``eca_note``, and the ticket's status and history.
"""

from __future__ import annotations

import html
import http.cookiejar
import json
import os
import random
import re
import subprocess
import sys
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.clerk_result import ClerkResult
from tests.ledgersmb_db import psql

PROJECT = Path(__file__).resolve().parents[3]
RT_URL = "http://127.0.0.1:8085"
# RT's default search format: what "Spreadsheet" exports for a plain ticket search
RESULTS_FORMAT = ("'<b><a href=\"__WebPath__/Ticket/Display.html?id=__id__\">__id__</a></b>/TITLE:#', "
                  "'<b><a href=\"__WebPath__/Ticket/Display.html?id=__id__\">__Subject__</a></b>/TITLE:Subject', "
                  "Status, QueueName, Owner, Priority, '__NEWLINE__', '__NBSP__', '<small>__Requestors__</small>', "
                  "'<small>__CreatedRelative__</small>', '<small>__ToldRelative__</small>', "
                  "'<small>__LastUpdatedRelative__</small>', '<small>__TimeLeft__</small>'")
# the sandboxes' seeded logins (public test data, see sandbox/credentials.sh)
SANDBOX_ENV = {
    "CLERK_LEDGERSMB_USER": "admin", "CLERK_LEDGERSMB_PASSWORD": "Admin123!",
    "CLERK_RT_USER": "agent", "CLERK_RT_PASSWORD": "Agent123!",
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Customer:
    account: str
    name: str


class Billing:
    """Customers of this test, made the way the sandbox seeds its own."""

    def __init__(self, tag: str) -> None:
        self.tag = tag

    def customer(self, plan: str, *, end_date: str | None = None) -> Customer:
        account = unused_account()
        name = f"{self.tag} customer {account}"
        psql(f"""
        DO $$ DECLARE eid int; ar int; cash int; pg int; BEGIN
          SELECT id INTO ar FROM account WHERE accno = '1200';
          SELECT id INTO cash FROM account WHERE accno = '1060';
          SELECT min(id) INTO pg FROM pricegroup WHERE pricegroup = {_quote(plan)};
          SELECT entity_id INTO eid FROM company__save(NULL, 2, {_quote(name)}, {_quote('TX-' + account)},
                                                       NULL, NULL, 232, NULL, NULL);
          PERFORM eca__save(NULL, 2, eid, {_quote(name)}, 0, NULL, 0, 0, 30, {_quote(account)}, NULL, NULL, pg,
                            'USD', '2024-01-15'::date, {_quote(end_date) + '::date' if end_date else 'NULL::date'},
                            0, ar, cash, NULL, NULL, NULL);
        END $$;""")
        return Customer(account=account, name=name)

    @staticmethod
    def plan(account: str) -> str | None:
        rows = psql("SELECT coalesce(p.pricegroup, '-') FROM entity_credit_account e "
                    f"LEFT JOIN pricegroup p ON p.id = e.pricegroup_id WHERE e.meta_number = {_quote(account)}")
        assert len(rows) == 1, rows
        return None if rows[0][0] == "-" else rows[0][0]

    @staticmethod
    def end_date(account: str) -> str | None:
        rows = psql("SELECT coalesce(enddate::text, '-') FROM entity_credit_account "
                    f"WHERE meta_number = {_quote(account)}")
        return None if rows[0][0] == "-" else rows[0][0]

    @staticmethod
    def add_note(account: str, text: str) -> None:
        """A Credit Account note, as the Notes tab stores it."""
        psql(f"INSERT INTO eca_note (note_class, note, ref_key, subject) SELECT 3, {_quote(text)}, id, "
             f"'Plan change' FROM entity_credit_account WHERE meta_number = {_quote(account)}")

    @staticmethod
    def notes(account: str) -> list[str]:
        rows = psql("SELECT replace(n.note, E'\\n', ' ') FROM eca_note n JOIN entity_credit_account e "
                    f"ON e.id = n.ref_key WHERE e.meta_number = {_quote(account)} ORDER BY n.id")
        return [r[0] for r in rows]


# ---------------------------------------------------------------------- RT
class RtApi:
    """RT's REST 2 API with a session cookie (one login instead of bcrypt on every call)."""

    def __init__(self) -> None:
        jar = http.cookiejar.CookieJar()
        self._http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = urllib.parse.urlencode({"user": SANDBOX_ENV["CLERK_RT_USER"],
                                       "pass": SANDBOX_ENV["CLERK_RT_PASSWORD"]}).encode()
        self._http.open(f"{RT_URL}/NoAuth/Login.html", data=form, timeout=30)
        self.created: list[int] = []
        assert self.get("/queue/PlanChanges").get("Name") == "PlanChanges", "RT login failed"

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{RT_URL}/REST/2.0{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with self._http.open(request, timeout=30) as answer:
            text = answer.read().decode()
        return json.loads(text)

    def get(self, path: str) -> Any:
        return self._call("GET", path)

    def create_ticket(self, subject: str, body: str) -> int:
        made = self._call("POST", "/ticket", {
            "Queue": "PlanChanges", "Subject": subject, "Requestor": "customer@example.com",
            "Content": body, "ContentType": "text/plain"})
        self.created.append(int(made["id"]))
        return int(made["id"])

    def reject_leftovers(self) -> None:
        """Take this test's tickets that are still new or open out of the shared queue."""
        for ticket in self.created:
            if self.status(ticket) in ("new", "open"):
                self.set_status(ticket, "rejected")

    def comment(self, ticket: int, text: str) -> None:
        self._call("POST", f"/ticket/{ticket}/comment", {"Content": text, "ContentType": "text/plain"})

    def status(self, ticket: int) -> str:
        return str(self.get(f"/ticket/{ticket}")["Status"])

    def set_status(self, ticket: int, status: str) -> None:
        self._call("PUT", f"/ticket/{ticket}", {"Status": status})

    def history(self, ticket: int) -> list[dict[str, Any]]:
        return list(self.get(f"/ticket/{ticket}/history?fields=Type,OldValue,NewValue&per_page=100")["items"])

    def comments(self, ticket: int) -> list[str]:
        """The text of every comment on the ticket, oldest first, without HTML and extra spacing."""
        return [self._content(txn["id"]) for txn in self.history(ticket) if txn["Type"] == "Comment"]

    def _content(self, transaction: str) -> str:
        parts = self.get(f"/transaction/{transaction}/attachments?fields=Content,ContentType")["items"]
        text = " ".join(str(part.get("Content") or "") for part in parts)
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())

    def types(self, ticket: int) -> list[str]:
        """The transaction types of the ticket's history (Create, Comment, Status, Correspond...)."""
        return [str(txn["Type"]) for txn in self.history(ticket)]

    def export_tsv(self, ticket: int, target: Path) -> Path:
        """RT's own spreadsheet export (Search/Results.tsv) of one ticket, as the web UI serves it."""
        query = urllib.parse.urlencode({"Query": f"id = {ticket}", "Format": RESULTS_FORMAT})
        request = urllib.request.Request(f"{RT_URL}/Search/Results.tsv?{query}",
                                         headers={"Referer": f"{RT_URL}/Search/Results.html"})  # RT's CSRF check
        with self._http.open(request, timeout=30) as answer:
            target.write_bytes(answer.read())
        return target


# ---------------------------------------------------------------------- clerk
class Clerk:
    """``clerk run plan_change`` in a subprocess, with this test's own ledger and recordings."""

    def __init__(self, tmp: Path, tag: str) -> None:
        self.recordings = tmp / "recordings"
        self.env = {**os.environ, **SANDBOX_ENV,
                    "CLERK_HOME": str(PROJECT),
                    "CLERK_CLERK__DATA_DIR": str(tmp / "var"),
                    "CLERK_CLERK__RECORDINGS_DIR": str(tmp / "recordings"),
                    # a live run sees only this test's tickets
                    "CLERK_BOTS__PLAN_CHANGE__TICKET_FILTER": f"Subject LIKE '{tag}'"}

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "clerk", "run", "plan_change", *args]

    def run(self, *args: str, ledger: Path | None = None) -> ClerkResult:
        """One run; ``ledger`` puts the work-item ledger in another folder (a fresh one)."""
        env = {**self.env, "CLERK_CLERK__DATA_DIR": str(ledger)} if ledger else self.env
        done = subprocess.run(self.command(*args), env=env, capture_output=True, text=True,
                              timeout=600, cwd=PROJECT, check=False)
        return ClerkResult(done.returncode, done.stdout, done.stderr)

    def start(self, *args: str, log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as output:
            return subprocess.Popen(self.command(*args), env=self.env, cwd=PROJECT, stdout=output,
                                    stderr=subprocess.STDOUT, start_new_session=True)


def latest_results(recordings: Path) -> Path:
    """The results workbook of the newest run of a live queue."""
    return max((recordings / "plan_change").glob("*/results.xlsx"), key=lambda p: p.stat().st_mtime)


def unused_account() -> str:
    while True:
        account = str(random.randint(60_000_000, 69_999_999))
        if not psql(f"SELECT 1 FROM entity_credit_account WHERE meta_number = {_quote(account)}"):
            return account


@pytest.fixture(scope="module")
def tag() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def rt() -> Iterator[RtApi]:
    api = RtApi()
    yield api
    api.reject_leftovers()


@pytest.fixture(scope="module")
def billing(tag: str) -> Billing:
    return Billing(tag)


@pytest.fixture(scope="module")
def clerk(tmp_path_factory: pytest.TempPathFactory, tag: str) -> Clerk:
    return Clerk(tmp_path_factory.mktemp("plan_change"), tag)
