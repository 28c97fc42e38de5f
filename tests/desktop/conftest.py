"""The desktop driver against real X windows: a tiny Tk window (tk_app.py) on $DISPLAY.

CI exports DISPLAY=:77 (the sandbox's Xvfb, sandbox/test.sh); without a display every
test marked ``desktop`` is skipped. Each test's window has its own random title.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from clerk.desktop import Desktop, DesktopSelectorBook, DesktopSettings

TK_APP = Path(__file__).with_name("tk_app.py")
WINDOW_AT = (200, 200)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.environ.get("DISPLAY"):
        return
    skip = pytest.mark.skip(reason="no X display: set DISPLAY (e.g. :77, the sandbox's Xvfb)")
    for item in items:
        if "desktop" in item.keywords:
            item.add_marker(skip)


@dataclass
class TkWindow:
    title: str
    process: subprocess.Popen[str]

    def line(self) -> str:
        """The next line the window printed (it prints on events, so this waits for one)."""
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()


@pytest.fixture
def tk_window() -> Iterator[TkWindow]:
    title = f"clerk-test-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen([sys.executable, str(TK_APP), title, str(WINDOW_AT[0]), str(WINDOW_AT[1])],
                               stdout=subprocess.PIPE, text=True)
    window = TkWindow(title, process)
    try:
        assert window.line() == "ready"
        yield window
    finally:
        process.kill()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


SELECTORS = """\
app: tkapp
selectors:
  app:         {{window: "{title}"}}
  app.entry:   {{field: [ctrl+a], within: app}}
  app.submit:  {{keys: [enter], within: app}}
  app.button:  {{image: button.png, confidence: 0.9, within: app}}
  app.secret:  {{region: [100, 90, 160, 30], within: app, sensitive: true}}
"""


@pytest.fixture
def make_desktop() -> Iterator[Callable[..., Desktop]]:
    """make_desktop(folder, title, template=None, **settings): a Desktop whose selectors
    (tkapp.yaml) name the test window ``title``; closed after the test."""
    made: list[Desktop] = []

    def make(folder: Path, title: str, template: Path | None = None, **settings: object) -> Desktop:
        images = folder / "tkapp" / "images"
        images.mkdir(parents=True, exist_ok=True)
        if template is not None:
            (images / "button.png").write_bytes(template.read_bytes())
        else:
            from PIL import Image
            Image.new("RGB", (8, 8), "white").save(images / "button.png")
        (folder / "tkapp.yaml").write_text(SELECTORS.format(title=title), encoding="utf-8")
        options = {"display": os.environ.get("DISPLAY"), "xauthority": os.environ.get("XAUTHORITY"), **settings}
        desktop = Desktop(DesktopSelectorBook.load(folder, "tkapp"), DesktopSettings(**options))  # type: ignore[arg-type]
        made.append(desktop)
        return desktop

    yield make
    for desktop in made:
        desktop.close()
