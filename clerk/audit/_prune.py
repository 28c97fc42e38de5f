"""``clerk audit prune``: delete runs older than the retention period, except runs the
ledger still needs: a run that is still going, or that holds failed items nobody has
rerun yet (the ledger's item still names that run), stays unless forced."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from clerk._errors import ConfigError
from clerk._ledger import Ledger, LedgerError
from clerk.audit._manifest import read_manifest
from clerk.audit._runs import run_folders

_DURATION = re.compile(r"^\s*(\d+)\s*([dhw])\s*$")
_UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}


@dataclass(frozen=True, slots=True, kw_only=True)
class PruneDecision:
    folder: Path
    run_id: str
    ended: dt.datetime
    delete: bool
    reason: str


def parse_age(text: str) -> dt.timedelta:
    """``90d``, ``12w`` or ``36h`` as a timedelta.

    Raises:
        ConfigError: the text is not a number followed by h, d or w.
    """
    match = _DURATION.match(text)
    if not match:
        raise ConfigError(f"--older-than takes a number and a unit (h, d or w), e.g. 90d; got {text!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def plan_prune(recordings_dir: Path, ledger_path: Path | str, older_than: dt.timedelta, *, force: bool = False,
               now: dt.datetime | None = None) -> list[PruneDecision]:
    """What pruning would do with every run older than ``older_than``; nothing is deleted.
    ``ledger_path`` is the SQLite ledger's file, or a shared ledger's URL."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - older_than
    decisions = []
    for folder in run_folders(recordings_dir):
        manifest = _manifest_of(folder)
        ended = _ended(manifest, folder)
        if ended >= cutoff:
            continue
        run_id = str(manifest.get("run_id") or folder.name)
        hold = _still_needed(ledger_path, run_id)
        if hold and not force:
            decisions.append(PruneDecision(folder=folder, run_id=run_id, ended=ended, delete=False, reason=hold))
        else:
            reason = f"forced, although {hold}" if hold else "older than the retention period and resolved"
            decisions.append(PruneDecision(folder=folder, run_id=run_id, ended=ended, delete=True, reason=reason))
    return decisions


def apply_prune(decisions: list[PruneDecision]) -> None:
    for decision in decisions:
        if decision.delete:
            shutil.rmtree(decision.folder)
            decision.folder.with_name(f"{decision.folder.name}.report.html").unlink(missing_ok=True)


def _manifest_of(folder: Path) -> dict[str, object]:
    try:
        return read_manifest(folder)
    except ValueError:
        return {}


def _ended(manifest: dict[str, object], folder: Path) -> dt.datetime:
    for key in ("ended_at", "sealed_at", "started_at"):
        value = manifest.get(key)
        if isinstance(value, str):
            try:
                moment = dt.datetime.fromisoformat(value)
            except ValueError:
                continue
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return dt.datetime.fromtimestamp(folder.stat().st_mtime, dt.UTC)


def _still_needed(ledger_path: Path | str, run_id: str) -> str:
    """Why the ledger still needs this run's evidence ("" when it does not)."""
    if isinstance(ledger_path, str):
        return _still_needed_by(ledger_path, run_id)
    if not ledger_path.is_file():
        return f"the ledger {ledger_path} is missing, so it cannot tell whether the run is resolved"
    db = sqlite3.connect(f"file:{ledger_path}?mode=ro", uri=True)
    try:
        run = db.execute("SELECT status FROM runs WHERE id=?", (run_id,)).fetchone()
        open_items = db.execute(
            "SELECT state, COUNT(*) FROM items WHERE run_id=? AND state IN ('failed', 'in_progress') GROUP BY state",
            (run_id,),
        ).fetchall()
    finally:
        db.close()
    if run is not None and run[0] == "running":
        return "the ledger shows the run as still running (or interrupted, to be resumed)"
    if open_items:
        counts = ", ".join(f"{count} {state.replace('_', ' ')}" for state, count in sorted(open_items))
        return f"unresolved: {counts} item(s) not yet rerun"
    return ""


def _still_needed_by(url: str, run_id: str) -> str:
    """``_still_needed`` for a ledger reached by URL (the shared PostgreSQL one)."""
    ledger = Ledger(url)
    try:
        try:
            status: str | None = ledger.run(run_id).status
        except LedgerError:
            status = None
        open_items = ledger.unresolved_items(run_id)
    finally:
        ledger.close()
    if status == "running":
        return "the ledger shows the run as still running (or interrupted, to be resumed)"
    if open_items:
        counts = ", ".join(f"{count} {state.replace('_', ' ')}" for state, count in sorted(open_items.items()))
        return f"unresolved: {counts} item(s) not yet rerun"
    return ""
