"""The console's pages and file routes (all behind the gate in _security.py)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response

from clerk._errors import BotError
from clerk.audit._export import ExportRefused, export_run
from clerk.scheduler._status import counts_text, job_states, outcome_of, runner_state
from clerk.webconsole._alive import runner_seen
from clerk.webconsole._console import Console
from clerk.webconsole._files import evidence_file, relative_to_recordings
from clerk.webconsole._queries import RunFilter
from clerk.webconsole._render import page

_ATTENTION = ("failed_items", "stopped", "interrupted", "rejected", "invalid_items")
OUTCOMES = ("running", "succeeded", "failed_items", "invalid_items", "stopped", "rejected", "interrupted")


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def _page_number(request: Request) -> int:
    text = request.query_params.get("page", "1")
    return max(1, int(text)) if text.isdigit() else 1


def overview(request: Request) -> Response:
    console = _console(request)
    runner = runner_state(console.settings)
    jobs = job_states(console.settings, console.schedule, runner.alive)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=24)
    recent = console.reads.recent_runs(since)
    failures = [(run, console.reads.unresolved(run.id)) for run in recent if outcome_of(run) in _ATTENTION]
    failures.sort(key=lambda pair: pair[1] == 0)  # still failed first, then those a rerun resolved
    return page(request, "overview.html", runner=runner, seen=runner_seen(console.settings),
                fleet=console.workers.state(), jobs=jobs, pauses=console.pauses.all(),
                failures=failures, outcome_of=outcome_of, counts_text=counts_text,
                actions=console.accounts.actions(10))


def runs_page(request: Request) -> Response:
    console = _console(request)
    query = request.query_params
    try:
        day = dt.date.fromisoformat(query["date"]) if query.get("date") else None
    except ValueError:
        day = None
    where = RunFilter(bot=query.get("bot", ""), outcome=query.get("outcome", ""), day=day)
    found = console.reads.runs(where, _page_number(request))
    return page(request, "runs.html", found=found, where=where, bots=console.reads.bots(), outcomes=OUTCOMES,
                outcome_of=outcome_of, counts_text=counts_text)


def run_page(request: Request) -> Response:
    console = _console(request)
    run = console.reads.run(request.path_params["run_id"])
    if run is None:
        return PlainTextResponse("no such run", status_code=404)
    status = request.query_params.get("status", "")
    found = console.reads.run_items(run.id, _page_number(request), status)
    folder = Path(run.recording_dir)
    inside = relative_to_recordings(console.recordings, folder) is not None
    verification = console.verdicts.of(folder) if inside and folder.is_dir() else None
    shots = {row["row"]: _shots(console, row["shots"]) for row in found.rows}
    return page(request, "run.html", run=run, outcome=outcome_of(run), found=found, status=status,
                counts=console.reads.run_counts(run.id), verification=verification, shots=shots,
                recorded=inside and folder.is_dir())


def _shots(console: Console, folder_text: str) -> list[str]:
    """The item's screenshots as /files/ paths (only those inside the recordings folder)."""
    if not folder_text:
        return []
    relative = relative_to_recordings(console.recordings, folder_text)
    folder = Path(folder_text)
    if relative is None or not folder.is_dir():
        return []
    return [f"{relative}/{shot.name}" for shot in sorted(folder.glob("*.png"))]


def export_zip(request: Request) -> Response:
    console = _console(request)
    run = console.reads.run(request.path_params["run_id"])
    if run is None or relative_to_recordings(console.recordings, run.recording_dir) is None \
            or not Path(run.recording_dir).is_dir():
        return PlainTextResponse("no recording for this run", status_code=404)
    scratch = Path(tempfile.mkdtemp(prefix="clerk-export-"))
    target = scratch / f"{run.id}.zip"
    try:
        export_run(Path(run.recording_dir), target)
    except ExportRefused as refused:
        target.unlink(missing_ok=True)
        scratch.rmdir()
        lines = [f"{f.where}: {f.detail}" for f in refused.verification.findings]
        return PlainTextResponse("the run does not verify; it is not exported:\n" + "\n".join(lines),
                                 status_code=409)
    return FileResponse(target, media_type="application/zip", filename=target.name,
                        background=BackgroundTask(_remove, target))


def _remove(target: Path) -> None:
    target.unlink(missing_ok=True)
    target.parent.rmdir()


def items_page(request: Request) -> Response:
    console = _console(request)
    text = request.query_params.get("q", "").strip()
    found = console.reads.items(text, _page_number(request))
    return page(request, "items.html", found=found, q=text)


def item_page(request: Request) -> Response:
    console = _console(request)
    bot, reference = request.path_params["bot"], request.query_params.get("ref", "")
    item = console.reads.item(bot, reference)
    if item is None:
        return PlainTextResponse("no such item", status_code=404)
    results = console.reads.results_of(bot, reference)
    shots = {row["run_id"]: _shots(console, row["shots"]) for row in results}
    return page(request, "item.html", item=item, history=console.reads.history(bot, reference),
                results=results, shots=shots)


def evidence(request: Request) -> Response:
    console = _console(request)
    found = evidence_file(console.recordings, request.path_params["path"])
    if found is None:
        return PlainTextResponse("no such file", status_code=404)
    return FileResponse(found)


# ---------------------------------------------------------------------- actions (operators only)
def _act(request: Request, back: str, action: Any, *args: Any) -> Response:
    try:
        message = action(*args, request.state.user)
    except BotError as err:
        message = f"not done: {err}"
    request.session["flash"] = message
    return RedirectResponse(back, status_code=303)


def run_now(request: Request) -> Response:
    return _act(request, "/", _console(request).operations.run_now, request.path_params["job"])


def pause(request: Request) -> Response:
    return _act(request, "/", _console(request).operations.pause, request.path_params["job"])


def resume(request: Request) -> Response:
    return _act(request, "/", _console(request).operations.resume, request.path_params["job"])


def rerun(request: Request) -> Response:
    console = _console(request)
    run = console.reads.run(request.path_params["run_id"])
    if run is None:
        return PlainTextResponse("no such run", status_code=404)
    return _act(request, f"/runs/{run.id}", console.operations.rerun_failed, run)
