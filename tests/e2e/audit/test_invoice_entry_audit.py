"""The audit trail of a real invoice_entry run: complete, sealed, signed, free of secrets,
reviewable in a browser, exportable, and kept by prune while it is unresolved."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.attempts import assert_entered_once, attempts_of
from tests.audit_helpers import assert_no_secrets
from tests.ledgersmb_db import psql

from .conftest import AuditedRuns

pytestmark = pytest.mark.e2e


def manifest(folder: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((folder / "run.json").read_text(encoding="utf-8"))


def test_the_run_enters_the_good_row_and_fails_the_broken_one(audited: AuditedRuns) -> None:
    assert audited.entry.returncode == 3, audited.entry.console.read_text()[-3000:]
    assert audited.entry.folder is not None
    rows = psql(f"SELECT invnumber, amount FROM ap WHERE invnumber LIKE '{audited.prefix}%' ORDER BY invnumber")
    assert rows == [[f"{audited.prefix}001", "101.25"]]  # the failing row was never posted
    items = manifest(audited.entry.folder)["items"]
    assert [(i["key"], i["status"]) for i in items] == [("row-00002", "done"), ("row-00003", "failed")]


def test_the_manifest_describes_the_run_and_every_step(audited: AuditedRuns) -> None:
    folder = audited.entry.folder
    assert folder is not None
    data = manifest(folder)
    assert data["run_id"] == folder.name and data["bot"] == "invoice_entry" and data["clerk_version"]
    assert re.fullmatch(r"[0-9a-f]{40}", data["git"]["commit"]) and data["host"] and data["user"]
    assert data["input"]["name"] == "invoices.xlsx"
    assert data["input"]["sha256"] == hashlib.sha256(audited.input.read_bytes()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", data["config_sha256"]) and data["settings"]["apps"]["ledgersmb"]["url"]
    assert data["started_at"] < data["ended_at"] <= data["sealed_at"]
    assert data["counts"] == {"done": 1, "failed": 1} and data["outcome"] == "failed_items"
    done, failed = data["items"]
    assert_entered_once(attempts_of(done["steps"]), done["message"])
    assert [s["name"] for s in failed["steps"]] == ["attempt-1-failed", "attempt-2-failed"]
    for step in done["steps"] + failed["steps"]:
        assert step["app"] == "ledgersmb" and step["url"].startswith("http://127.0.0.1:5762/")
        assert step["at"] and step["action"] and step["outcome"] in ("ok", "failed")
        assert data["files"][step["shot"]] == step["sha256"]
    assert "matched 2 elements" in failed["steps"][0]["error"]
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"run.json"}
    assert set(data["files"]) == on_disk
    assert data["events"]["count"] == len((folder / "events.jsonl").read_text().splitlines())


def test_the_sealed_run_verifies_and_its_signature_checks(audited: AuditedRuns) -> None:
    done = audited.clerk("audit", "verify", str(audited.entry.folder), "--require-signature")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "intact" in done.stdout and "signature valid" in done.stdout


def test_only_the_failed_item_keeps_a_trace(audited: AuditedRuns) -> None:
    folder = audited.entry.folder
    assert folder is not None
    traces = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.zip"))
    assert traces == ["traces/row-00003/ledgersmb-trace.zip"]
    with zipfile.ZipFile(folder / traces[0]) as trace:
        assert not [n for n in trace.namelist() if n.endswith((".jpeg", ".png", ".html"))]  # no pixels, no DOM
        assert "matched 2 elements" in trace.read("trace.trace").decode() or "strict mode violation" in \
            trace.read("trace.trace").decode()


def test_no_secret_in_recordings_logs_traces_or_outputs(audited: AuditedRuns) -> None:
    dry = audited.dry.folder
    assert audited.dry.returncode == 0 and dry is not None
    trace = zipfile.ZipFile(dry / "traces" / "run" / "ledgersmb-trace.zip")
    login = "".join(trace.read(name).decode() for name in trace.namelist() if name.endswith(".trace"))
    assert '"selector":"input[name=login]"' in login  # the login was traced...
    assert '"selector":"input[name=password]"' not in login  # ...but not the typing of the password
    searched = assert_no_secrets(
        [audited.root / "recordings", audited.root / "var", audited.root / "logs",
         *audited.root.glob("*.results.xlsx")],
        audited.secrets,
    )
    assert searched >= 12


def test_the_report_renders_every_item_and_screenshot_in_chromium(audited: AuditedRuns) -> None:
    folder = audited.entry.folder
    assert folder is not None
    done = audited.clerk("audit", "report", str(folder))
    assert done.returncode == 0, done.stderr
    page_path = Path(done.stdout.strip())
    shots = sorted(p.relative_to(folder.parent).as_posix() for p in folder.rglob("*.png"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(page_path.as_uri())
            assert "Verified intact" in page.inner_text(".banner")
            assert page.locator("table:not(.steps) > tbody > tr").all_inner_texts() and \
                page.locator("table:not(.steps) > tbody > tr").count() == 2
            for item in page.locator("details.item").all():
                item.evaluate("el => el.open = true")
            links = sorted(a.get_attribute("href") or "" for a in page.locator("a.shot").all())
            assert links == shots
            for image in page.locator("a.shot img").all():
                image.scroll_into_view_if_needed()
                assert image.evaluate("img => img.complete && img.naturalWidth > 0")
            page.click("button[data-filter=failed]")
            assert page.locator("table:not(.steps) > tbody > tr:visible").all_inner_texts()[0].startswith("3")
            page.click("button[data-filter=all]")
            page.screenshot(path=audited.root / "report.png", full_page=True)
        finally:
            browser.close()


def test_an_export_verifies_on_another_path_and_tampering_is_named(audited: AuditedRuns, tmp_path: Path) -> None:
    folder = audited.entry.folder
    assert folder is not None
    archive = tmp_path / "export.zip"
    assert audited.clerk("audit", "export", str(folder), "--output", str(archive)).returncode == 0
    elsewhere = shutil.copy(archive, tmp_path / "auditor.zip")
    done = audited.clerk("audit", "verify", str(elsewhere))
    assert done.returncode == 0 and "intact" in done.stdout, done.stdout + done.stderr
    copy = shutil.copytree(folder, tmp_path / "copy" / folder.name)
    shot = min(copy.rglob("*.png"))
    shot.write_bytes(max(copy.rglob("*.png")).read_bytes())
    tampered = audited.clerk("audit", "verify", str(copy))
    assert tampered.returncode == 1
    assert f"{shot.relative_to(copy).as_posix()}: file swapped" in tampered.stderr


def test_prune_keeps_the_run_with_an_unresolved_failure(audited: AuditedRuns) -> None:
    done = audited.clerk("audit", "prune", "--older-than", "0h", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert f"kept: {audited.entry.folder}" in done.stdout and "1 failed item(s) not yet rerun" in done.stdout
    assert f"would delete: {audited.dry.folder}" in done.stdout
    assert audited.entry.folder is not None and audited.entry.folder.is_dir()
