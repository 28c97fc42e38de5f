"""Desktop: one application on one X display, driven by logical selector names.

Screens call ``desktop.menu("menu.new_bill")``, ``desktop.fill("bill.new.id", "INV-7")`` or
``desktop.wait_window("bill.new")`` and never see a coordinate. Every wait is on what
the display shows: a window appearing or going, a title changing, a menu opening.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from clerk._config import find_project_dir
from clerk._errors import (
    ApplicationError,
    ConfigError,
    FatalError,
    ScreenNotReached,
    SelectorFailed,
)
from clerk.desktop._input import UNICODE_INPUTS, Input, UnicodeInput
from clerk.desktop._launch import StartCommand
from clerk.desktop._screen import Match, Region, grab, locate, save_masked
from clerk.desktop._selectors import DesktopSelectorBook
from clerk.desktop._wait import wait_for
from clerk.desktop._x11 import XDisplay, XWindow, use_display

if TYPE_CHECKING:
    from PIL.Image import Image

_SETTLE_TIMEOUT = dt.timedelta(seconds=2)


@dataclass(frozen=True, slots=True, kw_only=True)
class DesktopSettings:
    """Where the application runs: ``display`` (else ``$DISPLAY``), the Xauthority file,
    the screen size the selectors and templates were made for, and the wait timeout."""

    display: str | None = None
    xauthority: str | None = None
    screen_size: tuple[int, int] | None = None
    timeout: dt.timedelta = dt.timedelta(seconds=15)
    unicode_input: UnicodeInput = "clipboard"  # how text outside ASCII goes in: "clipboard", "xdotool", "gtk"
    start: StartCommand | None = None  # how to start the application when its window is gone

    @classmethod
    def from_app_settings(cls, settings: Any) -> DesktopSettings:
        """From an ``[apps.<name>]`` mapping: display, xauthority, screen ("1280x900"), timeout_s,
        unicode_input, start_command and start_timeout_s (run in the project folder).

        Raises:
            ConfigError: a value is malformed.
        """
        screen = settings.get("screen")
        size = None
        if screen is not None:
            try:
                width, height = (int(v) for v in str(screen).lower().split("x"))
            except ValueError:
                raise ConfigError(f"screen must look like \"1280x900\", got {screen!r}") from None
            size = (width, height)
        timeout = settings.get("timeout_s", 15)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ConfigError(f"timeout_s must be a positive number of seconds, got {timeout!r}")
        unicode_input = settings.get("unicode_input", "clipboard")
        if unicode_input not in UNICODE_INPUTS:
            raise ConfigError(f"unicode_input must be one of {', '.join(UNICODE_INPUTS)}, got {unicode_input!r}")
        command = settings.get("start_command")
        start = StartCommand.parse(command, settings.get("start_timeout_s", 120), find_project_dir()) if command else None
        return cls(display=settings.get("display") or None, xauthority=settings.get("xauthority") or None,
                   screen_size=size, timeout=dt.timedelta(seconds=timeout), unicode_input=unicode_input, start=start)


class Desktop:
    """The windows, keyboard, pointer and pixels of one application's display."""

    def __init__(self, selectors: DesktopSelectorBook, settings: DesktopSettings,
                 params: Mapping[str, Any] | None = None) -> None:
        self.selectors = selectors
        self.app = selectors.app
        self.settings = settings
        self.params = dict(params or {})  # placeholder values every lookup gets, e.g. {"book": ...}
        self.timeout = settings.timeout
        self._x: XDisplay | None = None
        self._input: Input | None = None

    # ------------------------------------------------------------------ preflight
    def preflight(self, *running: str, **params: Any) -> None:
        """Check the display before any item: it is set, reachable, of the expected size,
        and shows the application's windows named in ``running``. A window that is not
        shown, and does not come back within the timeout, is brought back by the configured
        start command, if there is one.

        Raises:
            ConfigError: no display is configured, or the screen has the wrong size.
            FatalError: the display cannot be opened, or the application is not running
                and cannot be started.
        """
        x = self._display()
        expected = self.settings.screen_size
        if expected is not None and x.size != expected:
            raise ConfigError(f"{self.app}: display {x.name} is {x.size[0]}x{x.size[1]}, but the selectors and "
                              f"image templates were made for {expected[0]}x{expected[1]}")
        for name in running:
            if self.find_window(name, **params) is None:
                self._start(name, params)

    def _start(self, name: str, params: dict[str, Any]) -> None:
        x, start = self._display(), self.settings.start
        pattern = self.selectors.spec(name).title_matcher({**self.params, **params}).pattern
        if start is None:
            raise FatalError(f"{self.app} is not running on display {x.name}: no window matches {name!r} ({pattern}); "
                             f"start it, or set start_command in [apps.{self.app}] for clerk to start it")
        try:  # a window that is only being replaced (a book reopening) comes back by itself
            self.wait_window(name, **params)
            return
        except ScreenNotReached:
            pass
        logger.warning("{}: no window matches {!r}; starting it with `{}`", self.app, name, " ".join(start.argv))
        start.run(self.app, x.name)
        try:
            wait_for(lambda: self.find_window(name, **params), start.timeout, f"{self.app}: window {name!r}")
        except ScreenNotReached as err:
            raise FatalError(f"{self.app} was started, but no window matches {name!r} ({pattern}): {err}") from err
        logger.info("{}: started again; window {!r} is shown", self.app, name)

    def _display(self) -> XDisplay:
        if self._x is None:
            name = use_display(self.settings.display, self.settings.xauthority)
            self._x = XDisplay(name)
        return self._x

    @property
    def input(self) -> Input:
        if self._input is None:
            self._input = Input(self._display().name, self.settings.unicode_input, self.timeout)
        return self._input

    # ------------------------------------------------------------------ windows
    def windows(self) -> list[XWindow]:
        return [w for w in self._display().windows() if not w.popup]

    def popups(self) -> list[XWindow]:
        """Open menus (and tooltips): override-redirect windows."""
        return [w for w in self._display().windows() if w.popup]

    def find_window(self, name: str, **params: Any) -> XWindow | None:
        """The one window ``name`` matches, or None.

        Raises:
            SelectorFailed: several windows match.
        """
        spec = self.selectors.spec(name)
        if not spec.is_window:
            raise ConfigError(f"{self.app}: {name!r} is not a window selector")
        matcher = spec.title_matcher({**self.params, **params})
        found = [w for w in self.windows() if matcher.match(w.title)]
        if len(found) > 1:
            raise SelectorFailed(f"{self.app}: {len(found)} windows match {name!r}: "
                                 + ", ".join(repr(w.title) for w in found))
        return found[0] if found else None

    def wait_window(self, name: str, **params: Any) -> XWindow:
        """Wait until window ``name`` is shown; return it.

        Raises:
            ScreenNotReached: it did not appear in time.
        """
        return wait_for(lambda: self.find_window(name, **params), self.timeout, f"{self.app}: window {name!r}")

    def wait_gone(self, name: str, **params: Any) -> None:
        wait_for(lambda: self.find_window(name, **params) is None, self.timeout,
                 f"{self.app}: window {name!r} closing")

    def wait_until(self, condition: Callable[[], Any], what: str) -> Any:
        return wait_for(condition, self.timeout, f"{self.app}: {what}")

    def focus(self, window: XWindow) -> None:
        """Give ``window`` the keyboard: without a window manager, focus follows the pointer."""
        self.input.move_to(*window.anchor)

    # ------------------------------------------------------------------ keyboard
    def keys(self, name: str, on: XWindow | None = None, **params: Any) -> None:
        """Press the chords of ``keys`` selector ``name`` on its window (or on window ``on``,
        for a selector whose window pattern matches several, such as any dialog)."""
        spec = self.selectors.spec(name)
        self.focus(on or self._within(spec.within, params))
        for chord in spec.fields["keys"]:
            self.input.press(chord)

    def menu(self, name: str, **params: Any) -> None:
        """Walk a menu path, waiting for each menu level to open before the next key."""
        spec = self.selectors.spec(name)
        self.focus(self._within(spec.within, params))
        levels = spec.fields["menu"]
        already = len(self.popups())
        for depth, level in enumerate(levels, start=1):
            for chord in level if isinstance(level, list) else [level]:
                self.input.press(chord)
            if depth < len(levels):
                self.wait_until(lambda: len(self.popups()) >= already + depth,  # noqa: B023 - waited on in this iteration
                                f"menu level {depth} of {name!r}")
        self.wait_until(lambda: len(self.popups()) <= already, f"the menus of {name!r} closing")

    def fill(self, name: str, text: str, **params: Any) -> None:
        """Move to field ``name`` by its keyboard path and type ``text`` there.

        A completion the field offers (``autocomplete``) is dropped: typed text leaves it
        selected after the cursor, so Delete takes it; pasted text leaves it unselected
        (GTK moves the cursor past the paste), so shift+End selects it first.
        """
        spec = self.selectors.spec(name)
        self.focus(self._within(spec.within, params))
        for chord in spec.fields["field"]:
            self.input.press(chord)
        if text and spec.fields.get("verbatim"):
            self._write_verbatim(text)
        elif text:
            self.input.write(text)
        if spec.fields.get("autocomplete"):
            for chord in ("shift+end", "delete") if self.input.pastes(text) else ("delete",):
                self.input.press(chord)

    def _write_verbatim(self, text: str) -> None:
        """Type ``text`` in front of a placeholder space, then remove the space: a field
        that completes (and recases) what is typed at its end, as GnuCash's quickfill does,
        takes text typed in the middle as it is. Delete drops a completion of the space."""
        for chord in ("space", "delete", "home"):
            self.input.press(chord)
        self.input.write(text)
        for chord in ("end", "backspace"):
            self.input.press(chord)

    # ------------------------------------------------------------------ images
    def locate(self, name: str, **params: Any) -> tuple[int, int]:
        """The screen position of image selector ``name``, searched inside its window.

        Raises:
            SelectorFailed: the template is not there with enough confidence, or is there twice.
        """
        spec = self.selectors.spec(name)
        last: list[SelectorFailed] = []

        def look() -> Match | None:
            window = self._within(spec.within, params)  # a window is mapped before it is painted
            image = grab(self._display().name, Region(window.x, window.y, window.width, window.height))
            try:
                return locate(image, self.selectors.image_path(name), spec.confidence,
                              origin=(window.x, window.y), name=f"{self.app}: {name}")
            except SelectorFailed as err:
                if "matches" in str(err):
                    raise
                last[:] = [err]
                return None

        try:
            match: Match = self.wait_until(look, f"image {name!r} showing")
        except ScreenNotReached as err:
            raise (last[0] if last else err) from err
        logger.debug("{} found at {} (score {:.3f})", name, match.center, match.score)
        return match.center

    def click_image(self, name: str, **params: Any) -> None:
        self.input.click(*self.locate(name, **params))

    def activate(self, name: str, done: Callable[[], Any], what: str, **params: Any) -> None:
        """Trigger control ``name`` and wait until ``done()`` holds: by its keys first,
        then, if that did not work and it has one, by clicking its image.

        Raises:
            ScreenNotReached: neither way brought about ``done``.
        """
        spec = self.selectors.spec(name)
        if "keys" in spec.fields:
            self.keys(name, **params)
            if "image" not in spec.fields:
                self.wait_until(done, what)
                return
            try:
                self.wait_until(done, what)
                return
            except ScreenNotReached:
                logger.warning("{}: the keys of {!r} did not work; trying its image", self.app, name)
        self.click_image(name, **params)
        self.wait_until(done, what)

    def _within(self, window_name: str | None, params: dict[str, Any]) -> XWindow:
        if window_name is None:
            raise ConfigError(f"{self.app}: a selector without 'within' cannot take keys or images")
        window = self.find_window(window_name, **params)
        if window is None:
            raise ScreenNotReached(f"{self.app}: window {window_name!r} is not shown")
        return window

    # ------------------------------------------------------------------ evidence
    def screenshot(self, path: Path, **params: Any) -> None:
        """The whole display, with sensitive windows and regions blacked out."""
        masks: list[Region] = []
        for name in self.selectors.sensitive_names():
            spec = self.selectors.spec(name)
            try:
                window = self.find_window(spec.within or name, **params)
            except (ConfigError, SelectorFailed) as err:
                raise ApplicationError(f"cannot place the mask {name!r}: {err}") from err
            if window is None:
                continue
            if "region" in spec.fields:
                x, y, width, height = spec.fields["region"]
                masks.append(Region(window.x + x, window.y + y, width, height))
            else:
                masks.append(Region(window.x, window.y, window.width, window.height))
        save_masked(self._settled_screen(), path, masks)

    def _settled_screen(self) -> Image:
        """The screen once two looks in a row agree: a window is mapped before it is painted,
        and keys typed a moment ago may not be drawn yet."""
        from PIL import ImageChops

        shots = [grab(self._display().name)]

        def settled() -> Image | None:
            shots.append(grab(self._display().name))
            before, now = shots[-2:]
            del shots[:-1]
            return now if ImageChops.difference(before, now).getbbox() is None else None

        try:
            return wait_for(settled, _SETTLE_TIMEOUT, "the screen settling")
        except ScreenNotReached:
            return shots[-1]  # a blinking cursor or a clock: take the last look

    def close(self) -> None:
        if self._x is not None:
            self._x.close()
            self._x = None
