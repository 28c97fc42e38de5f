"""The bot-maintenance commands, added to the ``clerk`` group by clerk.cli."""

from __future__ import annotations

from pathlib import Path

import click

from clerk._config import find_project_dir, load_settings


def _project(ctx: click.Context) -> Path:
    chosen: Path | None = (ctx.find_root().obj or {}).get("project")
    return chosen.resolve() if chosen else find_project_dir()


@click.command("confirm")
@click.argument("bot_name", metavar="BOT")
@click.argument("reference")
@click.option("--entered/--not-entered", required=True,
              help="What a person found in the application: it went in, or it did not.")
@click.option("--app-ref", default=None, help="The application's id of the item, when it went in.")
@click.pass_context
def confirm_command(ctx: click.Context, bot_name: str, reference: str, entered: bool, app_ref: str | None) -> None:
    """Settle an unconfirmed item (its write was interrupted and the application cannot be
    searched) after checking it by hand: --entered makes it done; --not-entered lets the next
    run enter it."""
    from clerk._ledger_config import open_ledger
    from clerk._registry import open_bot

    bot, settings = open_bot(bot_name, _project(ctx))
    ledger = open_ledger(settings)
    try:
        note = "confirmed by hand: " + ("it went in" if entered else "it did not go in; enter it again")
        state = ledger.confirm(bot.ledger_key, reference, entered=entered, app_ref=app_ref, note=note)
    finally:
        ledger.close()
    click.echo(f"{bot_name} {reference}: now {state.value}")


@click.command("check")
@click.argument("bot_name", metavar="[BOT]", required=False)
@click.pass_context
def check_command(ctx: click.Context, bot_name: str | None) -> None:
    """Check a bot (default: every bot) before it runs, without touching any application: its
    [apps.X] sections, credentials, selector files, and the selector names its code uses.
    Exit code 2 when something is wrong."""
    from clerk._registry import available_bots, open_bot
    from clerk.botkit._check import check_bot

    project = _project(ctx)
    names = [bot_name] if bot_name else available_bots(project)
    failed = False
    for name in names:
        bot, settings = open_bot(name, project)  # with the bot package's defaults and selectors
        problems = check_bot(bot, settings)
        failed = failed or bool(problems)
        if problems:
            click.secho(f"{name}: {len(problems)} problem(s)", fg="red")
            for problem in problems:
                click.echo(f"  {problem}")
        else:
            click.secho(f"{name}: ok ({', '.join(bot.apps)})", fg="green")
    ctx.exit(2 if failed else 0)


@click.group("selectors")
def selectors_group() -> None:
    """Selector files: check them against the live application."""


_COLOURS = {"found": "green", "drifted": "yellow", "skipped": "cyan"}


@selectors_group.command("check")
@click.argument("app_name", metavar="APP")
@click.pass_context
def selectors_check_command(ctx: click.Context, app_name: str) -> None:
    """Log in to APP, visit each screen its selector file declares (read-only), and report
    every selector as found, missing or ambiguous. Exit code 1 when any is missing or ambiguous."""
    from clerk.botkit._live import PROBLEMS, check_live

    settings = load_settings(_project(ctx.find_root()), {})
    findings = check_live(app_name, settings)
    screen = None
    for finding in findings:
        if finding.screen != screen:
            screen = finding.screen
            click.secho(f"screen {screen}", bold=True)
        detail = f"  ({finding.detail})" if finding.detail else ""
        click.echo(f"  {finding.name or '-':<40} " + click.style(finding.verdict, fg=_COLOURS.get(finding.verdict, "red"))
                   + detail)
    bad = [f for f in findings if f.verdict in PROBLEMS]
    click.echo(f"{len(findings)} checked, {len(bad)} problem(s)")
    ctx.exit(1 if bad else 0)


@click.group("new")
def new_group() -> None:
    """Start something new from a working skeleton."""


@new_group.command("bot")
@click.argument("name")
@click.option("--app", "app", required=True, metavar="APP", help="The web application the bot works in.")
@click.option("--into", "parent", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The folder to make the package in.")
def new_bot_command(name: str, app: str, parent: Path) -> None:
    """Write a pip-installable bot package NAME for the web application APP: model, screens,
    selectors, default settings, a sample input, a local copy of a tiny application to develop
    against, and a test."""
    from clerk.botkit._skeleton import new_bot

    folder = new_bot(name, app, parent)
    click.echo(f"wrote {folder}; next: pip install -e {folder}, then clerk check {name} (see its README.md)")


COMMANDS = [confirm_command, check_command, selectors_group, new_group]
