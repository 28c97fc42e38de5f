"""DesktopApp: the session plumbing every desktop application shares.

A new desktop application is its check that it runs and its way back to a known screen:

    class Ledger(DesktopApp):
        running = ("main",)             # windows that must show before anything is typed

        def go_home(self) -> None:
            self.desktop.keys("dialog.dismiss")
            self.desktop.wait_window("main.home")

clerk attaches to an application that runs already; ``close`` lets go of the display and
leaves the application running.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from clerk._bot import AppEnv, app_setting
from clerk._errors import ConfigError
from clerk.desktop._driver import Desktop, DesktopSettings
from clerk.desktop._selectors import DesktopSelectorBook


class DesktopApp:
    """A desktop application on an X display (``[apps.<name>]``: display, xauthority, screen,
    timeout_s, unicode_input, and what the subclass reads)."""

    running: ClassVar[tuple[str, ...]] = ()  # selector names of windows preflight waits for

    def __init__(self, env: AppEnv) -> None:
        if env.selectors_dir is None:
            raise ConfigError(f"{env.name} is a desktop application: it needs its selectors/{env.name}.yaml")
        self.name = env.name
        self.settings = env.settings
        self.desktop = Desktop(DesktopSelectorBook.load(env.selectors_dir, env.name),
                               DesktopSettings.from_app_settings(env.settings), params=self.selector_params())

    def setting(self, key: str, default: str | None = None) -> str:
        """``[apps.<name>] key`` as text (:func:`clerk._bot.app_setting`)."""
        return app_setting(self.name, self.settings, key, default)

    def selector_params(self) -> Mapping[str, Any]:
        """Placeholder values every selector lookup gets (e.g. the open file's name in titles)."""
        return {}

    def start(self) -> None:
        """Check the display and the application's windows, then reach the known screen."""
        self.reset()

    def reset(self) -> None:
        """Back to the known screen, after checking the application still runs."""
        self.desktop.preflight(*self.running)
        self.go_home()

    def go_home(self) -> None:
        """Close what an unfinished item left open and show the home screen."""

    def screenshot(self, path: Path) -> None:
        self.desktop.screenshot(path)

    def close(self) -> None:
        self.desktop.close()  # the application keeps running: clerk attached to it, it did not start it
