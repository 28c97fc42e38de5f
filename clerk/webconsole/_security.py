"""The console's gate: every request but the login page needs a signed-in user; actions
need an operator; every POST (signing in and out included) needs the session's CSRF
token; every response carries strict headers."""

from __future__ import annotations

import secrets

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from clerk.webconsole._accounts import Accounts, User

OPEN_PATHS = frozenset({"/login"})  # the only paths served without a signed-in user
ACTION_PREFIX = "/actions/"
CSRF_FIELD = "csrf"
_SAFE_METHODS = frozenset({"GET", "HEAD"})
_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; style-src 'self' 'unsafe-inline'; "
                               "script-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def signed_in(request: Request, accounts: Accounts) -> User | None:
    """The session's user, as the ledger has them now (a removed user is signed out)."""
    name = request.session.get("user")
    return accounts.user(name) if isinstance(name, str) else None


class Gate(BaseHTTPMiddleware):
    def __init__(self, app: object, accounts: Accounts) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.accounts = accounts

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await self._checked(request, call_next)
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    async def _checked(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        path = request.url.path
        if path in OPEN_PATHS:
            if request.method not in _SAFE_METHODS and not await _csrf_matches(request):
                return _csrf_refused()
            return await call_next(request)
        user = signed_in(request, self.accounts)
        if user is None:
            if "user" in request.session:  # a removed user; an anonymous session keeps its login token
                request.session.clear()
            if request.method == "GET":
                return RedirectResponse("/login", status_code=303)
            return PlainTextResponse("sign in first", status_code=401)
        request.state.user = user
        if request.method not in _SAFE_METHODS:
            if path.startswith(ACTION_PREFIX) and not user.may_act:
                return PlainTextResponse(f"{user.name} is an auditor: auditors change nothing", status_code=403)
            if not await _csrf_matches(request):
                return _csrf_refused()
        return await call_next(request)


async def _csrf_matches(request: Request) -> bool:
    """The form carries the session's token (the login page puts one in an anonymous session)."""
    await request.body()  # read whole first: the middleware then hands the same body on to the route
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    expected = request.session.get(CSRF_FIELD)
    return isinstance(sent, str) and isinstance(expected, str) and secrets.compare_digest(sent, expected)


def _csrf_refused() -> Response:
    return PlainTextResponse("the form's CSRF token is missing or wrong; reload the page", status_code=403)
