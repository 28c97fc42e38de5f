"""Pages from Jinja2 templates (autoescaped), with the signed-in user and the CSRF token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from clerk._secrets import REDACTOR

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
TEMPLATES.env.filters["scrub"] = lambda value: REDACTOR.scrub(str(value)) if value is not None else ""


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    flash = request.session.pop("flash", None) if "user" in request.session else None
    return TEMPLATES.TemplateResponse(request, template, {
        "user": getattr(request.state, "user", None), "csrf": request.session.get("csrf", ""),
        "flash": flash, **context}, status_code=status_code)
