"""The bot-maintenance commands, added to the ``clerk`` group by clerk.cli."""

from __future__ import annotations

from pathlib import Path

import click

from clerk._config import find_project_dir, load_settings
from clerk._ledger_config import open_ledger
from clerk._registry import load_bot


def _project(ctx: click.Context) -> Path:
    return ctx.obj["project"] or find_project_dir()


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
    settings = load_settings(_project(ctx), {})
    bot = load_bot(bot_name, settings.project_dir)
    ledger = open_ledger(settings)
    try:
        note = "confirmed by hand: " + ("it went in" if entered else "it did not go in; enter it again")
        state = ledger.confirm(bot.ledger_key, reference, entered=entered, app_ref=app_ref, note=note)
    finally:
        ledger.close()
    click.echo(f"{bot_name} {reference}: now {state.value}")


COMMANDS = [confirm_command]
