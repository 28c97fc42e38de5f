"""clerk: unattended back-office bots with a work-item ledger and an audit trail.

The public names are imported on first use (PEP 562), so that ``clerk --help`` and the
start of ``clerk run`` load only what they need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
from clerk._lazy import lazy_names

if TYPE_CHECKING:
    from clerk._bot import App, AppEnv, AppSession, Bot, Found, Param
    from clerk._context import RunContext
    from clerk._items import ItemSchema, Problem, RowReader, WorkItem
    from clerk._retry import RetryPolicy

__version__ = "0.1.0"

_LAZY = {
    "App": "clerk._bot", "AppEnv": "clerk._bot", "AppSession": "clerk._bot", "Bot": "clerk._bot", "Found": "clerk._bot",
    "Param": "clerk._bot",
    "RunContext": "clerk._context", "ItemSchema": "clerk._items", "Problem": "clerk._items",
    "RowReader": "clerk._items", "WorkItem": "clerk._items", "RetryPolicy": "clerk._retry",
}

__all__ = [
    "App", "AppEnv", "AppSession", "ApplicationError", "Bot", "BotError", "BusinessError", "ConfigError", "FatalError",
    "Found", "InputFileError", "ItemSchema", "OperatorAbort", "Param", "Problem", "RetryPolicy", "RowReader",
    "RunContext", "ScreenNotReached", "SelectorFailed", "SessionLost", "WorkItem", "__version__",
]


__getattr__ = lazy_names(__name__, _LAZY)
