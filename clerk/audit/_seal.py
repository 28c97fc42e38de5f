"""Seal a run at its end: settle which traces stay, describe every item, hash every file,
record where the event chain ends, and write the signed manifest."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from loguru import logger

from clerk._config import Settings
from clerk._outcome import ItemResult, ItemStatus, RunReport
from clerk._recording import Recording
from clerk.audit._chain import EVENTS_FILE, ChainHead, iter_events
from clerk.audit._digest import hmac_key
from clerk.audit._manifest import (
    config_as_used,
    file_hashes,
    git_revision,
    read_manifest,
    write_sealed,
)
from clerk.audit._settings import AuditSettings, TracePolicy
from clerk.audit._steps import steps_by_item
from clerk.audit._trace import TRACE_SUFFIX, TRACES_DIR, clear_scratch


def item_key(row: int) -> str:
    """The key of the item read from sheet row ``row`` (as clerk._items.WorkItem.key)."""
    return f"row-{row:05d}"


def seal_run(recording: Recording, report: RunReport, settings: Settings) -> bool:
    """Seal the run's folder. Never raises: a run that cannot be sealed says so in the log.

    Returns whether the run was sealed.

    Example:
        seal_run(recording, report, settings)   # in the engine's finally block
    """
    try:
        _seal(recording.folder, report, settings)
    except Exception as err:  # noqa: BLE001 - the run's own outcome must survive a sealing failure
        logger.opt(exception=err).error("could not seal the run {} in {}: {}", report.run_id, recording.folder, err)
        return False
    return True


def _seal(folder: Path, report: RunReport, settings: Settings) -> None:
    policy = AuditSettings.of(settings).traces
    clear_scratch(folder, all_of_it=True)  # the browsers are closed: their scratch files are not evidence
    statuses = {item_key(result.row): result.status for result in report.results}
    traces = _settle_traces(folder / TRACES_DIR, statuses, policy)
    steps = steps_by_item(iter_events(folder / EVENTS_FILE))
    manifest = read_manifest(folder)
    config, config_sha256 = config_as_used(settings.as_dict())
    head = ChainHead.of_file(folder / EVENTS_FILE)
    input_fields = dict(manifest.get("input") or {})
    if input_fields.get("path"):
        input_fields["name"] = Path(str(input_fields["path"])).name
    manifest.update({
        "run_id": report.run_id, "bot": report.bot, "git": git_revision(settings.project_dir),
        "settings": config, "config_sha256": config_sha256, "input": input_fields,
        "outcome": report.outcome.value, "counts": dict(report.counts),
        "unattached_steps": {key: value for key, value in steps.items() if key not in statuses},
        "events": {"file": EVENTS_FILE, "count": head.seq, "head": head.hash},
        "files": file_hashes(folder),
        "sealed_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
    })
    manifest.pop("items", None)
    items = (_item(result, steps, traces) for result in sorted(report.results, key=lambda r: r.row))
    write_sealed(folder, manifest, hmac_key(), streamed={"items": items})


def _item(result: ItemResult, steps: dict[str, list[dict[str, Any]]],
          traces: dict[str, list[str]]) -> dict[str, Any]:
    key = item_key(result.row)
    return {
        "key": key, "row": result.row, "reference": result.reference, "status": result.status.value,
        "app_ref": result.app_ref, "message": result.message, "worker": result.worker, "steps": steps.get(key, []),
        "traces": traces.get(key, []),
    }


def _settle_traces(folder: Path, statuses: dict[str, ItemStatus], policy: TracePolicy) -> dict[str, list[str]]:
    """Drop the traces the policy does not keep; return the kept ones by item key."""
    kept: dict[str, list[str]] = {}
    if not folder.is_dir():
        return kept
    for leftover in folder.rglob("*.unscrubbed.zip"):  # a crash between saving and scrubbing
        leftover.unlink()
    for item_folder in sorted(p for p in folder.iterdir() if p.is_dir()):
        status = statuses.get(item_folder.name)
        keep = policy == "all" or status in (ItemStatus.FAILED, ItemStatus.UNCONFIRMED) or status is None
        if not keep:
            shutil.rmtree(item_folder)
            continue
        kept[item_folder.name] = _relative(folder.parent, item_folder.glob(f"*{TRACE_SUFFIX}"))
    if not any(folder.iterdir()):
        folder.rmdir()
    return kept


def _relative(root: Path, paths: Iterable[Path]) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in paths)
