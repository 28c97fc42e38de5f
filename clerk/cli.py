"""The ``clerk`` command. A thin layer: it parses options, calls the library, and maps
outcomes and errors to exit codes in one place (``main``).

Exit codes:
    0  every row done or already present
    1  invalid rows, or an input file that cannot be used (nothing entered from it)
    2  usage or configuration error (options, config files, credentials, selectors)
    3  some rows failed with application errors (see their screenshots)
    4  the run stopped early (the application kept failing, or an operator stopped it)
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from clerk._config import find_project_dir, load_settings
from clerk._errors import BotError
from clerk._secrets import REDACTOR
from clerk.audit._cli import audit_group
from clerk.botkit import COMMANDS as BOTKIT_COMMANDS
from clerk.scheduler._cli import COMMANDS as SCHEDULER_COMMANDS
from clerk.webconsole._cli import console_group

if TYPE_CHECKING:
    from clerk._engine import StopFlag

# Each command imports the modules it runs (the engine, Playwright, the ledger, rich) when
# it runs, so that `clerk --help` loads none and `clerk run` no scheduler (tests/unit/test_cli_imports.py).


@click.group()
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The clerk project folder (default: CLERK_HOME, or found from the current folder).")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages to the console.")
@click.pass_context
def cli(ctx: click.Context, project: Path | None, verbose: bool) -> None:
    """clerk runs back-office bots against legacy applications, with evidence for every step."""
    from clerk._logging import configure_console

    configure_console("DEBUG" if verbose else "ERROR")
    ctx.obj = {"project": project}


@cli.command("run")
@click.argument("bot_name", metavar="BOT")
@click.option("--input", "input_path", type=click.Path(path_type=Path), default=None,
              help="The spreadsheet or export (.xlsx, .csv, .tsv) to work through.")
@click.option("--output", "output_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Results workbook (default: <input>.results.xlsx next to the input, <input>.dry-run.xlsx for a dry run).")
@click.option("--headed", is_flag=True, help="Show the browser window.")
@click.option("--slowmo", type=click.IntRange(min=0), default=None, metavar="MS",
              help="Slow every browser action down by MS milliseconds.")
@click.option("--dry-run", is_flag=True, help="Validate against the application; enter nothing.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Enter at most N items.")
@click.option("--skip-invalid", is_flag=True, help="Enter the valid rows even when some rows are invalid.")
@click.option("--queue", default=None, metavar="NAME",
              help="For bots that read a live queue (without --input): the queue to work, e.g. PlanChanges.")
@click.option("--target", default=None, metavar="APP",
              help="For bots with several target applications, e.g. gnucash (default: [bots.<bot>] target).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="Work the items in N sessions at once on this machine, each logged in once.")
@click.option("--on", "executor", type=click.Choice(["local", "celery"]), default="local", show_default=True,
              help="celery: put the items on the Celery queue for `clerk worker`s (see [celery]).")
@click.pass_context
def run_command(ctx: click.Context, bot_name: str, input_path: Path, output_path: Path | None, headed: bool,
                slowmo: int | None, dry_run: bool, limit: int | None, skip_invalid: bool, queue: str | None,
                target: str | None, workers: int, executor: str) -> None:
    """Run BOT once over an input file and write a results workbook."""
    from clerk._engine import RunOptions, StopFlag, run_bot
    from clerk._registry import load_bot
    from clerk.console import ProgressView, print_report

    overrides: dict[str, Any] = {"web.headless": False if headed else None, "web.slowmo_ms": slowmo}
    settings = load_settings(ctx.obj["project"] or find_project_dir(), overrides)
    bot = load_bot(bot_name, settings.project_dir, target or settings.bot(bot_name).get("target"))
    options = RunOptions(input_path=input_path, output_path=output_path, dry_run=dry_run, limit=limit,
                         skip_invalid=skip_invalid, workers=workers, params={"queue": queue} if queue else {},
                         executor="celery" if executor == "celery" else "local")
    stop = StopFlag()
    _stop_on_signals(stop)
    with ProgressView() as view:
        report = run_bot(bot, settings, options, progress=view, stop=stop)
    print_report(report)
    ctx.exit(report.exit_code)


@cli.command("bots")
@click.pass_context
def bots_command(ctx: click.Context) -> None:
    """List the bots of this project."""
    from clerk._registry import available_bots, load_bot

    project = ctx.obj["project"] or find_project_dir()
    for name in available_bots(project):
        bot = load_bot(name, project)
        click.echo(f"{name:<16} {bot.description}")


@cli.command("worker")
@click.option("--concurrency", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="Items this worker works at once (pool processes, each with its own sessions).")
@click.pass_context
def worker_command(ctx: click.Context, concurrency: int) -> None:
    """Start a Celery worker that enters the items of `clerk run BOT --on celery` runs."""
    from clerk._logging import configure_console
    from clerk.fleet import load_fleet_settings
    from clerk.fleet._worker import run_worker

    settings = load_settings(ctx.obj["project"] or find_project_dir(), {})
    configure_console("INFO")
    run_worker(load_fleet_settings(settings.project_dir), settings.project_dir, concurrency=concurrency,
               loglevel="INFO")


cli.add_command(audit_group)
cli.add_command(console_group)
for _command in SCHEDULER_COMMANDS:  # schedule, status, runs
    cli.add_command(_command)
for _command in BOTKIT_COMMANDS:  # confirm, check, selectors, new
    cli.add_command(_command)


def _stop_on_signals(stop: StopFlag) -> None:
    def handler(signum: int, _frame: Any) -> None:
        stop.request(f"stopped by {signal.Signals(signum).name}")
        signal.signal(signum, signal.SIG_DFL)  # a second signal ends the process at once

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``clerk`` console script."""
    try:
        # without standalone mode click returns the code given to ctx.exit instead of exiting
        code = cli.main(args=argv, prog_name="clerk", standalone_mode=False)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(4)
    except BotError as err:
        click.secho(f"error: {REDACTOR.scrub(str(err))}", fg="red", err=True)
        sys.exit(err.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
