"""Selectors that survive small UI changes: a logical name lists fallbacks; when the first spec
finds nothing and a fallback does, the run goes on and the drift shows in the events, the run
summary and the audit report (renamed.html: the button and status line were renamed)."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from clerk import App, AppEnv, Bot, Found, ItemSchema, RowReader, RunContext, SelectorFailed
from clerk._config import load_settings
from clerk._outcome import ItemStatus
from clerk._run import run_bot
from clerk._run_options import RunOptions
from clerk._selectors import SelectorDrift
from clerk.audit import write_report
from clerk.console import print_report
from clerk.web import WebPage
from tests.web.conftest import HERE

pytestmark = pytest.mark.web


def test_a_fallback_is_used_and_reported_once_per_name(open_page) -> None:
    web: WebPage = open_page("renamed.html")
    drifts: list[SelectorDrift] = []
    web.on_drift = drifts.append
    web.fill("renamed.reference", "A-1")
    web.click("renamed.save")
    assert web.text("renamed.status") == "Saved A-1"
    web.click("renamed.save")
    assert [(d.name, d.position, d.drifted, d.matched) for d in drifts] == [
        ("renamed.save", 1, 'css "button#save-order"', 'role "button" name "Save order" exact True'),
        ("renamed.status", 2, 'css "#status"', 'css "p.status-line"'),
    ]
    assert drifts[0].message.endswith(f"update {HERE / 'selectors' / 'quirks.yaml'}")


def test_a_name_none_of_whose_specs_match_fails_naming_it_and_asking_does_not_wait(open_page) -> None:
    web: WebPage = open_page("renamed.html", timeout_ms=800)
    with pytest.raises(SelectorFailed, match="'renamed.gone' was not ready within 0.8s"):
        web.click("renamed.gone")
    assert web.count("renamed.gone") == 0 and not web.is_visible("renamed.gone")


# ---------------------------------------------------------------------------- a whole run
class OrderForm:
    def __init__(self, env: AppEnv) -> None:
        assert env.web is not None
        self.web, self.url = env.web, f"{env.settings['url']}/renamed.html"

    def start(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.web.goto(self.url)

    def screenshot(self, path: Path) -> None:
        self.web.screenshot(path)

    def close(self) -> None:
        self.web.page.context.close()


def _enter(ctx: RunContext, reference: str) -> str:
    form = ctx.app("quirks")
    assert isinstance(form, OrderForm)
    form.reset()
    form.web.fill("renamed.reference", reference)
    form.web.click("renamed.save")
    shown = form.web.text("renamed.status")
    assert shown == f"Saved {reference}"
    ctx.snap("saved")
    return reference


def _nowhere(ctx: RunContext, reference: str) -> Found | None:
    return None


def _parse(row: RowReader) -> str:
    return row.text("reference")


ORDER_BOT = Bot(name="orders", description="orders into renamed.html", apps={"quirks": App(session=OrderForm,
                                                                                            login=False)},
                schema=ItemSchema(columns={"reference": ("reference",)}, required=("reference",), parse=_parse),
                reference=lambda reference: reference, find=_nowhere, enter=_enter)


@pytest.mark.usefixtures("own_playwright")
def test_the_drift_shows_in_the_events_the_summary_and_the_report(checkout: Path, tmp_path: Path,
                                                                   quirk_server) -> None:
    selectors = tmp_path / "selectors"
    selectors.mkdir()
    shutil.copy(HERE / "selectors" / "quirks.yaml", selectors / "quirks.yaml")
    settings = dataclasses.replace(load_settings(checkout, environ={}), data_dir=tmp_path / "var",
                                   recordings_dir=tmp_path / "recordings", selectors_dir=selectors,
                                   apps={"quirks": {"url": quirk_server.url}})
    orders = tmp_path / "orders.csv"
    orders.write_text("Reference\nA-1\nB-2\n")

    report = run_bot(ORDER_BOT, settings, RunOptions(input_path=orders))

    assert [(r.reference, r.status) for r in report.results] == [("A-1", ItemStatus.DONE), ("B-2", ItemStatus.DONE)]
    events = [json.loads(line)["record"] for line in (report.recording_dir / "events.jsonl").read_text().splitlines()]
    drifted = [(e["extra"]["selector"], e["extra"]["drifted"], e["extra"]["matched"], e["extra"]["item"])
               for e in events if e["extra"].get("event") == "selector_drift"]
    assert drifted == [
        ("renamed.save", 'css "button#save-order"', 'role "button" name "Save order" exact True', "row-00002"),
        ("renamed.status", 'css "#status"', 'css "p.status-line"', "row-00002"),
    ]

    out = io.StringIO()
    print_report(report, Console(file=out, width=100))
    summary = out.getvalue()
    assert "selectors that drifted" in summary
    assert "quirks: selector 'renamed.save' drifted: css \"button#save-order\" found nothing" in summary
    assert "fallback 2 (css \"p.status-line\") was used" in summary

    page = write_report(report.recording_dir).read_text(encoding="utf-8")
    section = page[page.index('id="selector-drift"'):page.index("<h2>Items</h2>")]
    assert "renamed.save" in section and "button#save-order" in section and "Save order" in section
    assert "renamed.status" in section and "p.status-line" in section
