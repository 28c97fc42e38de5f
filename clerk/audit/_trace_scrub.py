"""Scrub a Playwright trace zip before it joins the audit trail.

Two passes over every ``*.trace`` member (JSON lines):

1. Calls on a password input or on a selector marked ``sensitive`` lose what was typed
   or read: the ``value``/``text`` parameters, the result, and the quoted arguments and
   ``value="..."`` attributes in their log lines.
2. Every registered secret, in each spelling it could take in a trace (as is, JSON- or
   URL-escaped, HTML-escaped), is replaced in every member of the zip, text or not.

Several pieces of one item's trace (set aside around sensitive calls) become one zip:
the trace viewer shows each ``<name>.trace`` with its ``<name>.network`` and
``<name>.stacks``, so the second piece's ``trace.*`` members become ``2-trace.*``.
"""

from __future__ import annotations

import html
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from clerk._secrets import REDACTOR

MASK = "[redacted]"
_PASSWORD_INPUT = re.compile(r"""type=\\?["']password\\?["']""", re.IGNORECASE)
_VALUE_ATTRIBUTE = re.compile(r"""(value=)(\\?["']).*?\2""", re.IGNORECASE)
_QUOTED_ARGUMENT = re.compile(r"""((?:fill|type|press|pressSequentially|selectOption|inputValue)\()(".*"|'.*')\)""")
_TYPED_PARAMS = ("value", "values", "text", "options", "files")
_PIECE_MEMBER = re.compile(r"^trace\.(?=(trace|network|stacks|coverage)$)")


def spellings(secret: str) -> list[str]:
    """The ways ``secret`` can be written inside JSON, URLs or HTML, longest first."""
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
             quote(secret), quote(secret, safe=""), quote_plus(secret), html.escape(secret)}
    return sorted(forms, key=len, reverse=True)


def scrub_trace(source: Path | Sequence[Path], target: Path, *, sensitive_selectors: Iterable[str] = (),
                secrets: Iterable[str] | None = None) -> None:
    """Write a scrubbed copy of the trace ``source`` (or of its pieces, merged) to ``target``.

    Example:
        scrub_trace(raw, folder / "ledgersmb-trace.zip", sensitive_selectors={"input[name=password]"})
    """
    pieces = [source] if isinstance(source, Path) else list(source)
    values = sorted(REDACTOR.values if secrets is None else set(secrets), key=len, reverse=True)
    sensitive = frozenset(sensitive_selectors)
    tmp = target.with_name(target.name + ".tmp")
    written: set[str] = set()
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as scrubbed:
        for number, piece in enumerate(pieces, start=1):
            with zipfile.ZipFile(piece) as original:
                for member in original.infolist():
                    name = _PIECE_MEMBER.sub(f"{number}-trace.", member.filename) if number > 1 else member.filename
                    if name in written:
                        continue  # a resource both pieces hold (named by its digest)
                    data = original.read(member)
                    if name.endswith(".trace"):
                        data = _mask_sensitive_calls(data.decode("utf-8", "replace"), sensitive).encode()
                    scrubbed.writestr(name, _scrub_bytes(data, values))
                    written.add(name)
    tmp.replace(target)


def _scrub_bytes(data: bytes, secrets: Iterable[str]) -> bytes:
    for secret in secrets:
        for form in spellings(secret):
            data = data.replace(form.encode(), MASK.encode())
    return data


def _mask_sensitive_calls(text: str, sensitive: frozenset[str]) -> str:
    events = []
    for line in text.splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            events.append(None)
    calls = {e.get("callId") for e in events if isinstance(e, dict) and _touches_secret(e, sensitive)}
    calls.discard(None)
    out = []
    for line, event in zip(text.splitlines(), events, strict=True):
        if not isinstance(event, dict):
            out.append(MASK if line.strip() else line)
            continue
        if event.get("callId") in calls:
            _mask_call_event(event)
        elif event.get("type") == "log" and _PASSWORD_INPUT.search(str(event.get("message", ""))):
            event["message"] = _VALUE_ATTRIBUTE.sub(rf"\1\2{MASK}\2", event["message"])
        out.append(json.dumps(event, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def _touches_secret(event: dict[str, Any], sensitive: frozenset[str]) -> bool:
    params = event.get("params")
    if event.get("type") == "before" and isinstance(params, dict) and params.get("selector") in sensitive:
        return True
    return event.get("type") == "log" and bool(_PASSWORD_INPUT.search(str(event.get("message", ""))))


def _mask_call_event(event: dict[str, Any]) -> None:
    params = event.get("params")
    if isinstance(params, dict):
        for key in _TYPED_PARAMS:
            if key in params:
                params[key] = MASK
    if "result" in event:
        event["result"] = MASK
    if event.get("type") == "log":
        message = _VALUE_ATTRIBUTE.sub(rf"\1\2{MASK}\2", str(event.get("message", "")))
        event["message"] = _QUOTED_ARGUMENT.sub(rf'\1"{MASK}")', message)
