"""Steps: the structured events that make an item's trail readable.

``RunContext.snap`` records one "step" event per screenshot (or per application when
screenshots are off): its name, the application and where it was (URL or window
title), the action, the outcome and the screenshot with its SHA-256, which the hash
chain then commits to at the moment the picture was taken.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from clerk._recording import sha256_of
from clerk._secrets import REDACTOR

if TYPE_CHECKING:
    from loguru import Logger

STEP_MARK = "step"  # extra["audit"] of a step event
CHECKPOINT = "checkpoint"  # the bot marked a meaningful step
FAILURE = "failure"  # an attempt failed; the screenshot shows where


def where_is(session: Any) -> dict[str, str]:
    """The URL of a web session, or the window title of a desktop one (best effort)."""
    found: dict[str, str] = {}
    try:
        web = getattr(session, "web", None)
        url = getattr(getattr(web, "page", None), "url", None)
        if isinstance(url, str) and url:
            found["url"] = url
        title = getattr(session, "window_title", None)
        title = title() if callable(title) else title
        if isinstance(title, str) and title:
            found["window"] = title
    except Exception as err:  # noqa: BLE001 - evidence is best effort; a dying session must not break the item
        logger.debug("cannot tell where the session is: {}", err)
    return {key: REDACTOR.scrub(value) for key, value in found.items()}


def current_error() -> str | None:
    """The exception being handled, as "CODE: message", when a failure screenshot is taken."""
    error = sys.exc_info()[1]
    if error is None:
        return None
    code = getattr(error, "code", type(error).__name__)
    return REDACTOR.scrub(f"{code}: {error}")


def record_step(log: Logger, *, name: str, app: str, session: Any, shot: Path | None, folder: Path,
                action: str = CHECKPOINT) -> None:
    """Log one step event (bound with ``audit="step"``) for the item the log is bound to."""
    fields: dict[str, Any] = {
        "name": name, "app": app, "action": action, "outcome": "failed" if action == FAILURE else "ok",
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), **where_is(session),
    }
    if shot is not None and shot.is_file():
        fields["shot"] = shot.relative_to(folder).as_posix()
        fields["sha256"] = sha256_of(shot)
    if action == FAILURE and (error := current_error()):
        fields["error"] = error
    log.bind(audit=STEP_MARK, step=name, audit_step=fields).info(
        "step {!r} in {}{}", name, app, f": {fields['shot']}" if "shot" in fields else "")


def steps_by_item(events: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The step events of a run, grouped by item key, in the order they were logged."""
    steps: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        extra = event.get("record", {}).get("extra", {})
        if extra.get("audit") == STEP_MARK and isinstance(extra.get("audit_step"), dict):
            steps[str(extra.get("item", "run"))].append({"seq": event.get("seq"), **extra["audit_step"]})
    return dict(steps)


def errors_by_item(events: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Warnings and errors of a run, grouped by item key: what went wrong, in order."""
    errors: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        record = event.get("record", {})
        if record.get("level", {}).get("no", 0) >= 30 and record.get("extra", {}).get("audit") != STEP_MARK:
            errors[str(record.get("extra", {}).get("item", "run"))].append({
                "seq": event.get("seq"), "at": record.get("time", {}).get("repr", ""),
                "level": record.get("level", {}).get("name", ""), "message": record.get("message", ""),
            })
    return dict(errors)
