"""Unit-test fixtures: no browser, no display, no real credentials, no real keyring."""

from __future__ import annotations

import csv
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from loguru import logger

from clerk import App, AppEnv, Bot, Found, ItemSchema, Problem, RowReader, RunContext, WorkItem
from clerk._config import RetrySettings, RunSettings, Settings
from tests.workbooks import write_workbook

WriteTable = Callable[[str, Sequence[Sequence[Any]]], Path]


@pytest.fixture(autouse=True)
def _no_clerk_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's CLERK_* variables (credentials, CLERK_ENV, CLERK_HOME) must not leak in."""
    for name in list(os.environ):
        if name.startswith("CLERK_"):
            monkeypatch.delenv(name)


class MemoryKeyring(KeyringBackend):
    """A keyring backend that lives in a dict."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}
        self.lookups: list[tuple[str, str]] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.lookups.append((service, username))
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def fake_keyring() -> Iterator[MemoryKeyring]:
    """Every unit test sees an empty in-memory keyring instead of the machine's."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def write_table(tmp_path: Path) -> WriteTable:
    """Write rows (the first one being the header) as .xlsx, .csv or .tsv, by the name's suffix."""

    def write(name: str, rows: Sequence[Sequence[Any]]) -> Path:
        path = tmp_path / name
        if path.suffix == ".xlsx":
            write_workbook(path, rows[1:], header=rows[0])
        else:
            with path.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle, delimiter="\t" if path.suffix == ".tsv" else ",").writerows(rows)
        return path

    return write


@pytest.fixture(autouse=True)
def _plain_loguru_sinks() -> Iterator[None]:
    """The CLI replaces loguru's sinks; afterwards leave one sink on whatever stderr is current."""
    yield
    logger.remove()
    logger.add(lambda message: sys.stderr.write(message), level="DEBUG", diagnose=False)


# ---------------------------------------------------------------------------- a fake bot on a fake app
@dataclass(frozen=True)
class Line:
    ref: str
    amount: Decimal


class FakeSession:
    """One session of the in-memory application (an AppSession)."""

    def __init__(self, app: FakeApp, env: AppEnv) -> None:
        self.app, self.env = app, env
        self.started = self.closed = False
        self.resets = 0

    def start(self) -> None:
        self.started = True

    def reset(self) -> None:
        self.resets += 1

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x89PNG\r\n\x1a\n fake")

    def close(self) -> None:
        self.closed = True


class FakeApp:
    """An in-memory desktop-kind "application": what was entered, plus scripted misbehaviour.

    ``enter_errors[ref]`` / ``find_errors[ref]`` are raised in turn by enter / find;
    ``write_then_fail[ref]`` stores the record and then raises (a lost read-back);
    ``on_enter`` runs after every successful enter (to request a stop, for example).
    """

    name = "fake"

    def __init__(self) -> None:
        self.records: dict[str, str] = {}
        self.enter_errors: dict[str, list[BaseException]] = {}
        self.find_errors: dict[str, list[BaseException]] = {}
        self.write_then_fail: dict[str, BaseException] = {}
        self.calls: list[tuple[str, str]] = []
        self.sessions: list[FakeSession] = []
        self.on_enter: Callable[[str], None] | None = None
        self.preflight_problems: dict[str, tuple[str | None, str]] = {}  # ref -> (field, reason)
        self.preflight_errors: list[BaseException] = []
        self.preflight_seen: list[list[str]] = []
        self.survey_errors: list[BaseException] = []
        self.survey_blind: set[str] = set()  # refs the survey misses (it is out of date for them)

    def open_session(self, env: AppEnv) -> FakeSession:
        session = FakeSession(self, env)
        self.sessions.append(session)
        return session

    def entered(self) -> list[str]:
        return [ref for call, ref in self.calls if call == "enter"]

    # the bot's functions
    def find(self, ctx: RunContext, line: Line) -> Found | None:
        ctx.app(self.name)
        self.calls.append(("find", line.ref))
        if self.find_errors.get(line.ref):
            raise self.find_errors[line.ref].pop(0)
        ref = self.records.get(line.ref)
        return Found(app_ref=ref) if ref else None

    def enter(self, ctx: RunContext, line: Line) -> str:
        ctx.app(self.name)
        self.calls.append(("enter", line.ref))
        if self.enter_errors.get(line.ref):
            raise self.enter_errors[line.ref].pop(0)
        app_ref = f"F-{len(self.records) + 1}"
        self.records[line.ref] = app_ref
        ctx.snap("entered")
        if line.ref in self.write_then_fail:
            raise self.write_then_fail.pop(line.ref)
        if self.on_enter is not None:
            self.on_enter(line.ref)
        return app_ref

    def survey(self, ctx: RunContext, items: Sequence[WorkItem[Line]]) -> dict[str, Found | None]:
        ctx.app(self.name)
        refs = [item.data.ref for item in items if item.data]
        self.calls.append(("survey", ",".join(refs)))
        if self.survey_errors:
            raise self.survey_errors.pop(0)
        return {ref: Found(app_ref=self.records[ref]) if ref in self.records and ref not in self.survey_blind
                else None for ref in refs}

    def preflight(self, ctx: RunContext, items: Sequence[WorkItem[Line]]) -> Iterator[Problem]:
        ctx.app(self.name)
        self.preflight_seen.append([item.data.ref for item in items if item.data])
        if self.preflight_errors:
            raise self.preflight_errors.pop(0)
        for item in items:
            if item.data and item.data.ref in self.preflight_problems:
                yield item.problem(*self.preflight_problems[item.data.ref])


def _parse_line(row: RowReader) -> Line:
    return Line(ref=row.text("ref"), amount=row.money("amount"))


LINE_SCHEMA = ItemSchema(columns={"ref": ("reference",), "amount": ("total",)}, required=("ref", "amount"),
                         parse=_parse_line)


@pytest.fixture
def fake_app() -> FakeApp:
    return FakeApp()


@pytest.fixture
def make_bot(fake_app: FakeApp) -> Callable[..., Bot[Line]]:
    def make(**changes: Any) -> Bot[Line]:
        fields: dict[str, Any] = {
            "name": "fake_entry", "description": "lines into the fake application",
            "apps": {"fake": App(session=fake_app.open_session, kind="desktop", login=False)},
            "schema": LINE_SCHEMA, "reference": lambda line: line.ref, "find": fake_app.find,
            "enter": fake_app.enter, "app_ref_label": "fake_id",
        }
        fields.update(changes)
        return Bot(**fields)

    return make


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Fast settings in a scratch project: no waits between retries, three attempts."""
    no_wait = dt.timedelta(0)
    return Settings(
        project_dir=tmp_path, data_dir=tmp_path / "var", recordings_dir=tmp_path / "recordings",
        selectors_dir=tmp_path / "selectors",
        retry=RetrySettings(attempts=3, wait_initial=no_wait, wait_max=no_wait),
        run=RunSettings(max_consecutive_failures=3, screenshots="on"),
        apps={"fake": {}},
    )
