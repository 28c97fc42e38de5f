"""The console's Starlette application: routes, sessions and the gate (see ADR 0010)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Route

from clerk._config import Settings
from clerk.scheduler._spec import Schedule
from clerk.webconsole import _pages, _signin
from clerk.webconsole._console import Console
from clerk.webconsole._security import Gate

SESSION_COOKIE = "clerk_console"
SESSION_LIFETIME = dt.timedelta(hours=8)


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsoleConfig:
    settings: Settings
    schedule: Schedule | None
    secret_key: str  # signs the session cookie; never shown or logged
    https_only: bool = False  # set behind TLS: the cookie is then sent over HTTPS only


def build_app(config: ConsoleConfig, console: Console) -> Starlette:
    """The web app. ``console`` holds the ledger's stores and the operators' actions.

    Example:
        app = build_app(config, console); uvicorn.run(app, host="127.0.0.1", port=8765)
    """
    routes = [
        Route("/login", _signin.login_page, methods=["GET"]),
        Route("/login", _signin.login, methods=["POST"]),
        Route("/logout", _signin.logout, methods=["POST"]),
        Route("/", _pages.overview),
        Route("/runs", _pages.runs_page),
        Route("/runs/{run_id}", _pages.run_page),
        Route("/runs/{run_id}/export.zip", _pages.export_zip),
        Route("/items", _pages.items_page),
        Route("/items/{bot}/history", _pages.item_page),
        Route("/files/{path:path}", _pages.evidence),
        Route("/actions/jobs/{job}/run", _pages.run_now, methods=["POST"]),
        Route("/actions/jobs/{job}/pause", _pages.pause, methods=["POST"]),
        Route("/actions/jobs/{job}/resume", _pages.resume, methods=["POST"]),
        Route("/actions/runs/{run_id}/rerun", _pages.rerun, methods=["POST"]),
    ]
    middleware = [
        Middleware(SessionMiddleware, secret_key=config.secret_key, session_cookie=SESSION_COOKIE,
                   max_age=int(SESSION_LIFETIME.total_seconds()), same_site="strict", https_only=config.https_only),
        Middleware(Gate, accounts=console.accounts),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.console = console
    return app
