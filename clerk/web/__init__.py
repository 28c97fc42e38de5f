"""Web driving on Playwright and Debian's chromium."""

from __future__ import annotations

from clerk.web._browser import BrowserHost
from clerk.web._page import WebPage

__all__ = ["BrowserHost", "WebPage"]
