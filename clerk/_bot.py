"""The bot declaration: inert metadata plus the few functions only a bot can supply.

The engine owns the loop, the ledger, the retries and the outcomes. A bot says how a row
becomes an item, how to recognise the item in the application (``find``) and how to
enter it and read it back (``enter``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from clerk._items import ItemSchema, Problem, WorkItem
from clerk._retry import RetryPolicy

if TYPE_CHECKING:
    from clerk._context import RunContext
    from clerk._secrets import Credentials
    from clerk.web import WebPage

T = TypeVar("T")


class AppSession(Protocol):
    """One logged-in application. ``reset`` returns it to a known screen, logging in
    again when the session was lost."""

    def start(self) -> None: ...

    def reset(self) -> None: ...

    @property
    def web(self) -> WebPage: ...


AppFactory = Callable[["WebPage", Mapping[str, Any], "Credentials"], AppSession]


@dataclass(frozen=True, slots=True)
class Found:
    """The item already exists in the application, under this reference."""

    app_ref: str
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Bot(Generic[T]):
    """Declare a bot.

    Example:
        BOT = Bot(name="invoice_entry", apps={"ledgersmb": LedgerSmb}, schema=SCHEMA,
                  reference=lambda inv: f"{inv.vendor}|{inv.number}", find=find, enter=enter)
    """

    name: str
    description: str
    apps: Mapping[str, AppFactory]
    schema: ItemSchema[T]
    reference: Callable[[T], str]
    find: Callable[[RunContext, T], Found | None]
    enter: Callable[[RunContext, T], str]
    preflight: Callable[[RunContext, Sequence[WorkItem[T]]], Iterable[Problem]] | None = None
    retry: RetryPolicy | None = None  # None: the [retry] settings
    app_ref_label: str = "app_id"
    extra_result_columns: Sequence[str] = field(default_factory=tuple)
