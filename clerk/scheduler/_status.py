"""What ops see: ``clerk status``, ``clerk runs list`` and ``clerk runs show RUN``.

Everything is read from files the runner keeps (the job store, the journal, the runner
lock) and from the ledger, so these commands work whether or not a runner is running.
"""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from clerk._config import Settings
from clerk._errors import ConfigError
from clerk._ledger import Ledger, RunRecord, RunStatus
from clerk._ledger_config import ledger_exists, ledger_settings, open_ledger
from clerk._ledger_lease import DEFAULT_LEASE, holder_alive
from clerk.scheduler._apscheduler import stored_jobs
from clerk.scheduler._journal import Event, Journal, journal_path
from clerk.scheduler._leadership import scheduler_holder
from clerk.scheduler._lock import read_runner
from clerk.scheduler._runner import job_store
from clerk.scheduler._spec import JobSpec, Schedule

_ATTENTION = ("failed", "invalid", "held", "pending")
_ALL_ROWS_UP_TO = 50


def outcome_of(run: RunRecord, lease: dt.timedelta = DEFAULT_LEASE) -> str:
    """The run's outcome in the words of RunOutcome, from what the ledger keeps. A running
    run on another machine is interrupted once its lease ran out (by this machine's clock)."""
    if run.status is RunStatus.RUNNING:
        alive = holder_alive(pid=run.pid, host=run.host, heartbeat=run.heartbeat, now=time.time(), lease=lease)
        return "running" if alive else "interrupted"
    if run.status in (RunStatus.STOPPED, RunStatus.REJECTED):
        return run.status.value
    if run.counts.get("failed"):
        return "failed_items"
    if run.counts.get("invalid") or run.counts.get("held"):
        return "invalid_items"
    return "succeeded"


def counts_text(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in sorted(counts.items()) if value) or "-"


def duration_of(run: RunRecord) -> dt.timedelta:
    started = dt.datetime.fromisoformat(run.started_at)
    ended = dt.datetime.fromisoformat(run.ended_at) if run.ended_at else dt.datetime.now(dt.UTC)
    return ended - started


def _when(value: dt.datetime | str | None, zone: str | None = None) -> str:
    """A time for people: in ``zone`` (a job's own), else in this machine's."""
    if value is None:
        return "-"
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(zoneinfo.ZoneInfo(zone) if zone else None).strftime("%Y-%m-%d %H:%M:%S %Z")


def _trigger_text(spec: JobSpec) -> str:
    return spec.trigger.describe() + (", working days only" if spec.calendar else "")


def _span(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"


@dataclass(frozen=True, slots=True)
class JobState:
    """One job as ``clerk status`` and the web console show it."""

    name: str
    spec: JobSpec | None  # None: in the job store, but removed from the schedule
    trigger: str
    next_fire: str
    state: str
    last_run: RunRecord | None


@dataclass(frozen=True, slots=True)
class RunnerState:
    alive: bool
    text: str  # the runner, and with a shared ledger which runner schedules


def runner_state(settings: Settings) -> RunnerState:
    runner = read_runner(settings.data_dir)
    alive = runner is not None and runner.alive
    text = f"runner: running (pid {runner.pid}, since {runner.started_at})" if alive and runner else \
        "runner: not running"
    if ledger_settings(settings).shared:
        leader = scheduler_holder(ledger_settings(settings))
        text += (f"\nscheduler: {leader} schedules with the shared ledger" if leader else
                 "\nscheduler: no runner schedules with the shared ledger")
    return RunnerState(alive, text)


def job_states(settings: Settings, schedule: Schedule | None, runner_alive: bool) -> list[JobState]:
    """Per job: trigger, next fire time, running or not, and its last run."""
    stored = stored_jobs(job_store(settings))
    journal = Journal(journal_path(settings.data_dir)) if journal_path(settings.data_dir).exists() else None
    ledger = open_ledger(settings) if ledger_exists(settings) else None
    found: list[JobState] = []
    try:
        for name in sorted(set(schedule.jobs if schedule else {}) | set(stored)):
            spec = schedule.jobs.get(name) if schedule else None
            job = stored.get(name)
            state = _state(journal, name, runner_alive)
            found.append(JobState(
                name=name, spec=spec,
                trigger=_trigger_text(spec) if spec else (job.trigger if job else "-"),
                next_fire=_when(job.next_fire, spec.trigger.timezone if spec else None) if job
                else "not in the job store yet",
                state=state if spec else f"{state} (removed from the schedule)",
                last_run=_last_run(journal, ledger, name)))
    finally:
        if ledger is not None:
            ledger.close()
    return found


def status_view(settings: Settings, schedule: Schedule | None) -> Group:
    """The runner, and per job: trigger, next fire time, running or not, the last run."""
    runner = runner_state(settings)
    head = Text(runner.text, style="green" if runner.alive else "yellow")
    table = Table(title=f"jobs ({schedule.path if schedule else 'no schedule file'})")
    for column in ("job", "bot", "trigger", "input", "next fire", "state", "last run", "outcome", "rows"):
        table.add_column(column)
    for job in job_states(settings, schedule, runner.alive):
        run = job.last_run
        table.add_row(*_plain(
            job.name, job.spec.bot if job.spec else "?", job.trigger, job.spec.input_label if job.spec else "-",
            job.next_fire, job.state, f"{run.id} ({_when(run.started_at)})" if run else "-",
            outcome_of(run) if run else "-", counts_text(run.counts) if run else "-",
        ))
    return Group(head, table)


def _state(journal: Journal | None, job: str, runner_alive: bool) -> str:
    last = journal.last(job, Event.FIRED, Event.IDLE) if journal else None
    if last is None or last.event is Event.IDLE:
        return "idle"
    return f"running since {_when(last.at)}" if runner_alive else "interrupted (resumes at the next start)"


def _last_run(journal: Journal | None, ledger: Ledger | None, job: str) -> RunRecord | None:
    entry = journal.last(job, Event.RUN_ENDED) if journal else None
    if entry is None or entry.run_id is None or ledger is None:
        return None
    return ledger.run(entry.run_id)


def runs_table(runs: Iterable[RunRecord]) -> Table:
    table = Table(title="runs (newest first)")
    for column in ("run", "bot", "outcome", "started", "duration", "rows", "input"):
        table.add_column(column)
    for run in runs:
        table.add_row(*_plain(run.id, run.bot, outcome_of(run), _when(run.started_at), _span(duration_of(run)),
                              counts_text(run.counts),
                              Path(run.input_path).name if "/" in run.input_path else run.input_path))
    return table


def resolve_run(ledger: Ledger, run_id: str) -> RunRecord:
    """The run with this id, or the only one starting with it.

    Raises:
        ConfigError: no run, or several, match.
    """
    matches = ledger.runs_matching(run_id)
    exact = [run for run in matches if run.id == run_id]
    if exact or len(matches) == 1:
        return (exact or matches)[0]
    if not matches:
        raise ConfigError(f"no run {run_id!r} in {ledger.location}")
    raise ConfigError(f"{run_id!r} matches {len(matches)} runs ({', '.join(r.id for r in matches)}); give more of it")


def run_view(ledger: Ledger, run: RunRecord) -> Group:
    """One run: what, when, how long, items by status, and the rows that need attention."""
    facts = Table.grid(padding=(0, 2))
    for label, value in (("run", run.id), ("bot", run.bot), ("outcome", outcome_of(run)),
                         ("input", run.input_path), ("started", _when(run.started_at)),
                         ("ended", _when(run.ended_at)), ("duration", _span(duration_of(run))),
                         ("recordings", run.recording_dir), ("host / pid", f"{run.host} / {run.pid}")):
        facts.add_row(*_plain(label, value))
    by_status = Table(title="items by status")
    by_status.add_column("status")
    by_status.add_column("rows", justify="right")
    rows = ledger.results(run.id)
    counts = dict(run.counts) or _count(rows.values())
    for status, count in sorted(counts.items()):
        by_status.add_row(*_plain(status, str(count)))
    shown = [r for _, r in sorted(rows.items()) if len(rows) <= _ALL_ROWS_UP_TO or r["status"] in _ATTENTION]
    detail = Table(title="rows" if len(rows) <= _ALL_ROWS_UP_TO else "rows that need attention")
    for column in ("row", "reference", "status", "app ref", "message"):
        detail.add_column(column)
    for row in shown:
        style = "red" if row["status"] in ("failed", "invalid") else None
        detail.add_row(*_plain(str(row["row"]), row["reference"] or "-", row["status"], row["app_ref"] or "-",
                               row["message"]), style=style)
    errors = [f"row {r['row']}: {r['message']}" for r in shown if r["status"] in ("failed", "invalid")]
    parts: list[object] = [facts, by_status, detail]
    if errors:
        parts.append(Text("errors:\n" + "\n".join(f"  {e}" for e in errors), style="red"))
    return Group(*parts)  # type: ignore[arg-type]


def _plain(*values: object) -> list[Text]:
    """Table cells shown as written: a message such as ``no [apps.x] section`` is not rich markup."""
    return [Text(str(value)) for value in values]


def _count(rows: Iterable[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[str(row["status"])] = counts.get(str(row["status"]), 0) + 1
    return counts


def print_view(view: Group | Table, console: Console | None = None) -> None:
    (console or Console(width=200)).print(view, soft_wrap=False)
