"""Screens swapped into a pane by XHR, with the old screen staying until the answer arrives."""

from __future__ import annotations

import pytest

from clerk import SelectorFailed

pytestmark = pytest.mark.web


def test_without_waiting_the_old_screen_is_still_there(open_page) -> None:
    """The race the framework exists to handle: right after the click, the pane is stale."""
    # the page comes at once; the screen's answer takes 30 s, far longer than reading the pane takes
    # even on a busy machine (with the delay on the page too, its load had 1 s to spare in 3 s)
    web = open_page("pane.html?screen_delay_ms=30000")
    web.click("menu.search")
    assert web.value("pane.invoice_number") == "OLD-1"  # the old form answers, not the search form
    assert web.count("search.form") == 0


def test_replacing_waits_for_the_new_screen(open_page, quirk_server) -> None:
    web = open_page("pane.html")
    with web.replacing("main.pane"):
        web.click("menu.search")
    # no further waiting: the old content is gone, so whatever answers now is the new screen
    assert web.count("search.form") == 1
    assert web.value("pane.invoice_number") == ""
    assert quirk_server.requests.count("/fragments/search.html") == 1


def test_replacing_also_works_when_the_new_screen_looks_like_the_old_one(open_page) -> None:
    web = open_page("pane.html")
    with web.replacing("main.pane"):
        web.click("menu.add")  # the same title and field come back, with a fresh value
    assert web.value("pane.invoice_number") == ""


def test_wait_any_names_the_screen_that_arrived(open_page) -> None:
    web = open_page("pane.html")
    with web.replacing("main.pane"):
        web.click("menu.broken")
    assert web.wait_any("search.form", "main.error") == "main.error"
    with web.replacing("main.pane"):
        web.click("menu.search")
    assert web.wait_any("search.form", "main.error") == "search.form"


def test_wait_any_while_the_pane_is_still_loading(open_page) -> None:
    web = open_page("pane.html")
    web.click("menu.search")
    assert web.wait_any("search.form", "main.error") == "search.form"


def test_wait_any_times_out_naming_every_screen_it_waited_for(open_page) -> None:
    web = open_page("pane.html", timeout_ms=800)
    with pytest.raises(SelectorFailed) as caught:
        web.wait_any("search.form", "main.error")
    assert "quirks: 'search.form or main.error' was not ready within 0.8s" in str(caught.value)
