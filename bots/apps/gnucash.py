"""GnuCash 4.13 on an X display: attach, return to a known state, save the book.

clerk attaches to a running GnuCash (sandbox/gnucash-up.sh starts one) and never stops it.
When the main window is gone (GnuCash crashed or was killed), ``start_command`` starts it
again, if configured; otherwise the run stops. The known state is the main window on its Accounts tab, with no dialog or
menu open and no unsaved change: whatever an interrupted item left in memory is thrown
away with File > Revert, so the saved book is the one truth a bot reads back.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from loguru import logger

from clerk import AppEnv, ApplicationError, ConfigError, ScreenNotReached
from clerk.desktop import DesktopApp, XWindow

_MAX_ROUNDS = 8  # dialogs or tabs closed one by one before reset gives up


class GnuCash(DesktopApp):
    """A GnuCash session (``[apps.gnucash]``: display, xauthority, screen, book, timeout_s,
    date_format, payable_account, unicode_input, start_command, start_timeout_s)."""

    def __init__(self, env: AppEnv) -> None:
        book = str(env.settings.get("book", ""))
        if not book:
            raise ConfigError("[apps.gnucash] needs book, the path of the GnuCash XML book")
        self.book_path = Path(book)
        super().__init__(env)
        self.date_format = self.setting("date_format", "%m/%d/%y")
        self.payable_account = self.setting("payable_account", "Liabilities:Accounts Payable")

    def selector_params(self) -> dict[str, str]:
        return {"book": self.book_path.name}  # window titles name the open book

    # ------------------------------------------------------------------ session
    def start(self) -> None:
        """Check the display and that GnuCash shows this book, then reach the known state.

        Raises:
            ConfigError: no display, or a screen of the wrong size.
            FatalError: the display cannot be opened, or GnuCash is not running with the book.
        """
        if not self.book_path.is_file():
            raise ConfigError(f"the GnuCash book {self.book_path} does not exist")
        self.desktop.preflight("main")
        self.reset()

    def reset(self) -> None:
        """Close menus and dialogs, revert unsaved changes, close every tab but Accounts;
        start GnuCash again first if its window is gone and a start command is configured.

        Raises:
            ApplicationError: a dialog or a tab would not close.
            FatalError: GnuCash is no longer running and cannot be started.
        """
        desktop = self.desktop
        desktop.preflight("main")
        self._close_menus()
        self._close_dialogs()
        if desktop.find_window("main.dirty") is not None:
            logger.warning("GnuCash holds unsaved changes from an unfinished item; reverting to the saved book")
            self.revert()
            self._close_dialogs()
        self._close_tabs()
        desktop.focus(desktop.wait_window("main.home"))

    def revert(self) -> None:
        """File > Revert: drop every unsaved change, reload the saved book."""
        desktop = self.desktop
        desktop.menu("menu.revert")
        desktop.wait_window("revert.confirm")
        desktop.activate("revert.yes", lambda: desktop.find_window("revert.confirm") is None, "the revert confirmation closing")
        desktop.wait_until(lambda: desktop.find_window("main") and not desktop.find_window("main.dirty"),
                           "the saved book being loaded again")

    def save(self) -> None:
        """File > Save, waiting until the title loses its ``*`` and the file is rewritten.

        The XML backend names its backup after the current second, and a second save in the
        same second fails: the save waits, if need be, for the clock to pass the book's
        last write.
        """
        desktop = self.desktop
        last_write = self.book_path.stat().st_mtime
        desktop.wait_until(lambda: int(time.time()) > int(last_write), "a new second since the last save")
        desktop.keys("book.save")
        desktop.wait_until(lambda: desktop.find_window("main.dirty") is None
                           and self.book_path.stat().st_mtime != last_write, "the book being saved")

    # ------------------------------------------------------------------ known state
    def _close_menus(self) -> None:
        desktop = self.desktop
        for _ in range(_MAX_ROUNDS):
            if not desktop.popups():
                return
            count = len(desktop.popups())
            desktop.keys("menu.dismiss")
            desktop.wait_until(lambda: len(desktop.popups()) < count, "an open menu closing")  # noqa: B023 - waited on in this iteration
        raise ApplicationError("gnucash: menus stay open after Escape")

    def _dialogs(self) -> list[XWindow]:
        main = self.desktop.find_window("main")
        return [w for w in self.desktop.windows() if main is None or w.id != main.id]

    def _close_dialogs(self) -> None:
        desktop = self.desktop
        for _ in range(_MAX_ROUNDS):
            dialogs = self._dialogs()
            if not dialogs:
                return
            top = dialogs[-1]
            logger.info("closing the GnuCash window {!r}", top.title)
            desktop.keys("dialog.dismiss", on=top)
            try:
                desktop.wait_until(lambda: all(w.id != top.id for w in desktop.windows()),  # noqa: B023 - waited on in this iteration
                                   f"the window {top.title!r} closing")
            except ScreenNotReached as err:
                raise ApplicationError(f"gnucash: the window {top.title!r} does not close with Escape") from err
        raise ApplicationError("gnucash: dialogs keep opening")

    def _close_tabs(self) -> None:
        desktop = self.desktop
        for _ in range(_MAX_ROUNDS):
            if desktop.find_window("main.home") is not None:
                return
            before = _title(desktop.find_window("main"))
            desktop.keys("page.close")
            desktop.wait_until(lambda: _title(desktop.find_window("main")) != before or self._dialogs(),  # noqa: B023 - waited on in this iteration
                               f"the tab of {before!r} closing")
            if self._dialogs():
                raise ApplicationError(f"gnucash: closing {before!r} opened {self._dialogs()[-1].title!r}")
        raise ApplicationError("gnucash: the Accounts tab did not come back after closing the other tabs")


def _title(window: Any) -> str:
    return window.title if window is not None else ""
