"""The X display as a list of windows, read with python-xlib.

Without a window manager (Xvfb in the sandbox) every top-level window is a direct child
of the root window; with one, the titled client window sits one level below its frame.
Both are covered. Menus and tooltips are override-redirect windows: they are listed
apart as popups, because an open menu grabs the keyboard.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger

from clerk._errors import ConfigError, FatalError

_TITLE_WORDS = 1024  # 4 KiB: longer than any window title


@contextlib.contextmanager
def quiet_xlib() -> Iterator[None]:
    """python-xlib print()s "no xauthority details available" on stdout when it connects
    with an empty Xauthority file (Xvfb -ac), and leaves that file open: keep both quiet."""
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured), warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)  # python-xlib never closes the Xauthority file
        yield
    if captured.getvalue().strip():
        logger.debug("python-xlib: {}", captured.getvalue().strip())


@dataclass(frozen=True, slots=True, kw_only=True)
class XWindow:
    """One visible top-level window, in screen coordinates."""

    id: int
    title: str
    x: int
    y: int
    width: int
    height: int
    popup: bool = False

    @property
    def anchor(self) -> tuple[int, int]:
        """Where the pointer rests to give this window the keyboard (focus follows the
        pointer without a window manager): the middle of its top edge, inside it."""
        return self.x + self.width // 2, self.y + min(10, self.height // 2)

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x < self.x + self.width and self.y <= y < self.y + self.height


def use_display(display: str | None, xauthority: str | None) -> str:
    """The display to drive: ``display``, else ``$DISPLAY``; python-xlib gets ``xauthority``.

    Raises:
        ConfigError: no display is configured nor in ``DISPLAY``, or the Xauthority
            file python-xlib insists on is missing.
    """
    name = display or os.environ.get("DISPLAY", "")
    if not name:
        raise ConfigError("no X display: set DISPLAY or the application's `display` setting (e.g. \":77\")")
    if xauthority:
        if not Path(xauthority).is_file():
            raise ConfigError(f"the Xauthority file {xauthority} does not exist (python-xlib needs one, "
                              "even an empty one; sandbox/gnucash-up.sh creates it)")
        os.environ["XAUTHORITY"] = xauthority
    return name


class XDisplay:
    """A python-xlib connection used to list windows and read the screen size."""

    def __init__(self, name: str) -> None:
        from Xlib import error as xerror
        from Xlib.display import Display

        self.name = name
        problem = ""
        with quiet_xlib():
            try:
                self._display: Any = Display(name)
            except (xerror.DisplayError, xerror.XauthError, OSError) as err:
                problem = str(err)
            if problem:
                gc.collect()  # python-xlib leaves the failed socket to the collector: close it quietly here
        if problem:
            raise FatalError(f"cannot open the X display {name}: {problem} (is Xvfb running?)")
        self._root = self._display.screen().root
        self._net_wm_name = self._display.intern_atom("_NET_WM_NAME")
        self._utf8 = self._display.intern_atom("UTF8_STRING")

    @property
    def size(self) -> tuple[int, int]:
        screen = self._display.screen()
        return int(screen.width_in_pixels), int(screen.height_in_pixels)

    def windows(self) -> list[XWindow]:
        """Visible top-level windows, bottom to top (the last one is drawn on top)."""
        from Xlib import error as xerror

        found: list[XWindow] = []
        for child in self._root.query_tree().children:
            try:
                window = self._describe(child)
                if window is None or window.popup or window.title:
                    found += [window] if window else []
                    continue
                inner = [w for w in map(self._describe, child.query_tree().children) if w and w.title]
                found += inner or [window]  # the titled client inside a window manager's frame, if any
            except (xerror.BadWindow, xerror.BadDrawable, xerror.BadMatch, xerror.BadValue):
                continue  # closed (or retitled, BadValue) while we looked
        return found

    def _describe(self, window: Any) -> XWindow | None:
        attributes = window.get_attributes()
        if attributes.map_state != 2:  # IsViewable
            return None
        geometry = window.get_geometry()
        if geometry.width <= 1 or geometry.height <= 1:
            return None
        origin = self._root.translate_coords(window, 0, 0)
        return XWindow(id=int(window.id), title=self._title(window), x=int(origin.x), y=int(origin.y),
                       width=int(geometry.width), height=int(geometry.height),
                       popup=bool(attributes.override_redirect))

    def _title(self, window: Any) -> str:
        # read in one request: in two, a title that shrinks in between is a BadValue
        prop = window.get_full_property(self._net_wm_name, self._utf8, sizehint=_TITLE_WORDS)
        if prop is not None and prop.value:
            value = prop.value
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        name = window.get_wm_name()
        if isinstance(name, bytes):
            return name.decode("latin-1")
        return str(name or "")

    def close(self) -> None:
        self._display.close()
