"""One exception hierarchy for everything clerk raises on purpose.

Behaviour lives in class attributes so the engine never needs an isinstance ladder:
``retryable`` decides whether an item is tried again, ``stops_run`` ends the whole run
and ``exit_code`` is what the CLI returns when this error decides the outcome.
"""

from __future__ import annotations

from typing import ClassVar


class BotError(Exception):
    """Root of every error clerk raises deliberately."""

    code: ClassVar[str] = "BOT_ERROR"
    retryable: ClassVar[bool] = False
    stops_run: ClassVar[bool] = False
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code  # type: ignore[misc]

    def __str__(self) -> str:
        return self.message


class BusinessError(BotError):
    """The data or a business rule refuses the item. Never retried; the run goes on.

    ``column`` names the input column at fault, when there is one.
    """

    code = "BUSINESS"

    def __init__(self, message: str, *, code: str | None = None, column: str | None = None) -> None:
        super().__init__(message, code=code)
        self.column = column


class ApplicationError(BotError):
    """The application or the screen misbehaved: timeouts, HTTP errors, a wrong screen.

    Retried according to the bot's policy, each attempt from a known screen.
    """

    code = "APPLICATION"
    retryable = True
    exit_code = 3


class ScreenNotReached(ApplicationError):
    code = "SCREEN_NOT_READY"


class SelectorFailed(ApplicationError):
    """A selector matched nothing, or more than one element, on the live screen."""

    code = "SELECTOR"


class SessionLost(ApplicationError):
    code = "SESSION_LOST"


class ConfigError(BotError):
    """Configuration, credentials or selector files are wrong. The run does not start."""

    code = "CONFIG"
    stops_run = True
    exit_code = 2


class InputFileError(BotError):
    """The input file as a whole cannot be used (unreadable, wrong columns, empty)."""

    code = "INPUT_FILE"
    stops_run = True
    exit_code = 1


class FatalError(BotError):
    """Something that makes going on pointless or unsafe. The run stops."""

    code = "FATAL"
    stops_run = True
    exit_code = 4


class OperatorAbort(FatalError):
    code = "OPERATOR_ABORT"
