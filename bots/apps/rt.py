"""Request Tracker 5: login, session recovery and opening pages by URL.

RT uses ordinary full-page navigation with stable URLs (``/Ticket/Display.html?id=N``),
so screens open a page by its path and wait for a landmark of that page
(``WebApp.open``). When the session has gone, RT answers any page with its login form
instead; ``open`` then logs in again and asks for the page once more.
"""

from __future__ import annotations

from clerk import ConfigError
from clerk.web import WebApp


class RequestTracker(WebApp):
    """A logged-in RT session (``[apps.rt]``: url)."""

    home_path = "/"
    home_landmark = "home.menu"
    login_landmark = "login.user"

    def login(self) -> None:
        web = self.web
        web.fill("login.user", self.user)
        web.fill("login.password", self.password)
        web.click("login.submit")
        if web.wait_any("home.menu", "login.failed") == "login.failed":
            raise ConfigError(
                f"RT refused the login of {self.user!r} (username or password incorrect); "
                "check CLERK_RT_USER and CLERK_RT_PASSWORD"
            )
