"""The web tier: local copies of the real screens' quirks, served on 127.0.0.1, driven
through clerk.web with Debian's chromium."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from clerk._config import WebSettings
from clerk._selectors import SelectorBook
from clerk.web import BrowserHost, WebPage

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"
TIMEOUT = dt.timedelta(seconds=3)  # generous for a local page, short enough to fail fast
QUICK_TIMEOUT_MS = 800.0  # for the tests that are about a timeout


@dataclass
class QuirkServer:
    url: str
    requests: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.requests.clear()


def _handler(server_state: QuirkServer) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        """Static pages, plus ``?delay_ms=N`` (a slow server) and ``/status/<code>``."""

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, directory=str(PAGES), **kwargs)

        def do_GET(self) -> None:  # http.server's naming
            parts = urlsplit(self.path)
            server_state.requests.append(parts.path)
            delay = parse_qs(parts.query).get("delay_ms")
            if delay:
                time.sleep(int(delay[0]) / 1000)  # the simulated application is slow, not clerk
            if parts.path.startswith("/status/"):
                self.send_error(int(parts.path.rsplit("/", 1)[1]), "as requested")
                return
            super().do_GET()

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture(scope="session")
def quirk_server() -> Iterator[QuirkServer]:
    state = QuirkServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, name="quirk-server", daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def _fresh_server(quirk_server: QuirkServer) -> Iterator[None]:
    quirk_server.reset()
    yield


@pytest.fixture(scope="session")
def browser_host() -> Iterator[BrowserHost]:
    host = BrowserHost(WebSettings(headless=True, timeout=TIMEOUT, viewport_width=1024, viewport_height=768))
    yield host
    host.close()


@pytest.fixture
def own_playwright(browser_host: BrowserHost) -> None:
    """For a test that runs a whole bot in-process: Playwright's sync API allows one instance per
    thread, so the shared browser stops first (it starts again when a later test needs it)."""
    browser_host.close()


@pytest.fixture(scope="session")
def quirk_selectors() -> SelectorBook:
    return SelectorBook.load(HERE / "selectors", "quirks")


@pytest.fixture
def open_page(browser_host: BrowserHost, quirk_selectors: SelectorBook,
              quirk_server: QuirkServer) -> Iterator[Callable[..., WebPage]]:
    """Open a quirk page in a fresh browser context: ``open_page("pane.html", timeout_ms=800)``."""
    pages: list[WebPage] = []

    def open_(name: str, *, timeout_ms: float = TIMEOUT.total_seconds() * 1000) -> WebPage:
        page = browser_host.new_page()
        page.set_default_timeout(timeout_ms)
        web = WebPage(page, quirk_selectors, timeout_ms)
        pages.append(web)
        web.goto(f"{quirk_server.url}/{name}")
        return web

    yield open_
    for web in pages:
        web.page.context.close()
