"""Web driving on Playwright and Debian's chromium."""

from __future__ import annotations

from clerk.web._app import WebApp
from clerk.web._browser import BrowserHost
from clerk.web._page import Cell, WebPage

__all__ = ["BrowserHost", "Cell", "WebApp", "WebPage"]
