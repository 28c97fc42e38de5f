"""Mouse and keyboard through pyautogui, with its errors translated to ours.

pyautogui connects to ``$DISPLAY`` when it is imported, so it is imported lazily, after
the display was chosen, and only once per process. Its fail-safe stays on: an operator
who slams the mouse into a screen corner stops the run (``OperatorAbort``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from clerk._errors import ApplicationError, ConfigError, OperatorAbort
from clerk.desktop._clipboard import ClipboardPaste
from clerk.desktop._x11 import quiet_xlib

UnicodeInput = Literal["clipboard", "xdotool", "gtk"]
UNICODE_INPUTS: tuple[UnicodeInput, ...] = ("clipboard", "xdotool", "gtk")

MODIFIERS = frozenset({"ctrl", "alt", "shift", "super"})
NAMED_KEYS = frozenset({
    "tab", "enter", "return", "escape", "esc", "delete", "backspace", "space", "insert",
    "up", "down", "left", "right", "home", "end", "pageup", "pagedown", "menu",
    *(f"f{n}" for n in range(1, 13)),
})
_CHORD = re.compile(rf"^(?:(?:{'|'.join(sorted(MODIFIERS))})\+)*[a-z0-9]+$")


def check_chord(chord: str) -> str | None:
    """Why ``chord`` (e.g. ``alt+b``, ``shift+tab``, ``enter``) is not a key chord, or None."""
    if not isinstance(chord, str) or not _CHORD.match(chord):
        return f"{chord!r} is not a key chord like 'alt+b', 'shift+tab' or 'enter'"
    key = chord.split("+")[-1]
    if len(key) > 1 and key not in NAMED_KEYS:
        return f"{chord!r}: unknown key {key!r} (known: {', '.join(sorted(NAMED_KEYS))})"
    return None


class Input:
    """Keyboard and pointer on one display; every call may raise OperatorAbort."""

    def __init__(self, display: str, unicode_input: UnicodeInput = "clipboard",
                 timeout: dt.timedelta = dt.timedelta(seconds=15)) -> None:
        self.display = display
        self.unicode_input = unicode_input  # how text pyautogui has no keys for goes in (see write)
        self.timeout = timeout  # how long a paste waits for the application to fetch the text
        self._gui: Any = None

    @property
    def gui(self) -> Any:
        if self._gui is None:
            self._gui = _import_pyautogui(self.display)
        return self._gui

    @contextmanager
    def _translated(self) -> Iterator[None]:
        gui = self.gui
        try:
            yield
        except gui.FailSafeException as err:
            raise OperatorAbort("the operator moved the mouse into a screen corner (pyautogui fail-safe); "
                                "run stopped") from err
        except gui.PyAutoGUIException as err:
            raise ApplicationError(f"pyautogui: {err}") from err

    def press(self, chord: str) -> None:
        """Press one chord: ``alt+b`` holds alt while b goes down and up."""
        with self._translated():
            parts = ["enter" if p == "return" else p for p in chord.split("+")]
            if len(parts) == 1:
                self.gui.press(parts[0])
            else:
                self.gui.hotkey(*parts)

    def pastes(self, text: str) -> bool:
        """Whether ``write(text)`` goes through the clipboard rather than the keys."""
        return self.unicode_input == "clipboard" and not all(self.gui.isValidKey(c) for c in text)

    def write(self, text: str) -> None:
        """Type ``text`` into whatever has the keyboard.

        pyautogui types ASCII and silently drops every character it has no key for. Text
        with such characters goes in whole by the configured ``unicode_input``:

        * ``clipboard`` (the default): pasted with ctrl+v from the X clipboard, waiting until
          the application has fetched it (_clipboard.py);
        * ``xdotool``: ``xdotool type``, which remaps a spare key for each such character and
          maps it back at once; an application busy for that moment loses the character;
        * ``gtk``: GTK's Unicode entry (ctrl+shift+u, the hex code, space), which plain GTK
          entries know and GnuCash's register does not (it types the hex digits).

        Raises:
            ApplicationError: the text could not be handed over.
            OperatorAbort: the pyautogui fail-safe fired.
        """
        with self._translated():
            if all(self.gui.isValidKey(c) for c in text):
                self.gui.write(text)
                return
            if self.pastes(text):
                with ClipboardPaste(self.display, text) as paste:
                    self.gui.hotkey("ctrl", "v")
                    paste.wait_fetched(self.timeout)
                return
            if self.unicode_input == "gtk":
                for char in text:
                    if self.gui.isValidKey(char):
                        self.gui.write(char)
                    else:
                        self.gui.hotkey("ctrl", "shift", "u")
                        self.gui.write(f"{ord(char):x}")
                        self.gui.press("space")
                return
            self.gui.press("shift")  # the fail-safe check, before xdotool takes over
        try:
            subprocess.run(["xdotool", "type", "--delay", "50", "--", text], check=True, timeout=60,
                           env={**os.environ, "DISPLAY": self.display}, capture_output=True)
        except (OSError, subprocess.SubprocessError) as err:
            raise ApplicationError(f"xdotool could not type the text: {err}") from err

    def move_to(self, x: int, y: int) -> None:
        with self._translated():
            self.gui.moveTo(x, y)

    def click(self, x: int, y: int) -> None:
        with self._translated():
            self.gui.click(x, y)

    def position(self) -> tuple[int, int]:
        x, y = self.gui.position()
        return int(x), int(y)


def _import_pyautogui(display: str) -> Any:
    if "pyautogui" not in sys.modules:
        os.environ["DISPLAY"] = display  # pyautogui connects to $DISPLAY when it is imported
    with quiet_xlib():
        import pyautogui
    bound = getattr(getattr(pyautogui, "_pyautogui_x11", None), "_display", None)
    bound_name = bound.get_display_name() if bound is not None else None
    if bound_name and bound_name != display:
        raise ConfigError(f"pyautogui is already bound to display {bound_name!r} in this process; "
                          f"cannot drive {display!r} as well")
    pyautogui.FAILSAFE = True
    pyautogui.PAUSE = 0  # synchronisation is done by waiting on windows, never by pauses
    return pyautogui
