"""LedgerSMB 1.6: login, session recovery and menu navigation.

Pages are swapped into ``#maindiv`` by XHR while the old content stays until the answer
arrives, so every navigation waits for the old pane to go and for a landmark of the new
screen to show.
"""

from __future__ import annotations

from loguru import logger

from clerk import AppEnv, ConfigError, ScreenNotReached, SessionLost
from clerk.web import WebApp


class LedgerSmb(WebApp):
    """A logged-in LedgerSMB session (``[apps.ledgersmb]``: url, company)."""

    home_landmark = "menu.ap"
    login_landmark = "login.user"

    def __init__(self, env: AppEnv) -> None:
        super().__init__(env)
        self.company = self.setting("company")
        self.home_path = f"/login.pl?action=login&company={self.company}"
        self._selected_entry: str | None = None
        self._routes_opened = 0
        self.pane_note: object = None  # a screen's note on what the pane holds; any navigation clears it

    @property
    def home_url(self) -> str:
        return self.url + self.home_path

    def start(self) -> None:
        self.login()

    def login(self) -> None:
        web = self.web
        self._selected_entry = None
        self.pane_note = None
        web.goto(f"{self.url}/login.pl")
        web.fill("login.user", self.user)
        web.fill("login.password", self.password)
        web.fill("login.company", self.company)
        web.click("login.submit")
        if web.wait_any("menu.ap", "login.denied") == "login.denied":
            raise ConfigError(
                f"LedgerSMB refused the login of {self.user!r} to company {self.company!r} "
                "(Access denied); check CLERK_LEDGERSMB_USER and CLERK_LEDGERSMB_PASSWORD"
            )

    def reset(self) -> None:
        """Back to the home screen; log in again if the session has expired.

        Raises:
            SessionLost: LedgerSMB ended the session and the browser's cached HTTP
                credentials are refused; only a fresh browser context gets back in.
        """
        self._selected_entry = None
        self.pane_note = None
        if "reason=timeout" in self.web.url:
            raise SessionLost("LedgerSMB ended the session (logout, reason=timeout)")
        try:
            self.web.goto(self.home_url)
        except ScreenNotReached as err:
            if "ERR_INVALID_AUTH_CREDENTIALS" in str(err):
                raise SessionLost("LedgerSMB refuses the expired session's credentials") from err
            raise
        if self.web.wait_any("menu.ap", "login.user") == "login.user":
            logger.warning("the LedgerSMB session was lost; logging in again")
            self.login()

    def navigate(self, *path: str, arrives: str, route: str | None = None) -> None:
        """Open a menu entry, expanding its parents, and wait for the screen it loads.

        The menu's Tree ignores a click on the entry that is already selected: the entry's
        ``route`` (the address it loads) then opens the screen again, else the shell is reloaded.

        Example:
            lsmb.navigate("menu.ap", "menu.ap.add_transaction", arrives="ap.add.title", route="ap.pl?action=add")
        """
        *parents, leaf = path
        self.pane_note = None
        if leaf == self._selected_entry and route is not None:
            self.open_route(route, arrives=arrives)
            return
        if leaf == self._selected_entry:
            self.reset()
        for parent, child in zip(parents, path[1:], strict=True):
            if not self.web.is_visible(child):
                self.web.click(parent)
                self.web.wait(child)
        with self.web.replacing("main.pane"):
            self.web.click(leaf)
        self._selected_entry = leaf
        self.web.wait(arrives)

    def open_route(self, route: str, *, arrives: str) -> None:
        """Load a screen into the pane by its address, as the shell's own links do: the address
        goes after ``#`` (made unique, or the shell sees no change) and the shell fetches it."""
        self._routes_opened += 1
        self.pane_note = None
        with self.web.replacing("main.pane"):
            self.web.goto(f"{self.home_url}#{route}#r{self._routes_opened}")
        self.web.wait(arrives)
