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

from clerk._config import find_project_dir
from clerk._errors import BotError, ConfigError
from clerk._secrets import REDACTOR
from clerk.audit._cli import audit_group
from clerk.botkit import COMMANDS as BOTKIT_COMMANDS
from clerk.scheduler._cli import COMMANDS as SCHEDULER_COMMANDS
from clerk.webconsole._cli import console_group

if TYPE_CHECKING:
    from clerk._bot import Bot
    from clerk._run_options import StopFlag

# Each command imports the modules it runs (the engine, Playwright, the ledger, rich) when
# it runs, so that `clerk --help` loads none and `clerk run` no scheduler (tests/unit/test_cli_imports.py).


@click.group()
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The clerk project folder (default: CLERK_HOME, else the nearest folder up holding clerk.toml "
                   "or a pyproject.toml with [tool.clerk], else the current folder).")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages to the console.")
@click.pass_context
def cli(ctx: click.Context, project: Path | None, verbose: bool) -> None:
    """clerk runs back-office bots against legacy applications, with evidence for every step."""
    from clerk._logging import configure_console

    configure_console("DEBUG" if verbose else "ERROR")
    ctx.obj = {"project": project}


class _BotCommands(click.Group):
    """``clerk run BOT``: one command per bot, with the common options and the bot's own."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from clerk._registry import available_bots

        return available_bots(_project(ctx))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from clerk._registry import find_bot

        return _bot_command(find_bot(cmd_name, _project(ctx)).bot)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each bot with what it does, or why it cannot be loaded: one broken bot hides no other."""
        from clerk._registry import list_bots

        rows = [(listing.source.name, listing.bot.description if listing.bot is not None
                 else f"BROKEN: {REDACTOR.scrub(listing.error)}") for listing in list_bots(_project(ctx))]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


_COMMON_OPTIONS = (
    click.Option(["--input", "input_path"], type=click.Path(path_type=Path), default=None,
                 help="The spreadsheet or export (.xlsx, .csv, .tsv) to work through."),
    click.Option(["--output", "output_path"], type=click.Path(dir_okay=False, path_type=Path),
                 help="Results workbook (default: <input>.results.xlsx next to the input, "
                      "<input>.dry-run.xlsx for a dry run)."),
    click.Option(["--headed"], is_flag=True, help="Show the browser window."),
    click.Option(["--slowmo"], type=click.IntRange(min=0), default=None, metavar="MS",
                 help="Slow every browser action down by MS milliseconds."),
    click.Option(["--dry-run"], is_flag=True, help="Validate against the application; enter nothing."),
    click.Option(["--limit"], type=click.IntRange(min=1), default=None, help="Enter at most N items."),
    click.Option(["--skip-invalid"], is_flag=True, help="Enter the valid rows even when some rows are invalid."),
    click.Option(["--workers"], type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
                 help="Work the items in N sessions at once on this machine, each logged in once."),
    click.Option(["--on", "executor"], type=click.Choice(["local", "celery"]), default="local", show_default=True,
                 help="celery: put the items on the Celery queue for `clerk worker`s (see [celery])."),
)


def _bot_command(bot: Bot[Any]) -> click.Command:
    """The command of one bot: the common options, then the bot's parameters."""
    taken = {option.name for option in _COMMON_OPTIONS}
    own = []
    for param in bot.all_params:
        if param.name in taken or not param.name.isidentifier():
            raise ConfigError(f"bot {bot.name!r}: a parameter cannot be named {param.name!r}")
        own.append(click.Option([param.option, param.name], default=None, metavar=param.metavar,
                                type=click.Choice(list(param.choices)) if param.choices else None,
                                help=f"{param.help} (default: [bots.{bot.name}] {param.name})."))

    def run(**values: Any) -> None:
        from clerk._registry import open_bot
        from clerk._run import run_bot
        from clerk._run_options import RunOptions, StopFlag
        from clerk.console import ProgressView, print_report

        ctx = click.get_current_context()
        overrides: dict[str, Any] = {"web.headless": False if values["headed"] else None,
                                     "web.slowmo_ms": values["slowmo"]}
        overrides |= {f"bots.{bot.name}.{param.name}": values[param.name] for param in bot.all_params}
        chosen, settings = open_bot(bot.name, _project(ctx), overrides)
        options = RunOptions(input_path=values["input_path"], output_path=values["output_path"],
                             dry_run=values["dry_run"], limit=values["limit"], skip_invalid=values["skip_invalid"],
                             workers=values["workers"],
                             executor="celery" if values["executor"] == "celery" else "local")
        stop = StopFlag()
        _stop_on_signals(stop)
        with ProgressView() as view:
            report = run_bot(chosen, settings, options, progress=view, stop=stop)
        print_report(report)
        ctx.exit(report.exit_code)

    return click.Command(bot.name, params=[*_COMMON_OPTIONS, *own], callback=run, short_help=bot.description,
                         help=f"{bot.description}.\n\nRun {bot.name} once over an input file (or its live "
                              "source) and write a results workbook.")


@cli.group("run", cls=_BotCommands, no_args_is_help=True, subcommand_metavar="BOT [OPTIONS]")
def run_group() -> None:
    """Run BOT once over an input and write a results workbook (clerk run BOT --help: its options)."""


@cli.command("bots")
@click.option("--check", is_flag=True, help="Exit with 2 when any bot cannot be loaded.")
@click.pass_context
def bots_command(ctx: click.Context, check: bool) -> None:
    """List the bots this project can run: installed ones and those in its bots/ folder.

    A bot that cannot be loaded is listed too, with the reason."""
    from clerk._registry import list_bots

    broken = 0
    for listing in list_bots(_project(ctx)):
        name = listing.source.name
        if listing.bot is None:
            broken += 1
            click.secho(f"{name:<16} BROKEN: {REDACTOR.scrub(listing.error)}", fg="red")
        else:
            click.echo(f"{name:<16} {listing.bot.description}  [{listing.source.origin}]")
    if check and broken:
        ctx.exit(ConfigError.exit_code)


def _project(ctx: click.Context) -> Path:
    chosen: Path | None = (ctx.find_root().obj or {}).get("project")
    return chosen.resolve() if chosen else find_project_dir()


@cli.command("worker")
@click.option("--concurrency", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="Items this worker works at once (pool processes, each with its own sessions).")
@click.pass_context
def worker_command(ctx: click.Context, concurrency: int) -> None:
    """Start a Celery worker that enters the items of `clerk run BOT --on celery` runs."""
    from clerk._logging import configure_console
    from clerk.fleet import load_fleet_settings
    from clerk.fleet._worker import run_worker

    project = _project(ctx)
    configure_console("INFO")
    run_worker(load_fleet_settings(project), project, concurrency=concurrency, loglevel="INFO")


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
