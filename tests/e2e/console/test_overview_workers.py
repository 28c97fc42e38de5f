"""The overview in a real headless Chromium shows a real `clerk worker` (Celery, on the
sandbox RabbitMQ) alive, and once it is killed (a crash: its heartbeat file stays), gone
with when it was last seen."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.console.test_console_in_chromium import _free_port, _wait_until_up, page  # noqa: F401 - a fixture
from tests.e2e.invoice_entry.conftest import PROJECT, clerk_env  # noqa: F401 - a fixture
from tests.e2e.invoice_entry.fleet import Fleet, fleet  # noqa: F401 - a fixture

pytestmark = pytest.mark.e2e

PASSWORD = "operator-e2e-pass-2"
DEADLINE_S = 300  # bounds a hang on a shared machine; it times nothing


@pytest.fixture
def console_url(fleet: Fleet, tmp_path: Path) -> Iterator[str]:
    fleet.env["CLERK_RUNNER__EXECUTOR"] = "celery"
    added = subprocess.run([sys.executable, "-m", "clerk", "console", "user", "add", "ops1", "--role", "operator"],
                           env=fleet.env, cwd=PROJECT, input=PASSWORD + "\n", capture_output=True, text=True,
                           timeout=300, check=False)
    assert added.returncode == 0, added.stderr
    port = _free_port()
    with (tmp_path / "console.log").open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "clerk", "console", "--port", str(port)], env=fleet.env,
                                  cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(f"http://127.0.0.1:{port}", server)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_overview_shows_a_worker_alive_then_gone_with_when_it_was_last_seen(
        fleet: Fleet, console_url: str, page: Page) -> None:
    worker = fleet.start()
    page.goto(console_url + "/login")
    page.get_by_label("Name").fill("ops1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    row = page.locator("#machines tr", has_text="worker clerk-")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(3)).to_have_text("alive")
    expect(page.locator("#machines tr", has_text="runner")).to_contain_text("not running")

    worker.signal_group(signal.SIGKILL)
    worker.process.wait(timeout=120)
    deadline = time.monotonic() + DEADLINE_S
    while row.locator("td").nth(3).inner_text() != "gone":  # three heartbeats missed
        assert time.monotonic() < deadline, row.inner_text()
        page.wait_for_timeout(3000)
        page.reload()
    assert row.locator("td").last.inner_text().startswith("20")  # when it was last seen, kept
