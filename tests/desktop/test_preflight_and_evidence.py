"""Preflight of the display, screenshots with masks, and the validation of selector files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from clerk import ConfigError, FatalError
from clerk.desktop import Desktop, DesktopSelectorBook

from .conftest import TkWindow

CHECKOUT = Path(__file__).resolve().parents[2]


@pytest.mark.desktop
def test_preflight_passes_when_the_window_is_shown(tmp_path: Path, tk_window: TkWindow,
                                                   make_desktop: Callable[..., Desktop]) -> None:
    make_desktop(tmp_path, tk_window.title).preflight("app")


def test_preflight_without_a_display_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       make_desktop: Callable[..., Desktop]) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    with pytest.raises(ConfigError, match="no X display"):
        make_desktop(tmp_path, "anything", display=None).preflight("app")


@pytest.mark.desktop
def test_preflight_with_the_wrong_screen_size_is_a_config_error(tmp_path: Path,
                                                                make_desktop: Callable[..., Desktop]) -> None:
    with pytest.raises(ConfigError, match=r"but the selectors and image templates were made for 1024x768"):
        make_desktop(tmp_path, "anything", screen_size=(1024, 768)).preflight("app")


@pytest.mark.desktop
def test_preflight_without_the_application_is_a_fatal_error(tmp_path: Path,
                                                            make_desktop: Callable[..., Desktop]) -> None:
    with pytest.raises(FatalError, match="tkapp is not running on display"):
        make_desktop(tmp_path, "clerk-test-never-started").preflight("app")


def test_preflight_on_a_display_that_is_not_there_is_a_fatal_error(tmp_path: Path,
                                                                   make_desktop: Callable[..., Desktop]) -> None:
    with pytest.raises(FatalError, match="cannot open the X display :99"):
        make_desktop(tmp_path, "anything", display=":99").preflight("app")


@pytest.mark.desktop
def test_screenshots_black_out_sensitive_regions(tmp_path: Path, tk_window: TkWindow,
                                                 make_desktop: Callable[..., Desktop]) -> None:
    desktop = make_desktop(tmp_path, tk_window.title)
    window = desktop.wait_window("app")
    desktop.screenshot(tmp_path / "shot.png")
    image = Image.open(tmp_path / "shot.png").convert("RGB")
    masked = image.crop((window.x + 100, window.y + 90, window.x + 260, window.y + 120))
    assert masked.getextrema() == ((0, 0), (0, 0), (0, 0))  # the label "SECRET-4711" is under it
    entry = image.crop((window.x + 20, window.y + 20, window.x + 60, window.y + 30))
    assert entry.getextrema() != ((0, 0), (0, 0), (0, 0))


def _book(tmp_path: Path, body: str) -> DesktopSelectorBook:
    (tmp_path / "app.yaml").write_text("app: app\nselectors:\n" + body, encoding="utf-8")
    return DesktopSelectorBook.load(tmp_path, "app")


@pytest.mark.parametrize(("body", "message"), [
    ("  w: {window: W}\n  k: {keys: [alt+b, ctrl+banana], within: w}\n", "unknown key 'banana'"),
    ("  w: {window: W}\n  k: {keys: [alt+b]}\n", "needs 'within'"),
    ("  w: {window: W}\n  k: {keys: [tab], within: k2}\n", "'within' must name a window selector"),
    ("  w: {window: W}\n  i: {image: missing.png, within: w}\n", "image template .*missing.png not found"),
    ("  w: {window: W, colour: red}\n", "unknown field"),
    ("  w: {window: W, window_pattern: X}\n", "needs exactly one of"),
    ("  w: {window: W}\n  m: {menu: [], within: w}\n", "'menu' is a list of levels"),
    ("  w: {window: W}\n  i: {image: a.png, confidence: 2, within: w}\n", "'confidence' is a number between 0 and 1"),
])
def test_a_malformed_selector_file_is_a_config_error(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "app" / "images").mkdir(parents=True)
    Image.new("RGB", (4, 4)).save(tmp_path / "app" / "images" / "a.png")
    with pytest.raises(ConfigError, match=message):
        _book(tmp_path, body)


def test_the_gnucash_selectors_load() -> None:
    book = DesktopSelectorBook.load(CHECKOUT / "bots" / "selectors", "gnucash")
    assert book.spec("main.bill_editor").title_matcher({"book": "acme.gnucash", "bill_id": "INV-1 (a)"}).match(
        "*acme.gnucash - Edit Bill - INV-1 (a) - GnuCash")
    assert book.spec("bill.new.ok").is_window is False
