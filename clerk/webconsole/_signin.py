"""Signing in and out. Failed attempts slow the next ones down (``LoginThrottle``)."""

from __future__ import annotations

from loguru import logger
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from clerk.webconsole._render import page
from clerk.webconsole._security import CSRF_FIELD, new_csrf_token


async def login_page(request: Request) -> Response:
    """The form, with a CSRF token kept in an anonymous session (a forged cross-site
    sign-in would otherwise put a victim's browser into an attacker's account)."""
    if "user" not in request.session:
        request.session.setdefault(CSRF_FIELD, new_csrf_token())
    return page(request, "login.html")


async def login(request: Request) -> Response:
    console = request.app.state.console
    form = await request.form()
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    client = f"address:{request.client.host if request.client else '-'}"
    wait = console.throttle.wait_left(f"user:{name}", client)
    if wait > 0:
        logger.warning("console: sign-in for {!r} refused, {:.0f}s after repeated failures", name, wait)
        return page(request, "login.html", status_code=429,
                    error=f"Too many failed sign-ins: try again in {int(wait) + 1} seconds.")
    user = await run_in_threadpool(console.accounts.check, name, password)
    if user is None:
        console.throttle.failed(f"user:{name}", client)
        logger.warning("console: failed sign-in for {!r} from {}", name, client)
        return page(request, "login.html", status_code=401, error="Wrong name or password.")
    console.throttle.succeeded(f"user:{name}")
    request.session.clear()
    request.session.update({"user": user.name, CSRF_FIELD: new_csrf_token()})
    logger.info("console: {} signed in ({})", user.name, user.role)
    return RedirectResponse("/", status_code=303)


async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
