"""RunContext: what a bot's functions receive. It is passed explicitly, never global."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from loguru import logger

from clerk._bot import AppEnv
from clerk._config import Settings
from clerk._errors import ApplicationError, ConfigError
from clerk._recording import Recording
from clerk._resources import selector_folder, selector_folders
from clerk._secrets import Credentials
from clerk._selectors import SelectorBook, SelectorDrift
from clerk.audit._settings import AuditSettings
from clerk.audit._steps import CHECKPOINT, FAILURE, record_step
from clerk.audit._trace import TRACES_DIR, ItemTracer
from clerk.web import BrowserHost, WebPage

if TYPE_CHECKING:
    from loguru import Logger

    from clerk._bot import App, AppSession


S = TypeVar("S")


class RunContext:
    def __init__(self, *, settings: Settings, bot: str, run_id: str, recording: Recording,
                 apps: Mapping[str, App], credentials: Mapping[str, Credentials],
                 dry_run: bool = False, params: Mapping[str, Any] | None = None,
                 on_drift: Callable[[SelectorDrift], None] | None = None, scratch: Path | None = None) -> None:
        self.settings = settings
        self.bot = bot
        self.run_id = run_id
        self.recording = recording
        self.dry_run = dry_run
        self.params: Mapping[str, Any] = dict(params or {})
        self._on_drift = on_drift
        self._tracer = ItemTracer(recording.folder / TRACES_DIR, AuditSettings.of(settings).traces)
        if scratch is not None:  # a browser that outlives the run keeps its scratch files out of the run's folder
            self._tracer.scratch = scratch
        self._item_key = "run"
        self._apps = apps
        self._credentials = credentials
        self._browser = BrowserHost(settings.web, artifacts_dir=self._tracer.scratch)
        self._sessions: dict[str, AppSession] = {}
        self._items_in_sessions = 0
        self._items_begun = 0
        self._pages: dict[str, WebPage] = {}  # the page of each open web session
        self._selector_dirs = {name: selector_folder(settings, name, app) for name, app in apps.items()}
        self._selector_books = {name: self._web_selectors(name) for name, app in apps.items() if app.kind == "web"}

    def next_run(self, *, run_id: str, recording: Recording, params: Mapping[str, Any]) -> None:
        """Work another run's items with the same browser and logged-in sessions (a Celery
        worker): the audit trail moves to the new run's folder."""
        self._tracer.move_to(recording.folder / TRACES_DIR)
        self._item_key = "run"
        self.run_id, self.recording, self.params = run_id, recording, dict(params)

    def _web_selectors(self, name: str) -> SelectorBook:
        folder = self._selector_dirs[name]
        if folder is None:
            searched = ", ".join(str(f) for f in selector_folders(self.settings, self._apps[name]))
            raise ConfigError(f"{name}: no selector file {name}.yaml in {searched}")
        return SelectorBook.load(folder, name)

    @property
    def item_key(self) -> str:
        return self._item_key

    @item_key.setter
    def item_key(self, key: str) -> None:
        """The engine moves on to another item: its traces start a new chunk."""
        if key != self._item_key:
            self._tracer.next_item(key)
        self._item_key = key

    @property
    def log(self) -> Logger:
        return logger.bind(bot=self.bot, run_id=self.run_id, item=self.item_key)

    @property
    def bot_settings(self) -> Mapping[str, Any]:
        return self.settings.bot(self.bot)

    @overload
    def app(self, which: type[S]) -> S: ...

    @overload
    def app(self, which: str) -> AppSession: ...

    def app(self, which: str | type[S]) -> AppSession | S:
        """The logged-in session of an application, started on first use: by its class, typed
        (``ctx.app(LedgerSmb)`` is a ``LedgerSmb``), or by its name in the bot's ``apps``.

        Raises:
            ConfigError: the bot declares no such application.
        """
        if isinstance(which, str):
            return self._session(which)
        names = [name for name, app in self._apps.items() if app.session is which]
        if len(names) != 1:
            declared = ", ".join(f"{name} ({getattr(app.session, '__name__', app.session)})"
                                 for name, app in self._apps.items())
            raise ConfigError(f"bot {self.bot} declares {'no' if not names else 'several'} application(s) "
                              f"with the session {which.__name__} (it declares {declared}); ask by name")
        session = self._session(names[0])
        if not isinstance(session, which):
            raise ConfigError(f"the session of {names[0]} is a {type(session).__name__}, not a {which.__name__}")
        return session

    def _session(self, name: str) -> AppSession:
        if name not in self._apps:
            raise ConfigError(f"bot {self.bot} does not declare the application {name!r}")
        session = self._sessions.get(name)
        if session is None:
            web = None
            if self._apps[name].kind == "web":
                web = WebPage(self._browser.new_page(), self._selector_books[name],
                              self.settings.web.timeout.total_seconds() * 1000, on_drift=self._drifted)
                self._tracer.attach(name, web)
                self._pages[name] = web
            env = AppEnv(name=name, settings=self.settings.app(name), credentials=self._credentials.get(name), web=web,
                         selectors_dir=self._selector_dirs[name] or self.settings.selectors_dir)
            session = self._apps[name].session(env)
            self._sessions[name] = session
            self.log.info("logging in to {}", name)
            session.start()
        return session

    def begin_item(self, key: str) -> None:
        """An item starts: its evidence goes under ``key``. Every ``[web] fresh_sessions_every``
        items the web sessions are closed, to log in again in a new context when next used:
        a page that lives for hundreds of items keeps growing its renderer's memory. In
        between, every ``[web] release_memory_every`` items, the renderers' garbage is collected."""
        self.item_key = key
        every = self.settings.web.fresh_sessions_every
        self._items_in_sessions += 1
        self._items_begun += 1
        if every and self._items_in_sessions > every:
            web = [name for name in self._sessions if self._apps[name].kind == "web"]
            if web:
                self.log.info("starting the web sessions afresh after {} items: {}", every, ", ".join(web))
            for name in web:
                self._drop(name)
            self._items_in_sessions = 1
        release = self.settings.web.release_memory_every
        if release and self._items_begun % release == 0:
            self._release_memory()

    def _release_memory(self) -> None:
        for name, web in self._pages.items():
            began = time.perf_counter()
            try:
                released = web.release_memory()
            except ApplicationError as err:  # the item that uses the page finds out and starts it again
                self.log.debug("{}", err)
                continue
            self.log.debug("{}: garbage collected in the renderer in {:.0f} ms (JavaScript heap {} MB, then {} MB)",
                           name, (time.perf_counter() - began) * 1000, released.before_mb, released.after_mb)

    def end_item(self) -> None:
        """The item is settled: its trace is written now, not when the next item starts (a
        worker's next item may come after its run is sealed, or never)."""
        self._tracer.finish_item()
        self._item_key = "run"

    def _drifted(self, drift: SelectorDrift) -> None:
        """A selector's fallback was used: the run goes on, the trail and the summary say so."""
        self.log.bind(event="selector_drift", app=drift.app, selector=drift.name, drifted=drift.drifted,
                      matched=drift.matched).warning(drift.message)
        if self._on_drift is not None:
            self._on_drift(drift)

    def reset(self) -> None:
        """Bring every open application back to its home screen; restart one that is broken."""
        for name in list(self._sessions):
            try:
                self._sessions[name].reset()
            except Exception as err:  # noqa: BLE001 - any failure here means: start afresh
                self.log.warning("{} did not return to its home screen ({}); logging in again in a new session",
                                 name, err)
                self._drop(name)
                self.app(name)

    def snap(self, step: str, app: str | None = None) -> None:
        """Screenshot after a meaningful step, into the item's folder of the audit trail."""
        apps = [app] if app else list(self._sessions)
        if self.settings.run.screenshots != "on":
            for name in apps:  # the step still goes into the trail, without a picture
                record_step(self.log, name=step, app=name, session=self._sessions.get(name), shot=None,
                            folder=self.recording.folder)
            return
        self._snap(step, apps)

    def retrying(self) -> None:
        """The item's attempt failed and another begins (traces = "retries" records from here)."""
        self._tracer.retrying()

    def snap_failure(self, step: str) -> None:
        """Screenshot every open application; never raises, because it runs while failing."""
        self._tracer.mark_failed()
        try:
            self._snap(step, list(self._sessions), action=FAILURE)
        except Exception as err:  # noqa: BLE001
            self.log.warning("could not take the failure screenshot: {}", err)

    def _snap(self, step: str, apps: list[str], action: str = CHECKPOINT) -> None:
        for name in apps:
            session = self._sessions.get(name)
            if session is not None:
                jpeg = self.settings.run.screenshot_format == "jpeg" and self._apps[name].kind == "web"
                path = self.recording.shot_path(self.item_key, name, step, ".jpg" if jpeg else ".png")
                session.screenshot(path)
                record_step(self.log, name=step, app=name, session=session, shot=path,
                            folder=self.recording.folder, action=action)

    def _drop(self, name: str) -> None:
        session = self._sessions.pop(name, None)
        self._pages.pop(name, None)
        self._tracer.detach(name)
        if session is not None:
            try:
                session.close()
            except Exception as err:  # noqa: BLE001 - it may already be gone
                self.log.debug("closing {}: {}", name, err)

    def close(self) -> None:
        self._tracer.close()
        for name in list(self._sessions):
            self._drop(name)
        self._browser.close()
        self._tracer.dispose()
