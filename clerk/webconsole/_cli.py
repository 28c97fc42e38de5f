"""``clerk console`` (serve the web console) and ``clerk console user add NAME --role ROLE``."""

from __future__ import annotations

import os
import secrets
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from clerk._config import Settings
    from clerk.webconsole._app import ConsoleConfig
    from clerk.webconsole._console import Console

# Each command imports what it runs, so `clerk --help` loads no web framework or ledger.
ROLES = ("operator", "auditor")  # clerk.webconsole._accounts.Role's values
SECRET_VARIABLE = "CLERK_CONSOLE_SECRET"  # signs session cookies; else a key file in the data folder
_SECRET_FILE = "console-session.key"


def session_secret(settings: Settings) -> str:
    """CLERK_CONSOLE_SECRET, or a random key kept in ``<data_dir>/console-session.key`` (mode 0600)."""
    if value := os.environ.get(SECRET_VARIABLE):
        return value
    path = settings.data_dir / _SECRET_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as key_file:
            key_file.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


def open_console(settings: Settings) -> tuple[ConsoleConfig, Console]:
    """The console's configuration and stores, over the project's ledger and schedule."""
    from clerk._ledger_config import ledger_engine
    from clerk.scheduler._pauses import JobPauses
    from clerk.scheduler._spec import default_schedule_path, load_schedule
    from clerk.webconsole._accounts import Accounts
    from clerk.webconsole._actions import Operations
    from clerk.webconsole._alive import WorkersWatch
    from clerk.webconsole._app import ConsoleConfig
    from clerk.webconsole._console import Console
    from clerk.webconsole._queries import Reads
    from clerk.webconsole._throttle import LoginThrottle

    path = default_schedule_path(settings)
    schedule = load_schedule(path, settings) if path.is_file() else None
    engine = ledger_engine(settings)
    accounts, pauses = Accounts(engine), JobPauses(engine)
    console = Console(settings=settings, schedule=schedule, accounts=accounts, reads=Reads(engine), pauses=pauses,
                      operations=Operations(settings, schedule, accounts, pauses), throttle=LoginThrottle(engine),
                      workers=WorkersWatch(settings))
    return ConsoleConfig(settings=settings, schedule=schedule, secret_key=session_secret(settings)), console


@click.group("console", invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; keep 127.0.0.1 unless a TLS proxy sits in front.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--https-only", is_flag=True, help="Send the session cookie over HTTPS only (behind a TLS proxy).")
@click.pass_context
def console_group(ctx: click.Context, host: str, port: int, https_only: bool) -> None:
    """Serve the web console: runs, items, evidence, and actions for operators."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from clerk._config import find_project_dir, load_settings
    from clerk.webconsole._app import ConsoleConfig, build_app

    settings = load_settings(ctx.obj["project"] or find_project_dir())
    config, console = open_console(settings)
    config = ConsoleConfig(settings=settings, schedule=config.schedule, secret_key=config.secret_key,
                           https_only=https_only)
    click.echo(f"clerk console on http://{host}:{port}/ (Ctrl-C stops it)")
    uvicorn.run(build_app(config, console), host=host, port=port, log_level="warning", server_header=False)
    console.operations.stopping.set()


@console_group.group("user")
def user_group() -> None:
    """The console's users."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="operator: sees and acts; auditor: sees everything, changes nothing.")
@click.pass_context
def user_add_command(ctx: click.Context, name: str, role: str) -> None:
    """Add user NAME (or give them a new role and password). The password is asked for, or
    read from standard input when that is not a terminal; it is never an argument."""
    from clerk._config import find_project_dir, load_settings
    from clerk._errors import ConfigError
    from clerk._ledger_config import ledger_engine
    from clerk.webconsole._accounts import Accounts, Role

    settings = load_settings(ctx.find_root().obj["project"] or find_project_dir())
    if sys.stdin.isatty():
        password = click.prompt(f"password for {name}", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise ConfigError("no password given")
    engine = ledger_engine(settings)
    try:
        Accounts(engine).add(name, Role(role), password)
    finally:
        engine.dispose()
    click.echo(f"{name} can sign in to the console as {role}")
