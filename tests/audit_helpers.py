"""Helpers for audit-trail tests: a secrets search that any bot's tests can reuse, and
synthetic sealed runs built with the real writers (RunLog, steps, seal) but no browser.

Example:
    assert_no_secrets([tmp_path / "recordings", tmp_path / "console.log"], ["Admin123!"])
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

from loguru import logger

from clerk._config import Settings
from clerk._logging import RunLog
from clerk._outcome import ItemResult, ItemStatus, RunReport
from clerk._recording import Recording
from clerk.audit._seal import item_key, seal_run
from clerk.audit._steps import FAILURE, record_step

# ------------------------------------------------------------------ the secrets search


def secret_spellings(secret: str) -> set[bytes]:
    """Byte strings that betray ``secret``: as is, JSON/URL/HTML-escaped, UTF-16, and base64
    at each of the three alignments it can have inside a longer base64 text."""
    texts = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], quote(secret),
             quote(secret, safe=""), quote_plus(secret), html.escape(secret)}
    found = {text.encode() for text in texts} | {secret.encode("utf-16-le")}
    raw = secret.encode()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)
        start = (shift * 4 + 2) // 3  # drop the characters that depend on the bytes before the secret
        end = len(encoded) - (4 if (shift + len(raw)) % 3 else 0)  # and those that depend on what follows
        if end - start >= 4:
            found.add(encoded[start:end])
    return found


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from (p for p in sorted(path.rglob("*")) if p.is_file())
        elif path.is_file():
            yield path


def _leaks_in(label: str, data: bytes, needles: dict[bytes, str], depth: int = 0) -> Iterator[str]:
    for needle, secret in needles.items():
        if needle in data:
            yield f"{label}: {secret[:2]}… as {needle[:12]!r}"
    if depth < 3 and data[:4] == b"PK\x03\x04":  # zip, trace.zip, xlsx: search every member too
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zipped:
                for member in zipped.namelist():
                    yield from _leaks_in(f"{label}!{member}", zipped.read(member), needles, depth + 1)
        except zipfile.BadZipFile:
            yield f"{label}: looks like a zip but cannot be opened, so it cannot be searched"


def find_secrets(paths: Iterable[Path], secrets: Sequence[str]) -> list[str]:
    """Every file (and zip member, recursively) under ``paths`` holding one of ``secrets``."""
    needles = {needle: secret for secret in secrets for needle in secret_spellings(secret)}
    return [leak for path in _files(paths) for leak in _leaks_in(str(path), path.read_bytes(), needles)]


def assert_no_secrets(paths: Iterable[Path], secrets: Sequence[str]) -> int:
    """Fail naming each file that holds a secret; returns how many files were searched."""
    paths = list(paths)
    assert secrets and all(len(s) >= 3 for s in secrets), "give the secret values to search for"
    searched = sum(1 for _ in _files(paths))
    assert searched, f"nothing to search under {paths}"
    leaks = find_secrets(paths, secrets)
    assert not leaks, "secrets found:\n" + "\n".join(leaks)
    return searched


# ------------------------------------------------------------------ synthetic runs


def png_bytes(label: str, size: tuple[int, int] = (320, 200)) -> bytes:
    """A small PNG, different for every label."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).text((10, 10), label, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class _Page:
    def __init__(self, url: str) -> None:
        self.url = url


class _Web:
    def __init__(self, url: str) -> None:
        self.page = _Page(url)


class FakeSession:
    """What record_step reads from a web application's session."""

    def __init__(self, url: str) -> None:
        self.web = _Web(url)


@dataclass
class SyntheticRun:
    folder: Path
    report: RunReport
    settings: Settings


def make_settings(root: Path, traces: str = "failed") -> Settings:
    return Settings(project_dir=root, data_dir=root / "var", recordings_dir=root / "recordings",
                    selectors_dir=root / "selectors", audit={"traces": traces, "retention_days": 90})


def make_run(root: Path, *, run_id: str = "20260101-120000-abcdef", items: int = 3, shots: int = 2,
             failed: Sequence[int] = (3,), traces: str = "failed", bot: str = "invoice_entry",
             ended: dt.datetime | None = None, unique_shots: bool = True) -> SyntheticRun:
    """A sealed run of ``items`` items (rows 2..), each with ``shots`` screenshots; the rows in
    ``failed`` failed and left a trace. Uses the real RunLog, record_step and seal_run."""
    settings = make_settings(root, traces)
    recording = Recording(settings.recordings_dir / bot / run_id)
    started = (ended or dt.datetime.now(dt.UTC)) - dt.timedelta(minutes=5)
    recording.write_manifest({"run_id": run_id, "bot": bot,
                              "input": {"path": str(root / "in.xlsx"), "sha256": "0" * 64},
                              "started_at": started.isoformat(), "settings": settings.as_dict()})
    report = RunReport(run_id=run_id, bot=bot, input_path=root / "in.xlsx", output_path=root / "out.xlsx",
                       recording_dir=recording.folder)
    run_log = RunLog(recording.events, run_id)
    base = png_bytes("shot") if not unique_shots else b""
    try:
        for row in range(2, items + 2):
            key = item_key(row)
            log = logger.bind(run_id=run_id, bot=bot, item=key)
            log.info("working on row {}", row)
            for number in range(1, shots + 1):
                path = recording.shot_path(key, "ledgersmb", f"step {number}")
                path.write_bytes(png_bytes(f"{key} {number}") if unique_shots else base + key.encode())
                action = FAILURE if row in failed and number == shots else "checkpoint"
                record_step(log, name=f"step {number}", app="ledgersmb", session=FakeSession(f"http://app/{key}"),
                            shot=path, folder=recording.folder, action=action)
            if row in failed or traces == "all":
                trace = recording.folder / "traces" / key / "ledgersmb-trace.zip"
                trace.parent.mkdir(parents=True, exist_ok=True)
                with zipfile.ZipFile(trace, "w") as zipped:
                    zipped.writestr("trace.trace", json.dumps({"type": "before", "item": key}) + "\n")
            status = ItemStatus.FAILED if row in failed else ItemStatus.DONE
            if row in failed:
                log.warning("row {}: failed (APPLICATION: the screen went away)", row)
            message = "APPLICATION: the screen went away" if row in failed else "entered"
            report.results.append(ItemResult(row=row, reference=f"vendor|INV-{row}", status=status,
                                             app_ref=None if row in failed else str(1000 + row), message=message))
    finally:
        run_log.close()
    recording.write_manifest({"ended_at": (ended or dt.datetime.now(dt.UTC)).isoformat(),
                              "outcome": report.outcome.value, "counts": dict(report.counts)})
    assert seal_run(recording, report, settings)
    return SyntheticRun(recording.folder, report, settings)


def _refusal_event(run_id: str, row: int, at: dt.datetime) -> dict[str, object]:
    """The body of the warning the engine logs for a refused row, shaped as loguru writes it."""
    message = f"row {row}: invalid (vendor: 'Globex Telecom LLC #{row}' is not a vendor in LedgerSMB)"
    stamp = at + dt.timedelta(microseconds=row * 40)
    return {
        "text": f"{stamp:%Y-%m-%d %H:%M:%S.%f} | WARNING  | clerk._engine:_record:337 - {message}\n",
        "record": {
            "elapsed": {"repr": "0:00:01.000000", "seconds": 1.0}, "exception": None,
            "extra": {"bot": "invoice_entry", "item": item_key(row), "run_id": run_id, "step": "-"},
            "file": {"name": "_engine.py", "path": "/opt/clerk/clerk/_engine.py"}, "function": "_record",
            "level": {"icon": "⚠️", "name": "WARNING", "no": 30}, "line": 337, "message": message,
            "module": "_engine", "name": "clerk._engine", "process": {"id": 4242, "name": "MainProcess"},
            "thread": {"id": 140000000000000, "name": "MainThread"},
            "time": {"repr": stamp.isoformat(), "timestamp": stamp.timestamp()},
        },
    }


def make_refused_run(root: Path, *, rows: int, items: int | None = None,
                     run_id: str = "20260101-120000-bigrun") -> Path:
    """A sealed run of ``rows`` refused rows, one warning event each, as a whole workbook
    refused row by row leaves it. ``items`` (default: all rows) are listed in the manifest.
    The events are chained with the real ChainHead (loguru is bypassed for speed) and the
    run is sealed with the real seal_run."""
    from clerk.audit._chain import ChainHead

    settings = make_settings(root)
    recording = Recording(settings.recordings_dir / "invoice_entry" / run_id)
    at = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    recording.write_manifest({"run_id": run_id, "bot": "invoice_entry", "started_at": at.isoformat(),
                              "input": {"path": str(root / "big.xlsx"), "sha256": "0" * 64}})
    head = ChainHead()
    with recording.events.open("w", encoding="utf-8") as events:
        for row in range(2, rows + 2):
            events.write(json.dumps(head.link(_refusal_event(run_id, row, at)), ensure_ascii=False) + "\n")
    report = RunReport(run_id=run_id, bot="invoice_entry", input_path=root / "big.xlsx",
                       output_path=root / "big.results.xlsx", recording_dir=recording.folder)
    listed = rows if items is None else items
    report.results.extend(ItemResult(row=row, reference=f"Globex Telecom LLC #{row}|INV-{row}",
                                     status=ItemStatus.INVALID, app_ref=None,
                                     message="vendor: not a vendor in LedgerSMB")
                          for row in range(2, listed + 2))
    recording.write_manifest({"ended_at": at.isoformat(), "outcome": report.outcome.value,
                              "counts": dict(report.counts)})
    assert seal_run(recording, report, settings)
    return recording.folder
