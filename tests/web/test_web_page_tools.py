"""What WebPage offers so that bots never import Playwright: hover, downloads, the current
address, JavaScript evaluation, and waiting for whichever screen becomes visible."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clerk import SelectorFailed
from clerk._selectors import SelectorBook
from clerk.web import BrowserHost, WebPage
from tests.web.conftest import HERE, QUICK_TIMEOUT_MS, TIMEOUT, QuirkServer

pytestmark = pytest.mark.web


@pytest.fixture
def tools_page(browser_host: BrowserHost, quirk_server: QuirkServer) -> Iterator[Callable[..., WebPage]]:
    book = SelectorBook.load(HERE / "selectors", "tools")
    pages: list[WebPage] = []

    def open_(*, timeout_ms: float = TIMEOUT.total_seconds() * 1000) -> WebPage:
        page = browser_host.new_page()
        page.set_default_timeout(timeout_ms)
        web = WebPage(page, book, timeout_ms)
        pages.append(web)
        web.goto(f"{quirk_server.url}/tools.html")
        return web

    yield open_
    for web in pages:
        web.close()


def test_a_menu_entry_shown_on_hover_is_downloaded(tools_page, tmp_path: Path) -> None:
    web = tools_page()
    web.hover("tools.feeds")
    saved = web.download("tools.spreadsheet", tmp_path / "queue" / "Results.tsv")
    assert saved == tmp_path / "queue" / "Results.tsv"
    assert saved.read_text(encoding="utf-8") == "id\tSubject\n11\tPlan change\n"


def test_without_hover_the_entry_is_not_there_to_click(tools_page, tmp_path: Path) -> None:
    web = tools_page(timeout_ms=QUICK_TIMEOUT_MS)
    with pytest.raises(SelectorFailed, match=r"tools: 'tools.spreadsheet \(download\)' was not ready"):
        web.download("tools.spreadsheet", tmp_path / "Results.tsv")
    assert not (tmp_path / "Results.tsv").exists()


def test_the_current_address_and_javascript(tools_page, quirk_server: QuirkServer) -> None:
    web = tools_page()
    assert web.url == f"{quirk_server.url}/tools.html"
    assert web.evaluate("() => document.title") == "Search results"
    assert web.evaluate("el => el.dataset.id", on="tools.row", id=12) == "12"
    assert web.evaluate("els => els.map(e => e.dataset.id)", on="tools.rows", every=True) == ["11", "12"]


def test_evaluate_on_an_ambiguous_name_fails_like_any_strict_lookup(tools_page) -> None:
    web = tools_page()
    with pytest.raises(SelectorFailed, match=r"'tools.rows' matched 2 elements, expected one"):
        web.evaluate("el => el.dataset.id", on="tools.rows")


def test_wait_any_waits_for_a_visible_match_not_the_first_in_the_page(tools_page) -> None:
    web = tools_page()
    # the hidden login form is first in the DOM; the home heading only shows after 400 ms
    assert web.wait_any("tools.login", "tools.home") == "tools.home"


def test_wait_any_names_a_screen_whose_later_match_is_the_visible_one(tools_page) -> None:
    web = tools_page()
    # .notice: a hidden stale one first, the visible "saved" one appears later
    assert web.wait_any("tools.notice", "tools.login") == "tools.notice"


def test_wait_any_times_out_when_only_hidden_matches_exist(tools_page) -> None:
    web = tools_page(timeout_ms=QUICK_TIMEOUT_MS)
    with pytest.raises(SelectorFailed, match=r"'tools.login' was not ready"):
        web.wait_any("tools.login")
