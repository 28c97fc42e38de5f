"""Retries: business errors never, application errors up to the policy, surprises too."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from loguru import logger

from clerk import (
    ApplicationError,
    BusinessError,
    ConfigError,
    FatalError,
    RetryPolicy,
    SelectorFailed,
)
from clerk._config import RetrySettings, load_settings
from clerk._retry import is_transient, retrying

NO_WAIT = dt.timedelta(0)


def policy(attempts: int) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, wait_initial=NO_WAIT, wait_max=NO_WAIT)


class Flaky:
    """Raises the given errors in turn, then returns "ok"."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def run(action: Flaky, attempts: int = 3) -> str:
    for attempt in retrying(policy(attempts)):
        with attempt:
            return action()
    raise AssertionError("unreachable")


def test_business_errors_are_never_retried() -> None:
    action = Flaky(BusinessError("unknown vendor"), BusinessError("never reached"))
    with pytest.raises(BusinessError, match="unknown vendor"):
        run(action)
    assert action.calls == 1


@pytest.mark.parametrize("error", [ConfigError("bad selector"), FatalError("disk full")])
def test_errors_that_stop_the_run_are_not_retried(error: Exception) -> None:
    action = Flaky(error)
    with pytest.raises(type(error)):
        run(action)
    assert action.calls == 1


def test_application_errors_are_retried_until_the_attempts_are_used_up() -> None:
    action = Flaky(*(ApplicationError(f"timeout {n}") for n in range(1, 6)))
    with pytest.raises(ApplicationError, match="timeout 3"):  # the last error is re-raised as it is
        run(action, attempts=3)
    assert action.calls == 3


def test_an_application_error_that_clears_up() -> None:
    action = Flaky(SelectorFailed("pane not ready"), ApplicationError("HTTP 502"))
    assert run(action, attempts=3) == "ok"
    assert action.calls == 3


def test_unexpected_exceptions_are_retried_as_transient() -> None:
    action = Flaky(ConnectionResetError("browser went away"), KeyError("x"))
    assert run(action, attempts=3) == "ok"
    assert action.calls == 3


def test_keyboard_interrupt_is_never_retried() -> None:
    action = Flaky(KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run(action)
    assert action.calls == 1


@pytest.mark.parametrize("attempts", [0, 1])
def test_at_least_one_attempt(attempts: int) -> None:
    action = Flaky(ApplicationError("down"))
    with pytest.raises(ApplicationError):
        run(action, attempts=attempts)
    assert action.calls == 1


def test_is_transient() -> None:
    assert is_transient(ApplicationError("x")) and is_transient(RuntimeError("x"))
    assert not is_transient(BusinessError("x")) and not is_transient(ConfigError("x"))
    assert not is_transient(SystemExit(1))


def test_each_retry_is_logged_with_its_attempt_number() -> None:
    sink = io.StringIO()
    handler = logger.add(sink, format="{message}", level="WARNING")
    try:
        run(Flaky(ApplicationError("pane not ready"), ApplicationError("still not")), attempts=3)
    finally:
        logger.remove(handler)
    lines = sink.getvalue().splitlines()
    assert lines == ["attempt 1 failed (pane not ready); trying again in 0.0s",
                     "attempt 2 failed (still not); trying again in 0.0s"]


def test_the_policy_comes_from_the_settings_when_the_bot_has_none() -> None:
    settings = RetrySettings(attempts=5, wait_initial=dt.timedelta(seconds=2), wait_max=dt.timedelta(seconds=9))
    assert RetryPolicy.from_settings(settings) == RetryPolicy(
        attempts=5, wait_initial=dt.timedelta(seconds=2), wait_max=dt.timedelta(seconds=9))


def test_waits_grow_but_stay_under_the_maximum() -> None:
    waits = []
    retry = retrying(RetryPolicy(attempts=6, wait_initial=dt.timedelta(seconds=1), wait_max=dt.timedelta(seconds=4)))
    retry.sleep = waits.append  # type: ignore[method-assign]
    with pytest.raises(ApplicationError):
        for attempt in retry:
            with attempt:
                raise ApplicationError("down")
    assert len(waits) == 5
    assert all(0 < wait <= 4 for wait in waits)
    assert waits[-1] >= 2  # backing off, not hammering the application


def test_the_shipped_budget_outlasts_a_half_minute_restart_by_backing_off(checkout) -> None:
    policy = RetryPolicy.from_settings(load_settings(checkout, environ={}).retry)
    waits: list[float] = []
    retry = retrying(policy)
    retry.sleep = waits.append  # type: ignore[method-assign]
    with pytest.raises(ApplicationError):
        for attempt in retry:
            with attempt:
                raise ApplicationError("connection refused")
    assert sum(waits) > 40  # a restart of about 30 s, with room to spare
    assert waits == sorted(waits) and waits[0] >= 2  # backing off, not hammering
    assert policy == RetryPolicy()  # the code's defaults say the same as config/default.toml
