"""clerk: unattended back-office bots with a work-item ledger and an audit trail."""

from __future__ import annotations

__version__ = "0.1.0"

from clerk._bot import App, AppEnv, AppSession, Bot, Found
from clerk._context import RunContext
from clerk._errors import (
    ApplicationError,
    BotError,
    BusinessError,
    ConfigError,
    FatalError,
    InputFileError,
    OperatorAbort,
    ScreenNotReached,
    SelectorFailed,
    SessionLost,
)
from clerk._items import ItemSchema, Problem, RowReader, WorkItem
from clerk._retry import RetryPolicy

__all__ = [
    "App", "AppEnv", "AppSession", "ApplicationError", "Bot", "BotError", "BusinessError", "ConfigError", "FatalError",
    "Found", "InputFileError", "ItemSchema", "OperatorAbort", "Problem", "RetryPolicy", "RowReader",
    "RunContext", "ScreenNotReached", "SelectorFailed", "SessionLost", "WorkItem", "__version__",
]
