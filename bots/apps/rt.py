"""Request Tracker 5: login, session recovery and opening pages by URL.

RT uses ordinary full-page navigation with stable URLs (``/Ticket/Display.html?id=N``),
so screens open a page by its path and wait for a landmark of that page. When the
session has gone, RT answers any page with its login form instead; ``open`` then logs
in again and asks for the page once more.
"""

from __future__ import annotations

from pathlib import Path

from loguru import logger

from clerk import AppEnv, ConfigError, ScreenNotReached
from clerk.web import WebPage


class RequestTracker:
    """A logged-in RT session (``[apps.rt]``: url)."""

    def __init__(self, env: AppEnv) -> None:
        if env.web is None or env.credentials is None:
            raise ConfigError("rt is a web application with a login")
        self.web: WebPage = env.web
        self.credentials = env.credentials
        self.url = str(env.settings.get("url", "")).rstrip("/")
        if not self.url:
            raise ConfigError("[apps.rt] needs url")

    def start(self) -> None:
        self.login()

    def login(self) -> None:
        web = self.web
        web.goto(f"{self.url}/")
        if web.wait_any("home.menu", "login.user") == "home.menu":
            return  # the browser context still had a session
        web.fill("login.user", self.credentials.user)
        web.fill("login.password", self.credentials.password.reveal())
        web.click("login.submit")
        if web.wait_any("home.menu", "login.failed") == "login.failed":
            raise ConfigError(
                f"RT refused the login of {self.credentials.user!r} (username or password incorrect); "
                "check CLERK_RT_USER and CLERK_RT_PASSWORD"
            )

    def reset(self) -> None:
        """Back to RT at a glance; log in again if the session has expired."""
        self.open("/", "home.menu")

    def open(self, path: str, *landmarks: str) -> str:
        """Open ``path`` and wait for one of ``landmarks``; return the one that showed.

        Example:
            rt.open("/Ticket/Display.html?id=6", "ticket.status", "ticket.not_found")
        """
        self.web.goto(self.url + path)
        seen = self.web.wait_any(*landmarks, "login.user")
        if seen == "login.user":
            logger.warning("the RT session was lost; logging in again")
            self.login()
            self.web.goto(self.url + path)
            seen = self.web.wait_any(*landmarks)
        if seen not in landmarks:
            raise ScreenNotReached(f"rt: {path} did not show {' or '.join(landmarks)}")
        return seen

    def screenshot(self, path: Path) -> None:
        self.web.screenshot(path)

    def close(self) -> None:
        self.web.page.context.close()
