"""Windows, keyboard and pointer on a real X display."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from clerk import ApplicationError, OperatorAbort, ScreenNotReached, SelectorFailed
from clerk.desktop import Desktop
from clerk.desktop._screen import Region, grab

from .conftest import TK_APP, WINDOW_AT, TkWindow

pytestmark = pytest.mark.desktop
SHORT = dt.timedelta(seconds=2)


def test_waits_for_a_window_to_appear_and_to_go(tmp_path: Path, make_desktop: Callable[..., Desktop]) -> None:
    title = f"clerk-test-{uuid.uuid4().hex[:8]}"
    desktop = make_desktop(tmp_path, title)
    assert desktop.find_window("app") is None
    process = subprocess.Popen([sys.executable, str(TK_APP), title, *map(str, WINDOW_AT)], stdout=subprocess.DEVNULL)
    try:
        window = desktop.wait_window("app")
        assert (window.title, window.x, window.y) == (title, *WINDOW_AT)
    finally:
        process.kill()
        process.wait(timeout=10)
    desktop.wait_gone("app")
    assert desktop.find_window("app") is None


def test_a_window_that_never_comes_is_named_in_the_error(tmp_path: Path, make_desktop: Callable[..., Desktop]) -> None:
    desktop = make_desktop(tmp_path, "no-such-window", timeout=SHORT)
    with pytest.raises(ScreenNotReached, match="window 'app'"):
        desktop.wait_window("app")


@pytest.mark.parametrize("text", ["Expenses:Telephone 123.45 #7/8 & (x) INV-0042", "Müller & Søn, №7 ✓"])
def test_types_into_the_window_under_the_pointer(tmp_path: Path, tk_window: TkWindow, text: str, make_desktop: Callable[..., Desktop]) -> None:
    desktop = make_desktop(tmp_path, tk_window.title)
    desktop.fill("app.entry", text)
    desktop.keys("app.submit")
    assert tk_window.line() == f"entry:{text}"


def _button_template(tmp_path: Path, tk_window: TkWindow, make_desktop: Callable[..., Desktop]) -> Path:
    """Cut the "Press me" button out of a screenshot of the test window."""
    window = make_desktop(tmp_path / "probe", tk_window.title).wait_window("app")
    path = tmp_path / "button.png"
    grab(os.environ["DISPLAY"], Region(window.x + 140, window.y + 56, 80, 22)).save(path)
    return path


def test_clicks_a_control_found_by_its_image(tmp_path: Path, tk_window: TkWindow, make_desktop: Callable[..., Desktop]) -> None:
    desktop = make_desktop(tmp_path, tk_window.title, _button_template(tmp_path, tk_window, make_desktop))
    desktop.click_image("app.button")
    assert tk_window.line() == "clicked"


def test_an_image_that_is_not_shown_fails_with_its_best_score(tmp_path: Path, tk_window: TkWindow, make_desktop: Callable[..., Desktop]) -> None:
    noise = tmp_path / "noise.png"
    Image.effect_noise((60, 20), 90).convert("RGB").save(noise)
    desktop = make_desktop(tmp_path, tk_window.title, noise, timeout=SHORT)
    with pytest.raises(SelectorFailed, match=r"not on screen \(best match 0\.\d\d, needs 0\.90\)"):
        desktop.click_image("app.button")


def test_keys_first_then_the_image_when_the_keys_do_not_work(tmp_path: Path, tk_window: TkWindow, make_desktop: Callable[..., Desktop]) -> None:
    # the default timeout: finding the image is a wait for success, which SHORT could cut off on a busy machine
    desktop = make_desktop(tmp_path, tk_window.title, _button_template(tmp_path, tk_window, make_desktop))
    clicked: list[str] = []
    # app.button has only an image: activate clicks it and waits for the outcome
    desktop.activate("app.button", lambda: clicked.append(tk_window.line()) or clicked, "the button's click")
    assert clicked == ["clicked"]


def test_the_fail_safe_corner_is_an_operator_abort(tmp_path: Path, tk_window: TkWindow, make_desktop: Callable[..., Desktop]) -> None:
    desktop = make_desktop(tmp_path, tk_window.title)
    desktop.input.move_to(640, 450)
    subprocess.run(["xdotool", "mousemove", "0", "0"], check=True)
    try:
        with pytest.raises(OperatorAbort, match="screen corner"):
            desktop.keys("app.submit")
    finally:
        subprocess.run(["xdotool", "mousemove", "640", "450"], check=True)


def test_text_without_keys_arrives_whole_while_the_window_is_busy(
        tmp_path: Path, tk_window: TkWindow, make_desktop: Callable[..., Desktop]) -> None:
    # a stopped process stands for a busy one: it reads its input a second late
    desktop = make_desktop(tmp_path, tk_window.title)
    text = "Beratung – Müller & Søn, №7 ✓ æå é 😀"
    os.kill(tk_window.process.pid, signal.SIGSTOP)
    resume = threading.Timer(1.0, os.kill, (tk_window.process.pid, signal.SIGCONT))
    resume.start()
    try:
        desktop.fill("app.entry", text)
    finally:
        resume.join()
    desktop.keys("app.submit")
    assert tk_window.line() == f"entry:{text}"


def test_a_paste_the_window_never_takes_is_an_application_error(
        tmp_path: Path, tk_window: TkWindow, make_desktop: Callable[..., Desktop]) -> None:
    desktop = make_desktop(tmp_path, tk_window.title, timeout=SHORT)
    os.kill(tk_window.process.pid, signal.SIGSTOP)
    try:
        with pytest.raises(ApplicationError, match="the paste was not taken"):
            desktop.fill("app.entry", "Søn")
    finally:
        os.kill(tk_window.process.pid, signal.SIGCONT)


RETITLING = """\
import sys, tkinter as tk
root = tk.Tk()
titles = [sys.argv[1] + " " + "long " * 20, sys.argv[1]]
def flip(n=0):
    root.title(titles[n % 2])
    root.after(1, flip, n + 1)
root.geometry("200x80+500+500")
flip()
root.mainloop()
"""


def test_a_window_retitled_while_listed_is_read_whole(tmp_path: Path, make_desktop: Callable[..., Desktop]) -> None:
    # a title read in two requests fails when it shrinks in between (X BadValue)
    title = f"clerk-test-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen([sys.executable, "-c", RETITLING, title])
    try:
        desktop = make_desktop(tmp_path, title)

        def titles() -> list[str]:
            return [w.title for w in desktop.windows() if w.title.startswith(title)]

        # Tk may take seconds to map its window on a busy machine: list only once it is there
        desktop.wait_until(titles, "the retitling window")
        seen = [t for _ in range(300) for t in titles()]
        assert seen and all(t == title or t == f"{title} {'long ' * 20}" for t in seen)
    finally:
        process.kill()
        process.wait(timeout=10)
