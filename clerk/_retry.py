"""A bot's retry policy, turned into tenacity in this one place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from loguru import logger
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from clerk._config import RetrySettings
from clerk._errors import BotError


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How often an item is tried after application errors. Business errors never are."""

    attempts: int = 5
    wait_initial: dt.timedelta = dt.timedelta(seconds=3)
    wait_max: dt.timedelta = dt.timedelta(seconds=30)

    @classmethod
    def from_settings(cls, settings: RetrySettings) -> RetryPolicy:
        return cls(attempts=settings.attempts, wait_initial=settings.wait_initial, wait_max=settings.wait_max)


def is_transient(error: BaseException) -> bool:
    """Our errors say whether they are retryable; anything unexpected counts as transient
    (a crashed browser, a dropped connection) and is treated as an application error."""
    if isinstance(error, BotError):
        return error.retryable
    return isinstance(error, Exception)


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    logger.warning(
        "attempt {} failed ({}); trying again in {:.1f}s", state.attempt_number, error,
        state.next_action.sleep if state.next_action else 0,
    )


def retrying(policy: RetryPolicy) -> Retrying:
    return Retrying(
        stop=stop_after_attempt(max(1, policy.attempts)),
        wait=wait_exponential_jitter(multiplier=policy.wait_initial.total_seconds(),
                                     jitter=policy.wait_initial.total_seconds(),
                                     max=policy.wait_max.total_seconds()),
        retry=retry_if_exception(is_transient),
        before_sleep=_log_retry,
        reraise=True,
    )
