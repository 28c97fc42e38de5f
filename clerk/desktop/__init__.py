"""Desktop driving: pyautogui for keyboard and pointer, python-xlib for windows, Pillow and
OpenCV for pixels, all through logical names from ``selectors/<app>.yaml``."""

from __future__ import annotations

from clerk.desktop._app import DesktopApp
from clerk.desktop._driver import Desktop, DesktopSettings
from clerk.desktop._screen import Match, Region
from clerk.desktop._selectors import DesktopSelectorBook, DesktopSpec
from clerk.desktop._x11 import XWindow

__all__ = ["Desktop", "DesktopApp", "DesktopSelectorBook", "DesktopSettings", "DesktopSpec", "Match", "Region", "XWindow"]
