"""WebApp: the session plumbing every web application shares.

A new web application is its login and its home screen:

    class Shop(WebApp):
        home_path = "/"                 # where reset() goes, under [apps.<name>] url
        home_landmark = "home.menu"     # a selector that shows only on the home screen
        login_landmark = "login.user"   # a selector that shows only when logged out

        def login(self) -> None:
            self.web.fill("login.user", self.user)
            self.web.fill("login.password", self.password)
            self.web.click("login.submit")
            self.web.wait(self.home_landmark)

``start`` opens the home screen and logs in when the login form shows; ``reset`` goes
back to the home screen, logging in again when the session was lost; ``open`` reaches a
page by its path the same way. Screenshots mask password fields and sensitive selectors.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from loguru import logger

from clerk._bot import AppEnv, app_setting
from clerk._errors import ConfigError, ScreenNotReached
from clerk._secrets import Credentials
from clerk.web._page import WebPage


class WebApp:
    """A logged-in web application (``[apps.<name>]``: url, and what the subclass reads)."""

    home_path: str = "/"  # a subclass may set it per instance (it may hold a setting)
    home_landmark: ClassVar[str] = "home"
    login_landmark: ClassVar[str | None] = None  # None: the application has no login

    def __init__(self, env: AppEnv) -> None:
        if env.web is None:
            raise ConfigError(f"{env.name} is a web application: declare it with App(kind=\"web\")")
        self.name = env.name
        self.web: WebPage = env.web
        self.settings = env.settings
        self._credentials = env.credentials
        self.url = self.setting("url").rstrip("/")

    # ------------------------------------------------------------------ settings and credentials
    def setting(self, key: str, default: str | None = None) -> str:
        """``[apps.<name>] key`` as text (:func:`clerk._bot.app_setting`)."""
        return app_setting(self.name, self.settings, key, default)

    @property
    def credentials(self) -> Credentials:
        if self._credentials is None:
            raise ConfigError(f"{self.name} has no credentials: declare it with App(login=True)")
        return self._credentials

    @property
    def user(self) -> str:
        return self.credentials.user

    @property
    def password(self) -> str:
        """The password in clear, only to type it into the login form."""
        return self.credentials.password.reveal()

    # ------------------------------------------------------------------ the session
    def start(self) -> None:
        """Open the home screen, logging in if the login form shows."""
        self.reset()

    def login(self) -> None:
        """Fill and submit the login form, then wait for the home screen. Applications with a
        login override it; ``ConfigError`` when the application refuses the credentials."""
        raise ConfigError(f"{type(self).__name__} shows a login form but does not define login()")

    def reset(self) -> None:
        """Back to the home screen; log in again when the session was lost."""
        self.open(self.home_path, self.home_landmark)

    def open(self, path: str, *landmarks: str) -> str:
        """Open ``url + path`` and wait for one of ``landmarks``; return the one that showed.
        A login form instead means the session was lost: log in and ask again.

        Raises:
            ScreenNotReached: none of the landmarks showed.
        """
        self.web.goto(self.url + path)
        expected = (*landmarks, self.login_landmark) if self.login_landmark else landmarks
        seen = self.web.wait_any(*expected)
        if seen == self.login_landmark:
            logger.info("{}: not logged in; logging in", self.name)
            self.login()
            self.web.goto(self.url + path)
            seen = self.web.wait_any(*landmarks)
        if seen not in landmarks:
            raise ScreenNotReached(f"{self.name}: {path} did not show {' or '.join(landmarks)}")
        return seen

    def screenshot(self, path: Path) -> None:
        self.web.screenshot(path)

    def close(self) -> None:
        self.web.close()
