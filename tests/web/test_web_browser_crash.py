"""Chromium killed mid-item (a crash, the OOM killer): the browser is started again, the
interrupted item is looked up first, and the run carries on with every item entered once."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from clerk import ApplicationError
from clerk._config import WebSettings
from clerk._outcome import ItemStatus
from clerk._run import run_bot
from clerk._run_options import RunOptions
from clerk.web import BrowserHost
from tests.processes import descendants, is_chromium, is_playwright_driver, kill_below
from tests.web.records import RecordsServer, records_bot, records_settings

pytestmark = pytest.mark.web


@pytest.mark.usefixtures("own_playwright")
@pytest.mark.parametrize("victim", [
    is_chromium,
    # with its driver gone, Playwright drops the call that would save the item's trace chunk unawaited
    pytest.param(is_playwright_driver, marks=pytest.mark.filterwarnings(
        "ignore:coroutine 'Tracing.stop_chunk' was never awaited", "ignore::pytest.PytestUnraisableExceptionWarning")),
], ids=["chromium", "playwright-driver"])
def test_a_killed_browser_is_started_again_and_the_run_goes_on(
    checkout: Path, tmp_path: Path, victim: Callable[[int], bool]
) -> None:
    server = RecordsServer(tmp_path / "records.json")
    server.start_and_wait()
    before_run = set(descendants(os.getpid()))
    killed: list[int] = []

    def crash_during(ref: str) -> None:
        if ref == "B-2" and not killed:  # looked up, not yet entered
            killed.extend(kill_below(os.getpid(), victim, spare=before_run))

    path = tmp_path / "refs.csv"
    path.write_text("Reference\nA-1\nB-2\nC-3\nD-4\n")
    try:
        report = run_bot(records_bot(crash_during), records_settings(checkout, tmp_path, server.url),
                         RunOptions(input_path=path))
    finally:
        server.stop()
    assert killed  # the run's browser (or its driver) really died
    assert [(r.reference, r.status) for r in report.results] == [
        ("A-1", ItemStatus.DONE), ("B-2", ItemStatus.DONE), ("C-3", ItemStatus.DONE), ("D-4", ItemStatus.DONE)]
    assert report.exit_code == 0
    assert sorted(server.references()) == ["A-1", "B-2", "C-3", "D-4"]  # each entered exactly once


@pytest.mark.usefixtures("own_playwright")
def test_a_browser_that_cannot_start_again_is_retried_not_a_configuration_error(tmp_path: Path) -> None:
    browser = tmp_path / "chromium"
    browser.write_text('#!/bin/sh\nexec /usr/bin/chromium "$@"\n')
    browser.chmod(0o755)
    before = set(descendants(os.getpid()))
    host = BrowserHost(WebSettings(browser=str(browser)))
    try:
        host.new_page()
        assert kill_below(os.getpid(), is_chromium, spare=before)
        browser.write_text("#!/bin/sh\nexit 1\n")  # short of memory, say
        with pytest.raises(ApplicationError, match="could not start .* again after it was gone") as caught:
            host.new_page()
        assert caught.value.retryable
        browser.write_text('#!/bin/sh\nexec /usr/bin/chromium "$@"\n')  # the memory is back
        page = host.new_page()
        page.goto("data:text/html,<title>back</title>")
        assert page.title() == "back"
    finally:
        host.close()
