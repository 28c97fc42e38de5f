"""The review page: every item and screenshot, the verification status, and small enough
to open quickly for a run of 500 items (how quickly: bench/bench_report.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from clerk.audit import write_report
from clerk.cli import cli
from tests.audit_helpers import make_run, png_bytes


def test_the_report_shows_every_item_step_and_screenshot(tmp_path: Path) -> None:
    run = make_run(tmp_path, items=3, shots=2)
    result = CliRunner().invoke(cli, ["audit", "report", str(run.folder)])
    assert result.exit_code == 0, result.output
    page = Path(result.output.strip())
    assert page == run.folder.with_name(f"{run.folder.name}.report.html")
    html = page.read_text(encoding="utf-8")
    for key in ("row-00002", "row-00003", "row-00004"):
        assert f'id="{key}"' in html and f'href="#{key}"' in html
    shots = sorted(p.relative_to(run.folder).as_posix() for p in run.folder.rglob("*.png"))
    assert len(shots) == 6
    for shot in shots:
        assert f'href="{run.folder.name}/{shot}"' in html
    assert html.count("data:image/jpeg;base64,") == 6  # a small run carries its thumbnails
    assert "Verified intact" in html and "traces/row-00003/ledgersmb-trace.zip" in html
    assert "<script src" not in html and "<link" not in html and "http" not in html.split("</header>")[0]


def test_a_tampered_screenshot_is_flagged_in_the_report(tmp_path: Path) -> None:
    run = make_run(tmp_path, items=2, shots=1)
    (run.folder / "shots/row-00003/01-ledgersmb-step-1.png").write_bytes(png_bytes("forged"))
    html = write_report(run.folder).read_text(encoding="utf-8")
    assert "NOT INTACT" in html and "changed since sealed" in html
    assert re.search(r'<details class="item" id="row-00003"[^>]*open>', html)


def test_an_edited_event_is_shown_in_its_items_section(tmp_path: Path) -> None:
    run = make_run(tmp_path, items=2, shots=1)
    path = run.folder / "events.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    number = next(n for n, line in enumerate(lines, 1) if '"item": "row-00003"' in line)
    event = json.loads(lines[number - 1])
    event["record"]["message"] = "the manager approved row 3"
    lines[number - 1] = json.dumps(event)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    html = write_report(run.folder).read_text(encoding="utf-8")
    section = html[html.index('<details class="item" id="row-00003"'):]
    section = section[:section.index("</details>")]
    assert f"events.jsonl:{number}: event edited" in section
    assert "events.jsonl:" not in html[html.index('<details class="item" id="row-00002"'):].split("</details>")[0]


def test_an_unsealed_run_still_shows_its_steps(tmp_path: Path) -> None:
    run = make_run(tmp_path, items=2, shots=1)
    path = run.folder / "run.json"
    manifest = json.loads(path.read_text())
    for key in ("seal", "items"):
        del manifest[key]
    path.write_text(json.dumps(manifest))
    html = write_report(run.folder).read_text(encoding="utf-8")
    assert "NOT INTACT" in html and "not sealed" in html
    assert 'id="row-00002"' in html and 'id="row-00003"' in html and html.count('class="shot') == 2


@pytest.mark.web
def test_a_report_of_500_items_is_small_and_complete(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    run = make_run(tmp_path, items=500, shots=2, failed=tuple(range(2, 502, 50)), unique_shots=False)
    page_path = write_report(run.folder)
    size = page_path.stat().st_size
    assert size < 1_200_000, f"{size} bytes"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(page_path.as_uri(), wait_until="domcontentloaded")
            assert page.locator("table:not(.steps) > tbody > tr").count() == 500
            assert page.locator("details.item").count() == 500
            assert page.locator("img").count() == 1000
            assert page.locator("img:not([loading=lazy])").count() == 0  # only what is on screen loads
            page.click("button[data-filter=failed]")
            assert page.locator("table:not(.steps) > tbody > tr:visible").count() == 10
            page.fill("#search", "vendor|inv-252")
            assert page.locator("table:not(.steps) > tbody > tr:visible").count() == 1
        finally:
            browser.close()
