"""What a run is asked to do, who watches its progress, and how it is asked to stop."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from loguru import logger

from clerk._bot import Bot
from clerk._errors import ConfigError
from clerk._outcome import ItemResult
from clerk._phases import RunPhase


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOptions:
    input_path: Path | None = None
    output_path: Path | None = None
    dry_run: bool = False
    limit: int | None = None
    skip_invalid: bool = False
    workers: int = 1  # sessions working items at once on this machine
    executor: Literal["local", "celery"] = "local"  # celery: the items go to `clerk worker`s through a queue
    params: Mapping[str, Any] = field(default_factory=dict)  # bot-specific, e.g. {"queue": "PlanChanges"}


class ProgressListener(Protocol):
    def phase(self, phase: RunPhase, app: str) -> None: ...

    def started(self, total: int, resumed: bool) -> None: ...

    def advanced(self, result: ItemResult) -> None: ...


@dataclass(slots=True)
class StopFlag:
    """Set by a signal handler: the engine finishes the current item, then stops."""

    reason: str = ""

    def request(self, reason: str) -> None:
        self.reason = self.reason or reason


class Silent:
    """Progress nobody watches."""

    def phase(self, phase: RunPhase, app: str) -> None: ...

    def started(self, total: int, resumed: bool) -> None: ...

    def advanced(self, result: ItemResult) -> None: ...



def check_workers(bot: Bot[Any], workers: int) -> None:
    """Refuse more workers than the bot can run side by side.

    Raises:
        ConfigError: ``workers`` is below one or above the bot's ``max_workers``.
    """
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")
    if bot.max_workers is not None and workers > bot.max_workers:
        why = f" ({bot.max_workers_reason})" if bot.max_workers_reason else ""
        raise ConfigError(f"bot {bot.name} with target {bot.main_app} runs at most {bot.max_workers} "
                          f"session(s) at once{why}; --workers {workers} refused")



def announce(progress: ProgressListener, phase: RunPhase, app: str) -> None:
    logger.info("phase: {}", phase.describe(app))
    progress.phase(phase, app)

