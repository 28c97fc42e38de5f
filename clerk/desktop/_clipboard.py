"""Text handed to an application through the X clipboard, for one paste.

Typing a character that has no key on the keyboard map means remapping a spare key for
a moment (xdotool does); an application that reads the map a moment too late drops the
character (a busy GnuCash turned ``Müller`` into ``Mller``). A paste has no such race:
clerk owns the CLIPBOARD selection, presses the paste keys, and answers the application's
request for the text. The paste is over when the application has fetched the text, which
is what the wait is on; then the selection is given up, so the text does not linger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Self

from clerk._errors import ApplicationError, ScreenNotReached
from clerk.desktop._wait import wait_for
from clerk.desktop._x11 import quiet_xlib

_TEXT_TARGETS = ("UTF8_STRING", "text/plain;charset=utf-8", "STRING", "TEXT")


class ClipboardPaste:
    """One offer of ``text`` on the CLIPBOARD selection of ``display``.

    Example:
        with ClipboardPaste(":77", "Müller & Søn") as paste:
            press("ctrl+v"); paste.wait_fetched(timeout)
    """

    def __init__(self, display: str, text: str) -> None:
        from Xlib import X
        from Xlib.display import Display

        self.text = text
        with quiet_xlib():
            self._x: Any = Display(display)
        self._atom: Callable[[str], int] = self._x.intern_atom
        self._selection = self._atom("CLIPBOARD")
        self._window = self._x.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
        self._window.set_selection_owner(self._selection, X.CurrentTime)
        self._x.sync()
        self.fetched = 0  # how many times an application fetched the text
        if self._x.get_selection_owner(self._selection) != self._window:
            self.close()
            raise ApplicationError("another program keeps the X clipboard: cannot paste the text")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def wait_fetched(self, timeout: dt.timedelta) -> None:
        """Answer the application's requests until it has fetched the text.

        Raises:
            ApplicationError: no application asked for the text in time, or another
                program took the clipboard first.
        """
        try:
            wait_for(self._serve, timeout, "the application fetching the pasted text")
        except ScreenNotReached as err:
            raise ApplicationError(f"the paste was not taken: {err}") from err

    def _serve(self) -> bool:
        from Xlib import X

        while self._x.pending_events():
            event = self._x.next_event()
            if event.type == X.SelectionClear:
                raise ApplicationError("another program took the X clipboard during the paste")
            if event.type == X.SelectionRequest:
                self._answer(event)
        return self.fetched > 0

    def _answer(self, request: Any) -> None:
        from Xlib import X, Xatom
        from Xlib.protocol import event

        target = self._x.get_atom_name(request.target)
        prop = request.property or request.target  # ICCCM: an obsolete requestor names no property
        if target == "TARGETS":
            offered = [self._atom(name) for name in ("TARGETS", *_TEXT_TARGETS)]
            request.requestor.change_property(prop, Xatom.ATOM, 32, offered)
        elif target in _TEXT_TARGETS and (data := self._encoded(target)) is not None:
            kind = Xatom.STRING if target == "STRING" else self._atom("UTF8_STRING")
            request.requestor.change_property(prop, kind, 8, data)
            self.fetched += 1
        else:
            prop = X.NONE  # a format we do not offer: refused
        reply = event.SelectionNotify(time=request.time, requestor=request.requestor, selection=request.selection,
                                      target=request.target, property=prop)
        request.requestor.send_event(reply)
        self._x.sync()  # the answer is queued to the application before any key that follows

    def _encoded(self, target: str) -> bytes | None:
        if target != "STRING":
            return self.text.encode("utf-8")
        try:
            return self.text.encode("latin-1")  # STRING is Latin-1 by definition
        except UnicodeEncodeError:
            return None  # the application asks again for UTF8_STRING

    def close(self) -> None:
        """Give the clipboard up (the owner window goes) and disconnect."""
        self._window.destroy()
        self._x.close()
