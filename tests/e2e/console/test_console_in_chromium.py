"""The web console in a real headless Chromium, over real invoice_entry runs against the
sandbox LedgerSMB.

The first run fails one item with an application error: it uses a copy of the selectors
in which the account option also matches 5780--Telephone, so any other account finds
two options and fails before anything is posted (as in tests/e2e/audit). A third row
names an account LedgerSMB does not have: invalid, so both runs skip it (the console's
rerun skips invalid rows, or they would hold the failed one back). The console itself
runs with the real selectors, so the rerun it starts enters the failed item.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect, sync_playwright

from clerk._ledger import Ledger
from clerk.scheduler._journal import Event, Journal, journal_path
from tests.workbooks import write_workbook

pytestmark = pytest.mark.e2e

PROJECT = Path(__file__).resolve().parents[3]
SANDBOX_PASSWORD = "Admin123!"  # the sandbox's seeded login, public test data
USERS = {"ops1": ("operator", "operator-e2e-pass-1"), "aud1": ("auditor", "auditor-e2e-pass-1")}
RERUN_DEADLINE_S = 600  # generous: the machine is shared; this bounds a hang, it times nothing


@dataclass
class Served:
    url: str
    prefix: str
    failed_run: str
    root: Path
    env: dict[str, str]


def _psql(sql: str) -> list[list[str]]:
    out = subprocess.run(["su", "postgres", "-c", f"psql -X -d acme -tA -F '\t' -c \"{sql}\""],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def _broken_selectors(target: Path) -> Path:
    shutil.copytree(PROJECT / "bots" / "selectors", target)
    path = target / "ledgersmb.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["selectors"]["ap.add.account_option"]["name_pattern"] = "^({account}|5780)--"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return target


def _clerk(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clerk", *args], env=env, cwd=PROJECT, input=stdin,
                          capture_output=True, text=True, timeout=600, check=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert server.poll() is None, "the console exited"
        try:
            with urllib.request.urlopen(url + "/login", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)  # the test waits for a server it started; not product code
    raise AssertionError("the console did not answer within 60 s")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("console-e2e")
    prefix = f"CO{uuid.uuid4().hex[:8].upper()}-"
    env = {name: value for name, value in os.environ.items() if not name.startswith("CLERK_")}
    env.update({"CLERK_HOME": str(PROJECT), "CLERK_LEDGERSMB_USER": "admin",
                "CLERK_LEDGERSMB_PASSWORD": SANDBOX_PASSWORD,
                "CLERK_CLERK__DATA_DIR": str(root / "var"), "CLERK_CLERK__RECORDINGS_DIR": str(root / "recordings"),
                "CLERK_RETRY__ATTEMPTS": "2", "CLERK_RETRY__WAIT_INITIAL_S": "0.2",
                "CLERK_WEB__TIMEOUT_S": "90"})  # a shared, loaded machine: LedgerSMB's login page took > 20 s
    rows = [["Globex Telecom LLC", f"{prefix}{n:03d}", dt.datetime(2026, 10, n + 1), f"2026-11-{n + 1:02d}",
             f"{100 + n}.25", account, f"clerk console e2e {prefix}{n:03d}"] for n, account in ((1, "5780"),
                                                                                           (2, "5610"), (3, "9999"))]
    source = write_workbook(root / "invoices.xlsx", rows)
    broken = {**env, "CLERK_CLERK__SELECTORS_DIR": str(_broken_selectors(root / "selectors"))}
    first = _clerk(broken, "run", "invoice_entry", "--input", str(source), "--skip-invalid")
    assert first.returncode == 3, first.stdout + first.stderr  # one item failed, one is invalid (no account 9999)
    for name, (role, password) in USERS.items():
        added = _clerk(env, "console", "user", "add", name, "--role", role, stdin=password + "\n")
        assert added.returncode == 0, added.stderr
    ledger = Ledger(root / "var" / "ledger.sqlite3")
    try:
        (run,) = ledger.runs("invoice_entry")
    finally:
        ledger.close()
    assert dict(run.counts) == {"done": 1, "failed": 1, "invalid": 1}
    failed_run = run.id
    port = _free_port()
    log = (root / "console.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "clerk", "console", "--port", str(port)], env=env, cwd=PROJECT,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(f"http://127.0.0.1:{port}", server)
        yield Served(f"http://127.0.0.1:{port}", prefix, failed_run, root, env)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            yield browser.new_page(viewport={"width": 1400, "height": 1000})
        finally:
            browser.close()


def _sign_in(page: Page, served: Served, name: str) -> None:
    page.goto(served.url + "/runs")
    expect(page).to_have_url(served.url + "/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(USERS[name][1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()


def test_an_operator_finds_the_failed_run_sees_its_screenshots_and_reruns_its_failed_items(
        served: Served, page: Page) -> None:
    _sign_in(page, served, "ops1")
    attention = page.locator("table", has=page.get_by_role("cell", name="failed_items")).first
    attention.get_by_role("link", name=served.failed_run).click()
    expect(page.get_by_role("heading", name=f"Run {served.failed_run}")).to_be_visible()
    expect(page.locator("#verification")).to_contain_text("intact")
    failed_row = page.locator("tr", has=page.get_by_role("cell", name="failed", exact=True))
    expect(failed_row).to_contain_text(f"{served.prefix}002")
    shots = failed_row.locator("img.shot")
    expect(shots.first).to_be_attached()
    for shot in shots.all():
        shot.scroll_into_view_if_needed()
        expect(shot).to_have_js_property("complete", True)
        assert shot.evaluate("img => img.naturalWidth") > 0
    page.get_by_role("button", name="Rerun failed items").click()
    expect(page.get_by_role("status")).to_contain_text("rerun of")
    deadline = time.monotonic() + RERUN_DEADLINE_S
    page.goto(served.url + f"/items?q={served.prefix}002")
    while "done" not in page.locator("table tr", has_text=f"{served.prefix}002").inner_text():
        assert time.monotonic() < deadline, "the rerun did not finish"
        page.wait_for_timeout(2000)
        page.reload()
    ap = _psql(f"SELECT invnumber, amount FROM ap WHERE invnumber LIKE '{served.prefix}%' ORDER BY invnumber")
    assert ap == [[f"{served.prefix}001", "101.25"], [f"{served.prefix}002", "102.25"]]
    page.goto(served.url + "/")
    expect(page.locator("tr", has_text=served.failed_run).first).to_contain_text("none: rerun")
    expect(page.locator("table", has_text="rerun_failed")).to_contain_text("ops1")
    rerun = _journaled_run(served, f"rerun of {served.failed_run}'s failed items by ops1", page)
    assert rerun != served.failed_run
    assert _status_shows_last_run(served, rerun)
    page.screenshot(path=served.root / "overview.png", full_page=True)  # the README's picture comes from here


def _journaled_run(served: Served, asked: str, page: Page) -> str:
    """The run the runner's journal has for job invoice_entry after the fire ``asked`` names,
    journaled as the runner journals its own: fired, run started, run ended with its id, idle.
    The item can show done while its run still writes its results and seals its recording, so
    the journal is read again until the run has ended."""
    deadline = time.monotonic() + RERUN_DEADLINE_S
    while True:
        entries = list(reversed(Journal(journal_path(served.root / "var")).entries("invoice_entry")))
        fired = next(n for n, e in enumerate(entries) if e.event is Event.FIRED and asked in e.detail)
        after = entries[fired:]
        if after[-1].event is Event.IDLE:
            break
        assert time.monotonic() < deadline, f"the runner journaled no end of the run after {asked!r}"
        page.wait_for_timeout(1000)
    ended = next(e for e in after if e.event is Event.RUN_ENDED)
    assert any(e.event is Event.RUN_STARTED for e in after)
    assert ended.run_id is not None
    return ended.run_id


def _status_shows_last_run(served: Served, run_id: str) -> bool:
    status = _clerk({**served.env, "COLUMNS": "300"}, "status")
    assert status.returncode == 0, status.stderr
    line = next(line for line in status.stdout.splitlines() if line.lstrip("│ ").startswith("invoice_entry"))
    return run_id in line


def test_an_operator_runs_a_job_now_and_the_run_is_journaled_with_who_asked(served: Served, page: Page) -> None:
    rows = [["Globex Telecom LLC", f"{served.prefix}{n:03d}", dt.datetime(2026, 10, n + 1), f"2026-11-{n + 1:02d}",
             f"{200 + n}.25", "5610", f"clerk console run now {served.prefix}{n:03d}"] for n in (4,)]
    inbox = served.root / "var" / "inbox" / "invoice_entry"
    inbox.mkdir(parents=True, exist_ok=True)
    write_workbook(inbox / f"{served.prefix}now.xlsx", rows)
    _sign_in(page, served, "ops1")
    page.locator("tr", has=page.get_by_role("cell", name="invoice_entry", exact=True)).get_by_role(
        "button", name="Run now").click()
    expect(page.get_by_role("status")).to_contain_text("invoice_entry started by ops1")
    processed, failed = (served.root / "var" / outcome / "invoice_entry" / f"{served.prefix}now.xlsx"
                         for outcome in ("processed", "failed"))
    deadline = time.monotonic() + RERUN_DEADLINE_S
    while not processed.exists():
        assert not failed.exists(), failed.with_suffix(".error.txt").read_text() if failed.with_suffix(
            ".error.txt").exists() else "the file went to failed/"
        assert time.monotonic() < deadline, "the run started from the console did not finish"
        page.wait_for_timeout(2000)
    ap = _psql(f"SELECT invnumber, amount FROM ap WHERE invnumber = '{served.prefix}004'")
    assert ap == [[f"{served.prefix}004", "204.25"]]
    run_id = _journaled_run(served, "run now by ops1", page)
    assert _status_shows_last_run(served, run_id)
    page.goto(served.url + f"/runs/{run_id}")
    expect(page.locator("#verification")).to_contain_text("intact")


def test_an_auditor_finds_an_invoice_by_number_with_its_evidence_and_is_refused_an_action(
        served: Served, page: Page) -> None:
    _sign_in(page, served, "aud1")
    expect(page.get_by_role("button", name="Pause")).to_have_count(0)
    page.get_by_role("link", name="Items").click()
    page.get_by_label("Reference or application id").fill(f"{served.prefix}001")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=f"globex telecom llc|{served.prefix}001").click()
    expect(page.get_by_role("heading", name=f"invoice_entry: globex telecom llc|{served.prefix}001")).to_be_visible()
    expect(page.locator("table").first).to_contain_text("done")
    evidence = page.locator("img.shot").first
    evidence.scroll_into_view_if_needed()
    expect(evidence).to_have_js_property("complete", True)
    assert evidence.evaluate("img => img.naturalWidth") > 0
    page.goto(served.url + f"/runs/{served.failed_run}")
    expect(page.get_by_role("button", name="Rerun failed items")).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the export zip").click()
    archive = served.root / "export.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as zipped:
        assert f"{served.failed_run}/run.json" in zipped.namelist()
    token = page.locator("input[name=csrf]").first.get_attribute("value") or ""
    refused = page.request.post(served.url + f"/actions/runs/{served.failed_run}/rerun", form={"csrf": token})
    assert refused.status == 403
    assert page.request.post(served.url + "/actions/jobs/invoice_entry/pause", form={"csrf": token}).status == 403
