"""The runner's commands: ``clerk schedule``, ``clerk status``, ``clerk runs list|show``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from clerk._config import Settings, find_project_dir, load_settings
from clerk._errors import ConfigError

if TYPE_CHECKING:  # the ledger (SQLAlchemy) and the schedule are imported by the commands that use them
    from clerk._ledger import Ledger
    from clerk.scheduler._spec import Schedule

_SCHEDULE_OPTION = click.option(
    "--schedule", "schedule_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="The schedule file (default: config/schedule.toml of the project).")


def _settings(ctx: click.Context) -> Settings:
    return load_settings(ctx.obj["project"] or find_project_dir())


@click.command("schedule")
@_SCHEDULE_OPTION
@click.pass_context
def schedule_command(ctx: click.Context, schedule_path: Path | None) -> None:
    """Run the scheduler until SIGTERM or Ctrl-C (also: python runner.py)."""
    from clerk.scheduler._runner import run_runner

    verbose = bool(ctx.find_root().params.get("verbose"))
    ctx.exit(run_runner(ctx.obj["project"] or find_project_dir(), schedule_path, verbose=verbose))


@click.command("status")
@_SCHEDULE_OPTION
@click.option("--fleet/--no-fleet", "show_fleet", default=None,
              help="Also show the Celery workers and the queue (default: when [runner] executor is celery).")
@click.pass_context
def status_command(ctx: click.Context, schedule_path: Path | None, show_fleet: bool | None) -> None:
    """Each job: its next fire time, whether it is running, and its last run's outcome and rows;
    with Celery, each worker (host, pid, current item, last seen) and the queue depth."""
    from clerk.fleet import load_fleet_settings
    from clerk.scheduler._spec import default_schedule_path, load_schedule
    from clerk.scheduler._status import print_view, status_view

    settings = _settings(ctx)
    path = schedule_path or default_schedule_path(settings)
    schedule: Schedule | None = load_schedule(path, settings) if path.is_file() or schedule_path else None
    print_view(status_view(settings, schedule))
    fleet = load_fleet_settings(settings.project_dir)
    if show_fleet or (show_fleet is None and fleet.executor == "celery"):
        from clerk.fleet._status import fleet_state, fleet_view, heartbeat_folder

        print_view(fleet_view(fleet_state(fleet, heartbeat_folder(settings.recordings_dir))))


@click.group("runs")
def runs_group() -> None:
    """The history of runs, from the ledger."""


@runs_group.command("list")
@click.option("--bot", default=None, help="Only the runs of this bot.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many runs.")
@click.pass_context
def runs_list_command(ctx: click.Context, bot: str | None, limit: int) -> None:
    """The latest runs: outcome, start, duration and rows by status."""
    from clerk.scheduler._status import print_view, runs_table

    with _ledger(_settings(ctx)) as ledger:
        print_view(runs_table(ledger.runs(bot, limit)))


@runs_group.command("show")
@click.argument("run_id", metavar="RUN")
@click.pass_context
def runs_show_command(ctx: click.Context, run_id: str) -> None:
    """One run (RUN may be the start of its id): items by status, duration and errors."""
    from clerk.scheduler._status import print_view, resolve_run, run_view

    with _ledger(_settings(ctx)) as ledger:
        print_view(run_view(ledger, resolve_run(ledger, run_id)))


@contextmanager
def _ledger(settings: Settings) -> Iterator[Ledger]:
    from clerk._ledger_config import ledger_exists, ledger_path, open_ledger

    if not ledger_exists(settings):
        raise ConfigError(f"no ledger at {ledger_path(settings)}: nothing has run with this data directory yet")
    ledger = open_ledger(settings)
    try:
        yield ledger
    finally:
        ledger.close()


COMMANDS = (schedule_command, status_command, runs_group)
