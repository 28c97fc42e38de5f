"""A clerk project in a temporary folder with a seeded ledger and recording, and the web
console over it, reached through Starlette's test client (no server, no browser)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from httpx2 import Response
from starlette.testclient import TestClient

from clerk._config import load_settings
from clerk._ledger import ItemState, Ledger, RunStatus
from clerk.webconsole._accounts import Accounts, Role
from clerk.webconsole._app import build_app
from clerk.webconsole._cli import open_console
from clerk.webconsole._console import Console

REPO = Path(__file__).resolve().parents[2]
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # argon2id, quick for tests
PASSWORDS = {"ops1": "operator-pass-123", "aud1": "auditor-pass-456"}


@pytest.fixture(autouse=True)
def _no_clerk_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CLERK_"):
            monkeypatch.delenv(name)


@dataclass
class Seeded:
    project: Path
    run_id: str
    shot: str  # a screenshot, relative to the recordings folder
    console: Console
    client: TestClient


def _seed(project: Path) -> tuple[str, str]:
    ledger = Ledger(project / "var" / "ledger.sqlite3")
    recordings = project / "recordings" / "invoice_entry"
    try:
        run, _ = ledger.open_run("invoice_entry", str(project / "march.xlsx"), "abc", recordings)
        shots = Path(run.recording_dir) / "shots" / "3"
        shots.mkdir(parents=True)
        (shots / "01-ledgersmb-failed.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
        for row, reference, state in ((2, "Globex|DEMO-1001", ItemState.DONE), (3, "Globex|DEMO-1002", ItemState.FAILED)):
            ledger.claim("invoice_entry", reference, run.id)
            message = "entered" if state is ItemState.DONE else "SELECTOR: 'ap.post' was not ready within 20s"
            ledger.settle("invoice_entry", reference, run.id, state, app_ref="71" if row == 2 else None,
                          message=message)
            ledger.record_result(run.id, row, reference=reference, status=state.value,
                                 app_ref="71" if row == 2 else None, message=message,
                                 shots=str(shots) if row == 3 else "")
        ledger.finish_run(run.id, RunStatus.COMPLETED, {"done": 1, "failed": 1})
        return run.id, f"invoice_entry/{run.id}/shots/3/01-ledgersmb-failed.png"
    finally:
        ledger.close()


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    project = tmp_path / "project"
    (project / "config").mkdir(parents=True)
    shutil.copy(REPO / "config" / "default.toml", project / "config" / "default.toml")
    (project / "config" / "schedule.toml").write_text(
        '[jobs.invoices]\nbot = "invoice_entry"\ncron = "0 6 * * mon-fri"\ntimezone = "Europe/Berlin"\n'
        'settle_s = 0\n')
    run_id, shot = _seed(project)
    with _console_over(project) as (console, client):
        console.accounts.add("ops1", Role.OPERATOR, PASSWORDS["ops1"])
        console.accounts.add("aud1", Role.AUDITOR, PASSWORDS["aud1"])
        yield Seeded(project, run_id, shot, console, client)


@contextmanager
def _console_over(project: Path) -> Iterator[tuple[Console, TestClient]]:
    config, console = open_console(load_settings(project))
    console.accounts = Accounts(console.accounts._engine, CHEAP_HASHER)
    console.operations.accounts = console.accounts
    with TestClient(build_app(config, console), base_url="http://127.0.0.1", follow_redirects=False) as client:
        yield console, client


@contextmanager
def second_console(seeded: Seeded) -> Iterator[TestClient]:
    """Another console over the same project and ledger: all it shares with the first is on disk."""
    with _console_over(seeded.project) as (_console, client):
        yield client


def csrf_in(page: str) -> str:
    marker = 'name="csrf" value="'
    return page.split(marker, 1)[1].split('"', 1)[0]


def try_sign_in(client: TestClient, name: str, password: str) -> Response:
    """Post the login form as a browser does: with the token the login page gave."""
    token = csrf_in(client.get("/login").text)
    return client.post("/login", data={"name": name, "password": password, "csrf": token})


def sign_in(client: TestClient, name: str) -> str:
    """Sign ``name`` in; returns the session's CSRF token (read from the overview's forms)."""
    response = try_sign_in(client, name, PASSWORDS[name])
    assert response.status_code == 303, response.text
    return csrf_in(client.get("/").text)
