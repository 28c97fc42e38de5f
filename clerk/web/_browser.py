"""One Playwright and one Chromium per run; one page per application."""

from __future__ import annotations

from pathlib import Path

from loguru import logger
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from clerk._config import WebSettings
from clerk._errors import ApplicationError, ConfigError

# Without the background-networking flags Chromium keeps trying to reach Google's
# hosts, and on a closed network every attempt fails noisily.
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
)


class BrowserHost:
    """Starts the browser lazily and again after a crash, hands out pages, and closes everything once."""

    def __init__(self, settings: WebSettings, *, artifacts_dir: Path | None = None) -> None:
        self.settings = settings
        self.artifacts_dir = artifacts_dir  # Playwright's scratch files (trace chunks); TMPDIR when None
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._started_before = False  # a browser that ran once and cannot start again is not misconfigured

    def new_page(self) -> Page:
        """A page in a fresh context. A browser that crashed or was killed (the OOM killer)
        since the last page is started again, so a run outlives it."""
        try:
            context = self._new_context()
        except PlaywrightError as err:
            if self._browser is None:
                raise
            # it died just now, or Playwright's driver process did: start both afresh, once
            self._start_again(err.message.splitlines()[0])
            context = self._new_context()
        context.set_default_timeout(self.settings.timeout.total_seconds() * 1000)
        return context.new_page()

    def _new_context(self) -> BrowserContext:
        if self._browser is not None and not self._browser.is_connected():
            self._start_again("disconnected")
        return (self._browser or self._launch()).new_context(
            viewport={"width": self.settings.viewport_width, "height": self.settings.viewport_height},
        )

    def _start_again(self, why: str) -> None:
        logger.warning("the browser is gone (crashed or killed: {}); starting it again", why)
        self.close()

    def check(self) -> None:
        """Raises ConfigError when the configured browser is not there (before anything starts)."""
        if not Path(self.settings.browser).is_file():
            raise ConfigError(f"browser {self.settings.browser} not found (web.browser); install Debian's chromium")

    def _launch(self) -> Browser:
        self.check()
        if self.artifacts_dir is not None:
            self.artifacts_dir.mkdir(parents=True, exist_ok=True)
        self._playwright = self._playwright or sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=self.settings.browser, args=list(CHROMIUM_ARGS),
                headless=self.settings.headless, slow_mo=self.settings.slowmo_ms or None,
                artifacts_dir=self.artifacts_dir,
            )
        except PlaywrightError as err:
            self.close()
            if self._started_before:  # e.g. short of memory after the OOM killer: retried like the app
                raise ApplicationError(f"could not start {self.settings.browser} again after it was gone: "
                                       f"{err.message.splitlines()[0]}") from err
            raise ConfigError(f"could not start {self.settings.browser}: {err.message}") from err
        self._started_before = True
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            try:
                self._browser.close()
            except PlaywrightError:
                pass  # already gone, e.g. the browser crashed
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None
