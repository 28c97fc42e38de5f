"""Failures on a live page become clerk errors that name the application and the logical name."""

from __future__ import annotations

import pytest

from clerk import ApplicationError, ConfigError, ScreenNotReached, SelectorFailed

pytestmark = pytest.mark.web


def test_two_matching_elements_are_a_strict_mode_violation(open_page) -> None:
    web = open_page("twins.html")
    with pytest.raises(SelectorFailed) as caught:
        web.click("twins.save")
    assert str(caught.value) == "quirks: 'twins.save' matched 2 elements, expected one"
    assert caught.value.retryable


def test_lists_may_match_several_and_within_narrows_to_one(open_page) -> None:
    web = open_page("twins.html")
    assert web.count("twins.save") == 2
    assert web.texts("twins.save") == ["Save", "Save"]
    web.click("twins.first_save")


def test_a_missing_element_times_out_naming_the_logical_name(open_page, quirk_server) -> None:
    web = open_page("twins.html", timeout_ms=800)
    with pytest.raises(SelectorFailed) as caught:
        web.click("twins.missing")
    assert str(caught.value) == f"quirks: 'twins.missing' was not ready within 0.8s on {quirk_server.url}/twins.html"
    with pytest.raises(SelectorFailed, match="'twins.missing' was not ready"):
        web.wait("twins.missing")
    assert not web.is_visible("twins.missing")  # asking is not waiting


def test_an_unknown_logical_name_is_a_config_error(open_page) -> None:
    web = open_page("twins.html")
    with pytest.raises(ConfigError, match="quirks: no selector named 'twins.sav'"):
        web.click("twins.sav")


def test_a_server_error_page_is_an_application_error(open_page, quirk_server) -> None:
    web = open_page("twins.html")
    with pytest.raises(ApplicationError, match=f"quirks: {quirk_server.url}/status/502 answered HTTP 502"):
        web.goto(f"{quirk_server.url}/status/502")


def test_an_unreachable_application_is_screen_not_reached(open_page) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    web = open_page("twins.html")
    with pytest.raises(ScreenNotReached, match=f"quirks: cannot open http://127.0.0.1:{port}/"):
        web.goto(f"http://127.0.0.1:{port}/")
