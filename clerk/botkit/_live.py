"""``clerk selectors check APP``: log in to the live application, visit each screen its selector
file declares, and say of every selector whether it is found, missing or ambiguous there.

It only opens pages, clicks the declared menu entries and counts matches: nothing is typed
or submitted, so it is safe against production.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clerk._bot import App
from clerk._config import Settings
from clerk._context import RunContext
from clerk._errors import BotError, ConfigError
from clerk._recording import Recording
from clerk._registry import available_bots, find_bot
from clerk._resources import selector_folder
from clerk._secrets import load_credentials
from clerk._selectors import SelectorBook
from clerk.botkit._screens import Screen, load_screens
from clerk.web import BrowserHost, WebPage

PROBLEMS = frozenset({"missing", "ambiguous", "unreachable"})


@dataclass(frozen=True, slots=True)
class Finding:
    screen: str
    name: str
    verdict: str  # found, drifted, missing, ambiguous, skipped, unreachable
    detail: str = ""


def check_live(app_name: str, settings: Settings) -> list[Finding]:
    """Visit every declared screen of ``app_name``; one finding per selector name (or per
    screen that could not be reached).

    Raises:
        ConfigError: no bot declares the application, its file declares no screens, or a
            setting or credential is missing.
    """
    app, settings = app_declaration(app_name, settings)
    book = SelectorBook.load(selector_folder(settings, app_name, app) or settings.selectors_dir, app_name)
    screens = load_screens(book.path, set(book.names()))
    if not screens:
        raise ConfigError(f"{book.path} declares no screens: add a 'screens:' section (see clerk.botkit._screens)")
    url = str(settings.app(app_name).get("url", "")).rstrip("/")
    findings: list[Finding] = []
    logged_out = [s for s in screens if s.before_login]
    if logged_out:
        with _fresh_page(settings, book) as web:
            findings += [f for screen in logged_out for f in _visit(web, url, screen, None)]
    logged_in = [s for s in screens if not s.before_login]
    if logged_in:
        credentials = {app_name: load_credentials(app_name)} if app.login else {}
        with tempfile.TemporaryDirectory(prefix="clerk-selectors-") as scratch:
            ctx = RunContext(settings=settings, bot="selectors-check", run_id="selectors-check",
                             recording=Recording(Path(scratch)), apps={app_name: app}, credentials=credentials)
            try:
                session = ctx.app(app_name)
                page = getattr(session, "web", None)
                if not isinstance(page, WebPage):
                    raise ConfigError(f"the session of {app_name} has no .web page to check")
                findings += [f for screen in logged_in for f in _visit(page, url, screen, session)]
            finally:
                ctx.close()
    return findings


def app_declaration(app_name: str, settings: Settings) -> tuple[App, Settings]:
    """How the project's bots reach ``app_name`` (its session class logs in), with the settings
    of the first bot that uses it (its package's defaults and selectors included)."""
    for bot_name in available_bots(settings.project_dir):
        loaded = find_bot(bot_name, settings.project_dir)
        app = loaded.bot.apps.get(app_name)
        if app is not None:
            if app.kind != "web":
                raise ConfigError(f"{app_name} is a {app.kind} application; only web screens can be checked")
            return app, dataclasses.replace(settings, bot_folders=loaded.folders)  # its package's selectors
    raise ConfigError(f"no bot of {settings.project_dir} uses an application named {app_name!r}")


@contextmanager
def _fresh_page(settings: Settings, book: SelectorBook) -> Iterator[WebPage]:
    host = BrowserHost(settings.web)
    try:
        yield WebPage(host.new_page(), book, settings.web.timeout.total_seconds() * 1000)
    finally:
        host.close()


def _visit(web: WebPage, url: str, screen: Screen, session: Any) -> list[Finding]:
    try:
        if session is not None:
            session.reset()
        if screen.path:
            web.goto(url + screen.path)
        for name in screen.clicks:
            web.click(name, **screen.params)
        if screen.ready:
            web.wait(screen.ready, **screen.params)
    except BotError as err:
        return [Finding(screen.name, "", "unreachable", f"{err.code}: {err}")]
    return [_verdict(web, screen, name) for name in screen.names]


def _verdict(web: WebPage, screen: Screen, name: str) -> Finding:
    try:
        locators = web.selectors.locators(web.page, name, **screen.params)
    except ConfigError as err:  # a placeholder without a value in params
        return Finding(screen.name, name, "skipped", str(err))
    counts = [locator.count() for locator in locators]
    first = next((position for position, count in enumerate(counts) if count), None)
    if first is None:
        return Finding(screen.name, name, "missing", "nothing matches" + (" (nor any fallback)" if len(counts) > 1
                                                                           else ""))
    matches = counts[first]
    if matches > 1 and name not in screen.many:
        return Finding(screen.name, name, "ambiguous", f"{matches} elements match, one was expected")
    detail = f"{matches} matches" if matches > 1 else ""
    if first:
        return Finding(screen.name, name, "drifted", f"only fallback {first} matches; update the file")
    return Finding(screen.name, name, "found", detail)
