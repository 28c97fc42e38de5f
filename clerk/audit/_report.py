"""``clerk audit report``: one HTML page an auditor can read offline.

It shows the run's summary and verification status, a filterable table of items, and
each item's steps with their screenshots in order, its errors and traces. Small runs
embed JPEG thumbnails in the page, so the file stands alone; large runs link the
screenshots beside it and load them lazily, so the page stays small and opens fast
(the report is written next to the run's folder: ``<run>.report.html``).
"""

from __future__ import annotations

import base64
import io
import json
import os
from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any, Literal

from clerk.audit._chain import EVENTS_FILE, EventLines, iter_events
from clerk.audit._manifest import read_manifest
from clerk.audit._report_page import page, status_badge
from clerk.audit._steps import errors_by_item, steps_by_item
from clerk.audit._verify import Verification, verify_run

ImageMode = Literal["auto", "embed", "link"]
EMBED_BUDGET = 1_500_000  # bytes of thumbnails a page may carry before it links images instead
_THUMB_WIDTH = 320
_THUMB_ESTIMATE = 9_000


def default_report_path(folder: Path) -> Path:
    return folder.with_name(f"{folder.name}.report.html")


def write_report(folder: Path, target: Path | None = None, *, images: ImageMode = "auto",
                 link_base: Path | None = None, allow_unsigned: bool = False) -> Path:
    """Write the report of the run in ``folder``; returns its path.

    Screenshots are linked relative to ``link_base`` (default: the report's folder),
    the folder the report will sit in when it is read. ``allow_unsigned`` as for verify_run.

    Example:
        write_report(Path("recordings/invoice_entry/20261123-103817-396afa"))
    """
    target = target or default_report_path(folder)
    manifest = read_manifest(folder)
    verification = verify_run(folder, allow_unsigned=allow_unsigned)
    events = folder / EVENTS_FILE  # read a line at a time, once per use: a run may hold millions
    items = manifest.get("items") or _items_from_events(iter_events(events))
    shots = sum(len([s for s in item.get("steps", []) if s.get("shot")]) for item in items)
    embed = images == "embed" or (images == "auto" and shots * _THUMB_ESTIMATE <= EMBED_BUDGET)
    pictures = _Pictures(folder, link_base or target.parent, embed)
    line_items = _items_of_lines(events, {f.where for f in verification.findings})
    errors = errors_by_item(iter_events(events))
    body = "".join([
        _header(manifest, verification, folder),
        "<main>", _drift_section(iter_events(events)), _items_table(items),
        "<h2>Items, step by step</h2>",
        "".join(_item_section(item, errors.get(item["key"], []), verification, line_items, pictures)
                for item in items),
        _run_level_errors(errors, {item["key"] for item in items}),
        "</main>",
    ])
    title = f"{manifest.get('bot', '?')} run {manifest.get('run_id', folder.name)}: audit report"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page(title, body), encoding="utf-8")
    return target


class _Pictures:
    def __init__(self, folder: Path, base: Path, embed: bool) -> None:
        self.folder, self.base, self.embed, self.spent = folder, base, embed, 0

    def html(self, shot: str, tampered: bool) -> str:
        path = self.folder / shot
        link = escape(Path(os.path.relpath(path, self.base)).as_posix())
        src = link
        if self.embed and path.is_file() and self.spent < EMBED_BUDGET:
            src = _thumbnail(path)
            self.spent += len(src)
        label = '<br><span class="tampered-label">changed since sealed</span>' if tampered else ""
        missing = "" if path.is_file() else '<br><span class="tampered-label">missing</span>'
        return (f'<a class="shot{" tampered" if tampered else ""}" href="{link}" target="_blank" '
                f'title="{escape(shot)}"><img loading="lazy" alt="{escape(shot)}" src="{src}"></a>{label}{missing}')


def _thumbnail(path: Path) -> str:
    from PIL import Image

    with Image.open(path) as original:
        image = original.convert("RGB")
    image = image.crop((0, 0, image.width, min(image.height, int(image.width * 1.2))))
    image.thumbnail((_THUMB_WIDTH, _THUMB_WIDTH * 2))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=60, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def _header(manifest: dict[str, Any], verification: Verification, folder: Path) -> str:
    git = manifest.get("git") or {}
    source = manifest.get("input") or {}
    fields = [
        ("Bot", manifest.get("bot")), ("Run", manifest.get("run_id", folder.name)),
        ("Outcome", manifest.get("outcome")), ("Started", manifest.get("started_at")),
        ("Ended", manifest.get("ended_at")), ("Sealed", manifest.get("sealed_at")),
        ("Host / user", f"{manifest.get('host', '?')} / {manifest.get('user', '?')}"),
        ("clerk", f"{manifest.get('clerk_version', '?')}, commit {str(git.get('commit', 'unknown'))[:12]}"
                  + (" (uncommitted changes)" if git.get("dirty") else "")),
        ("Input", f"{source.get('name', '')} sha256 {source.get('sha256', '')}"),
        ("Config sha256", manifest.get("config_sha256")),
        ("Counts", ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in (manifest.get("counts") or {}).items())),
        ("Signature", verification.signature),
    ]
    summary = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v or ''))}</dd>" for k, v in fields)
    if verification.intact:
        banner = (f'<div class="banner intact">Verified intact: {verification.files} files and '
                  f"{verification.events} events are exactly as sealed.</div>")
    else:
        problems = "".join(f"<li>{escape(str(f))}</li>" for f in verification.findings)
        banner = (f'<div class="banner broken">NOT INTACT: {len(verification.findings)} problem(s) found'
                  f"<ul>{problems}</ul></div>")
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in verification.notes)
    title = f"{manifest.get('bot', '?')} run {manifest.get('run_id', folder.name)}"
    return (f"<header><h1>Audit report: {escape(title)}</h1>{banner}{notes}"
            f'<dl class="summary">{summary}</dl></header>')


def _drift_section(events: Iterable[dict[str, Any]]) -> str:
    """Selectors whose first spec found nothing while a fallback did: the YAML needs fixing."""
    seen: dict[tuple[str, ...], str] = {}
    for event in events:
        extra = event.get("record", {}).get("extra", {})
        if extra.get("event") == "selector_drift":
            key = tuple(str(extra.get(k, "")) for k in ("app", "selector", "drifted", "matched"))
            seen.setdefault(key, str(extra.get("item", "")))
    if not seen:
        return ""
    rows = "".join(f"<tr>{''.join(f'<td>{escape(v)}</td>' for v in key)}<td>{escape(item)}</td></tr>"
                   for key, item in seen.items())
    return ('<h2 id="selector-drift">Selectors that drifted</h2><p class="note">The first spec of these '
            "names found nothing and a fallback was used: the run went on, but the selector file needs "
            "fixing.</p><table class=drift><thead><tr><th>App</th><th>Selector</th><th>Found nothing</th>"
            f"<th>Matched instead</th><th>First seen in</th></tr></thead><tbody>{rows}</tbody></table>")


def _items_table(items: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for item in items:
        counts[item["status"]] = counts.get(item["status"], 0) + 1
    buttons = [f'<button data-filter="all" aria-pressed="true">all {len(items)}</button>']
    buttons += [f'<button data-filter="{escape(s)}" aria-pressed="false">{escape(s.replace("_", " "))} {n}</button>'
                for s, n in sorted(counts.items())]
    by_worker = any(item.get("worker") for item in items)  # a run of several workers names who did what
    rows = "".join(
        f'<tr data-status="{escape(item["status"])}" data-search="{escape(_search_text(item))}">'
        f'<td><a href="#{escape(item["key"])}">{item.get("row", "")}</a></td>'
        f'<td>{escape(str(item.get("reference") or ""))}</td><td>{status_badge(item["status"])}</td>'
        f'<td>{escape(str(item.get("app_ref") or ""))}</td><td>{escape(str(item.get("message") or ""))}</td>'
        + (f'<td>{escape(str(item.get("worker") or ""))}</td>' if by_worker else "")
        + f'<td>{len(item.get("steps", []))}</td></tr>'
        for item in items)
    return (f'<h2>Items</h2><div class="filters">{"".join(buttons)}'
            f'<input id="search" type="search" placeholder="filter by reference or message"></div>'
            f"<table><thead><tr><th>Row</th><th>Reference</th><th>Status</th><th>App ref</th><th>Message</th>"
            f"{'<th>Worker</th>' if by_worker else ''}<th>Steps</th></tr></thead><tbody>{rows}</tbody></table>")


def _item_section(item: dict[str, Any], errors: list[dict[str, Any]], verification: Verification,
                  line_items: dict[str, str], pictures: _Pictures) -> str:
    key = item["key"]
    findings = [f for f in verification.findings
                if f.where.startswith((f"shots/{key}/", f"traces/{key}/")) or line_items.get(f.where) == key]
    tampered = {f.where for f in findings}
    rows = [_step_row(number, step, tampered, pictures) for number, step in enumerate(item.get("steps", []), 1)]
    steps = ("<table class=steps><thead><tr><th>#</th><th>Time</th><th>Step</th><th>App</th><th>URL / window</th>"
             f"<th>Action</th><th>Outcome</th><th>Screenshot</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
             if rows else '<p class="muted">No steps were recorded for this item.</p>')
    error_list = "".join(f"<li>{escape(e['at'][11:23])} {escape(e['level'])}: {escape(e['message'])}</li>"
                         for e in errors)
    traces = "".join(f'<li><a href="{escape(_rel(pictures, t))}">{escape(t)}</a> '
                     f'(open with <code>playwright show-trace</code>)</li>' for t in item.get("traces", []))
    check = ('<p class="muted">Verification: intact.</p>' if not findings else
             "<ul class=errors>" + "".join(f"<li>{escape(str(f))}</li>" for f in findings) + "</ul>")
    opened = " open" if item["status"] in ("failed", "unconfirmed") or findings else ""
    return (f'<details class="item" id="{escape(key)}" data-status="{escape(item["status"])}" '
            f'data-search="{escape(_search_text(item))}"{opened}><summary>Row {item.get("row", "")} '
            f'{status_badge(item["status"])} {escape(str(item.get("reference") or ""))}'
            f'{_worker_note(item)}</summary>'
            f'<p>{escape(str(item.get("message") or ""))}</p>{check}{steps}'
            f"{f'<h3>Errors</h3><ul class=errors>{error_list}</ul>' if error_list else ''}"
            f"{f'<h3>Traces</h3><ul>{traces}</ul>' if traces else ''}</details>")


def _worker_note(item: dict[str, Any]) -> str:
    return f" (worker {escape(str(item['worker']))})" if item.get("worker") else ""


def _step_row(number: int, step: dict[str, Any], tampered: set[str], pictures: _Pictures) -> str:
    where = str(step.get("url") or step.get("window") or "")
    shown = where if len(where) <= 90 else where[:88] + "…"
    title = f' title="{escape(where)}"' if shown != where else ""
    shot = (pictures.html(step["shot"], step["shot"] in tampered) if step.get("shot")
            else '<span class="muted">none</span>')
    error = f"<br>{escape(step['error'])}" if step.get("error") else ""
    cells = [str(number), escape(str(step.get("at", ""))[11:23]), escape(str(step.get("name", ""))),
             escape(str(step.get("app", "")))]
    return (f"<tr>{''.join(f'<td>{cell}</td>' for cell in cells)}"
            f'<td class="where"{title}>{escape(shown)}</td>'
            f"<td>{escape(str(step.get('action', '')))}{error}</td>"
            f"<td>{escape(str(step.get('outcome', '')))}</td><td>{shot}</td></tr>")


def _run_level_errors(errors: dict[str, list[dict[str, Any]]], item_keys: set[str]) -> str:
    rest = [e for key, found in errors.items() if key not in item_keys for e in found]
    if not rest:
        return ""
    entries = "".join(f"<li>{escape(e['at'][:23])} {escape(e['level'])}: {escape(e['message'])}</li>" for e in rest)
    return f"<h2>Run-level warnings and errors</h2><ul class=errors>{entries}</ul>"


def _rel(pictures: _Pictures, relative: str) -> str:
    return Path(os.path.relpath(pictures.folder / relative, pictures.base)).as_posix()


def _search_text(item: dict[str, Any]) -> str:
    return f"{item.get('reference') or ''} {item.get('message') or ''} {item.get('app_ref') or ''}".lower()


def _items_from_events(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """An unsealed run has no item list yet: show its steps by item, outcome unknown."""
    return [{"key": key, "row": key.removeprefix("row-").lstrip("0"), "status": "unknown", "steps": steps,
             "traces": []} for key, steps in sorted(steps_by_item(events).items())]


def _items_of_lines(path: Path, wanted: set[str]) -> dict[str, str]:
    """``events.jsonl:N`` -> the item that line N was logged for, for the ``wanted`` lines."""
    found: dict[str, str] = {}
    if not path.is_file() or not any(where.startswith(f"{EVENTS_FILE}:") for where in wanted):
        return found
    for number, line in enumerate(EventLines(path), start=1):
        where = f"{EVENTS_FILE}:{number}"
        if where not in wanted:
            continue
        try:
            item = json.loads(line).get("record", {}).get("extra", {}).get("item")
        except (ValueError, AttributeError):
            continue
        if isinstance(item, str):
            found[where] = item
    return found
