"""The restartable records application (records_server.py) as a process the test controls,
and a small bot that enters references into it through clerk's engine and web driver."""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from clerk import App, AppEnv, Bot, Found, ItemSchema, RowReader, RunContext, SessionLost
from clerk._config import Settings, load_settings

HERE = Path(__file__).resolve().parent
READY_WITHIN_S = 15.0


class RecordsServer:
    """records_server.py in its own process, on a port that stays the same across restarts."""

    def __init__(self, store: Path) -> None:
        self.store = store
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.starts = 0
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen([sys.executable, str(HERE / "records_server.py"), str(self.port),
                                          str(self.store)])
        self.starts += 1

    def start_and_wait(self) -> None:
        self.start()
        deadline = time.monotonic() + READY_WITHIN_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # the test waits for its own server, not clerk for an application

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def references(self) -> list[str]:
        """Every reference entered, once per record."""
        return [r["ref"] for r in json.loads(self.store.read_text())] if self.store.is_file() else []


class RecordsSession:
    def __init__(self, env: AppEnv) -> None:
        assert env.web is not None
        self.web = env.web
        self.url = str(env.settings["url"])

    def start(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.web.goto(f"{self.url}/")
        self.web.wait("home.title")

    def screenshot(self, path: Path) -> None:
        self.web.screenshot(path)

    def close(self) -> None:
        self.web.page.context.close()

    def ids_of(self, ref: str) -> list[str]:
        self.web.goto(f"{self.url}/records?ref={ref}")
        self.web.wait("records.title")
        return self.web.texts("records.id")


def _session(ctx: RunContext) -> RecordsSession:
    session = ctx.app("records")
    assert isinstance(session, RecordsSession)
    return session


def find(ctx: RunContext, ref: str) -> Found | None:
    ids = _session(ctx).ids_of(ref)
    return Found(app_ref=ids[0]) if ids else None


def enter(ctx: RunContext, ref: str) -> str:
    session = _session(ctx)
    session.web.goto(f"{session.url}/new")
    session.web.fill("new.ref", ref)
    session.web.click("new.save")
    session.web.wait("records.title")
    ids = session.ids_of(ref)  # read back
    if len(ids) != 1:
        raise SessionLost(f"records: {ref} reads back as {ids}")
    return ids[0]


def _parse(row: RowReader) -> str:
    return row.text("ref")


def records_bot(find_hook: Callable[[str], None] = lambda ref: None) -> Bot[str]:
    """The records bot; ``find_hook(ref)`` runs after each look-up (to break something mid-item)."""

    def find_then_hook(ctx: RunContext, ref: str) -> Found | None:
        found = find(ctx, ref)
        find_hook(ref)
        return found

    return Bot(name="records_entry", description="references into the records application",
               apps={"records": App(session=RecordsSession, login=False)},
               schema=ItemSchema(columns={"ref": ("reference",)}, required=("ref",), parse=_parse),
               reference=lambda ref: ref, find=find_then_hook, enter=enter, app_ref_label="record_id")


def records_settings(checkout: Path, tmp_path: Path, url: str) -> Settings:
    """The project's configuration as shipped (config/default.toml), in a scratch data folder."""
    shipped = load_settings(checkout, environ={})
    return dataclasses.replace(shipped, data_dir=tmp_path / "var", recordings_dir=tmp_path / "recordings",
                               selectors_dir=HERE / "selectors", apps={"records": {"url": url}})
