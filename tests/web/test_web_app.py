"""WebApp: a new web application is its login and its home screen; the base class does the
rest (settings, start, reset after a lost session, opening pages, screenshots, close)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from clerk import AppEnv, ConfigError
from clerk._secrets import Credentials, Secret
from clerk._selectors import SelectorBook
from clerk.web import BrowserHost, WebApp, WebPage
from tests.web.conftest import HERE, TIMEOUT, QuirkServer

pytestmark = pytest.mark.web


class Shop(WebApp):
    home_path = "/shop.html"
    home_landmark = "shop.home"
    login_landmark = "shop.user"

    def login(self) -> None:
        self.web.fill("shop.user", self.user)
        self.web.fill("shop.password", self.password)
        self.web.click("shop.signin")
        if self.web.wait_any("shop.home", "shop.refused") == "shop.refused":
            raise ConfigError(f"the shop refused {self.user!r}")


@pytest.fixture
def shop(browser_host: BrowserHost, quirk_server: QuirkServer) -> Iterator[Callable[..., Shop]]:
    book = SelectorBook.load(HERE / "selectors", "shop")
    opened: list[Shop] = []

    def open_(password: str = "s3cret-shop", **settings: str) -> Shop:
        page = browser_host.new_page()
        web = WebPage(page, book, TIMEOUT.total_seconds() * 1000)
        env = AppEnv(name="shop", settings={"url": quirk_server.url, **settings}, web=web,
                     credentials=Credentials(app="shop", user="clerk", password=Secret(password)))
        app = Shop(env)
        opened.append(app)
        return app

    yield open_
    for app in opened:
        app.close()


def logins(app: Shop) -> int:
    return int(app.web.evaluate("() => sessionStorage.getItem('logins') || '0'"))


def test_start_logs_in_and_shows_the_home_screen(shop) -> None:
    app = shop()
    app.start()
    assert app.web.text("shop.who") == "clerk"
    assert app.web.url.endswith("/shop.html") and logins(app) == 1


def test_reset_logs_in_again_after_the_session_was_lost(shop) -> None:
    app = shop()
    app.start()
    app.reset()
    assert logins(app) == 1  # still logged in: no second login
    app.web.evaluate("() => sessionStorage.removeItem('user')")  # the application forgot the session
    app.reset()
    assert app.web.is_visible("shop.home") and logins(app) == 2


def test_refused_credentials_are_a_configuration_error(shop) -> None:
    with pytest.raises(ConfigError, match="the shop refused 'clerk'"):
        shop(password="wrong").start()


def test_a_missing_url_names_the_setting(browser_host: BrowserHost) -> None:
    book = SelectorBook.load(HERE / "selectors", "shop")
    web = WebPage(browser_host.new_page(), book, 1000)
    try:
        with pytest.raises(ConfigError, match=r"\[apps.shop\] needs url"):
            Shop(AppEnv(name="shop", settings={}, web=web, credentials=None))
    finally:
        web.close()
