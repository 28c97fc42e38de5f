"""The bot declaration: inert metadata plus the few functions only a bot can supply.

The engine owns the loop, the ledger, the retries and the outcomes. A bot says how a row
becomes an item, how to recognise the item in the application (``find``) and how to
enter it and read it back (``enter``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from clerk._errors import ConfigError
from clerk._items import ItemSchema, Problem, WorkItem
from clerk._retry import RetryPolicy

if TYPE_CHECKING:
    from clerk._context import RunContext
    from clerk._secrets import Credentials
    from clerk.inputs import Table
    from clerk.web import WebPage

T = TypeVar("T")


class AppSession(Protocol):
    """One application, logged in. ``reset`` returns it to a known screen, logging in
    again when the session was lost; ``screenshot`` masks whatever must not be seen."""

    def start(self) -> None: ...

    def reset(self) -> None: ...

    def screenshot(self, path: Path) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class AppEnv:
    """What an application's session is built from."""

    name: str
    settings: Mapping[str, Any]
    credentials: Credentials | None
    web: WebPage | None  # a fresh page for web applications, None for desktop ones
    selectors_dir: Path | None = None  # where a desktop application loads selectors/<app>.yaml from


def app_setting(app: str, settings: Mapping[str, Any], key: str, default: str | None = None) -> str:
    """``[apps.<app>] key`` as text.

    Raises:
        ConfigError: it is missing (and has no default) or empty.
    """
    value = settings.get(key, default)
    if value is None or str(value) == "":
        raise ConfigError(f"[apps.{app}] needs {key}")
    return str(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class App:
    """How a bot reaches one application.

    Example:
        App(session=LedgerSmb)                                  # web, logs in
        App(session=GnuCash, kind="desktop", login=False)       # desktop, no credentials
    """

    session: Callable[[AppEnv], AppSession]
    kind: Literal["web", "desktop"] = "web"
    login: bool = True


@dataclass(frozen=True, slots=True)
class Found:
    """The item already exists in the application, under this reference."""

    app_ref: str
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Param:
    """A setting of the bot that ``clerk run BOT`` takes as an option: ``--queue NAME`` sets
    ``[bots.<bot>] queue`` for that run, and the bot reads it from ``ctx.bot_settings``.
    Its default is the ``[bots.<bot>]`` value from the layered configuration.

    Example:
        Param(name="queue", help="the RT queue to work", metavar="NAME")
    """

    name: str
    help: str
    metavar: str = "VALUE"
    choices: Sequence[str] = ()

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


LiveSource = Callable[["RunContext"], "Table"]
"""Reads work from an application instead of a file (e.g. an RT queue) as a Table."""

FileSource = Callable[[Path, Mapping[str, Any]], "Table"]
"""Reads an input file the bot's own way, given its ``[bots.<name>]`` settings (e.g. a ticket
export whose column mapping is configured). Without one, the schema's columns are used."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Bot(Generic[T]):
    """Declare a bot.

    ``ledger_name`` namespaces the bot's unique references in the ledger; two bots that
    enter the same items into different applications must use different names.

    ``find`` and ``every_run_is_new``: see their notes below.

    ``max_workers`` caps the sessions that may work at once (``--workers N``); a bot whose
    application cannot run twice side by side (a desktop on one display) says 1, and why
    in ``max_workers_reason``. None: no limit.

    Example:
        BOT = Bot(name="invoice_entry", apps={"ledgersmb": App(session=LedgerSmb)}, schema=SCHEMA,
                  reference=lambda inv: f"{inv.vendor}|{inv.number}", find=find, enter=enter)
    """

    name: str
    description: str
    apps: Mapping[str, App]
    schema: ItemSchema[T]
    reference: Callable[[T], str]
    enter: Callable[[RunContext, T], str]
    find: Callable[[RunContext, T], Found | None] | None = None
    """How to look an item up in the application. None: it cannot be looked up (a checkout, a
    one-shot form). clerk then records each item in the ledger before and after its write and
    never enters an item twice on its own: one whose write was interrupted is ``unconfirmed``
    until a person checks it, and one entered outside clerk is not noticed."""
    survey: Callable[[RunContext, Sequence[WorkItem[T]]], Mapping[str, Found | None]] | None = None
    """How to look up a whole batch at once (one search instead of one per item), taken after
    preflight and before the first item is entered: for each item reference it covers, what
    the application has (None: not there). An item the ledger has never seen claimed is then
    settled from it instead of its own ``find``; an item claimed before (interrupted, failed,
    retried) is still looked up on its own before anything is typed. References it leaves
    out are looked up on their own too. Needs ``find``."""
    every_run_is_new: bool = False
    """Each run is a new session of work (a daily form): references are unique within a run,
    not forever, so a row done by an earlier run is entered again by the next."""
    preflight: Callable[[RunContext, Sequence[WorkItem[T]]], Iterable[Problem]] | None = None
    live_source: LiveSource | None = None
    file_source: FileSource | None = None
    retry: RetryPolicy | None = None  # None: the [retry] settings
    app_ref_label: str = "app_id"
    ledger_name: str = ""
    max_workers: int | None = None
    max_workers_reason: str = ""
    params: Sequence[Param] = ()
    targets: Mapping[str, str] = field(default_factory=dict)
    """Other applications the same items can be entered into, each as ``"module:NAME"`` of
    another Bot (a leading dot: relative to this bot's package), chosen by ``--target`` or
    ``[bots.<bot>] target``. Example: ``{"gnucash": ".gnucash:BOT_GNUCASH"}``."""

    @property
    def ledger_key(self) -> str:
        return self.ledger_name or self.name

    @property
    def main_app(self) -> str:
        return next(iter(self.apps))

    @property
    def all_params(self) -> tuple[Param, ...]:
        """The declared parameters, plus ``target`` when the bot has other targets."""
        if not self.targets:
            return tuple(self.params)
        choices = (self.main_app, *self.targets)
        target = Param(name="target", help=f"The application the items go into: {', '.join(choices)}",
                       metavar="APP", choices=choices)
        return (*self.params, target)
