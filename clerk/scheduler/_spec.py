"""``config/schedule.toml``: which bot runs when, on what input, with which limits.

Example::

    [defaults]
    timezone = "Europe/Berlin"
    misfire_grace_time_s = 3600
    coalesce = true

    [calendar]
    non_working_weekdays = ["sat", "sun"]
    non_working_dates = ["2026-12-25"]

    [jobs.invoice_entry]
    bot = "invoice_entry"
    cron = "*/10 7-19 * * mon-fri"
    retry = { attempts = 3, runs = 2 }
    workers = 2                  # sessions working one run's items at once (default 1)

Unknown keys are refused, so a typo never silently changes a schedule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clerk._config import Settings
from clerk._errors import ConfigError
from clerk.scheduler._calendar import WEEKDAYS, WorkingCalendar

_DEFAULT_KEYS = {"timezone", "misfire_grace_time_s", "coalesce", "timeout_s", "stop_grace_s", "settle_s",
                 "calendar"}
_JOB_KEYS = _DEFAULT_KEYS | {"bot", "cron", "interval_s", "inbox", "processed", "failed", "queue", "retry",
                             "enabled", "target", "workers"}
_RETRY_KEYS = {"attempts", "wait_initial_s", "wait_max_s", "runs"}
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class CronSpec:
    """Standard crontab fields (minute hour day month weekday); weekdays by name."""

    expression: str
    timezone: str

    def describe(self) -> str:
        return f"cron {self.expression} ({self.timezone})"


@dataclass(frozen=True, slots=True, kw_only=True)
class IntervalSpec:
    every: dt.timedelta
    timezone: str

    def describe(self) -> str:
        return f"every {self.every.total_seconds():g}s"


@dataclass(frozen=True, slots=True, kw_only=True)
class RetrySpec:
    """``attempts``/``wait_*``: the engine's per-item retries; ``runs``: how many runs one input
    gets in all when items keep failing (application errors, timeouts) before it goes to failed/."""

    attempts: int | None = None
    wait_initial: dt.timedelta | None = None
    wait_max: dt.timedelta | None = None
    runs: int = 1

    def overrides(self) -> dict[str, Any]:
        """Dotted settings overrides for the run, as the CLI would pass them."""
        return {
            "retry.attempts": self.attempts,
            "retry.wait_initial_s": self.wait_initial.total_seconds() if self.wait_initial else None,
            "retry.wait_max_s": self.wait_max.total_seconds() if self.wait_max else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class InboxSpec:
    folder: Path
    processed: Path
    failed: Path
    settle: dt.timedelta

    @property
    def working(self) -> Path:
        """Claimed files wait here while a run works them (same file system: renames are atomic)."""
        return self.folder / ".working"


@dataclass(frozen=True, slots=True, kw_only=True)
class JobSpec:
    name: str
    bot: str
    trigger: CronSpec | IntervalSpec
    inbox: InboxSpec | None  # None: the bot reads its live source (queue)
    queue: str | None
    target: str | None
    retry: RetrySpec
    workers: int = 1  # sessions working one run's items at once
    timeout: dt.timedelta  # for one run: one input file, or one pass over the queue
    stop_grace: dt.timedelta  # after the timeout, how long the run gets to stop before it is killed
    misfire_grace_time: dt.timedelta
    coalesce: bool
    calendar: WorkingCalendar | None

    def overrides(self) -> dict[str, Any]:
        """Dotted settings overrides for the job's runs, as ``clerk run`` would pass them: the
        retry policy, and the bot parameters ``queue`` and ``target``."""
        params = {"queue": self.queue, "target": self.target}
        return {**self.retry.overrides(), **{f"bots.{self.bot}.{k}": v for k, v in params.items() if v}}

    @property
    def input_label(self) -> str:
        return f"queue {self.queue}" if self.queue else f"inbox {self.inbox.folder if self.inbox else '-'}"

    def trigger_digest(self) -> str:
        """Changes exactly when what decides the fire times changes (see the job store sync)."""
        parts = [self.trigger.describe(), str(self.misfire_grace_time.total_seconds()), str(self.coalesce),
                 repr(sorted(self.calendar.closed_weekdays)) if self.calendar else "-",
                 repr(sorted(self.calendar.closed_dates)) if self.calendar else "-"]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    path: Path
    timezone: str
    jobs: Mapping[str, JobSpec] = field(default_factory=dict)


def default_schedule_path(settings: Settings) -> Path:
    return settings.project_dir / "config" / "schedule.toml"


def load_schedule(path: Path, settings: Settings) -> Schedule:
    """Read and check the schedule.

    Raises:
        ConfigError: the file is missing or malformed; the message names the job and key.
    """
    if not path.is_file():
        raise ConfigError(f"{path}: schedule file not found")
    try:
        tree = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: {err}") from err
    _only(tree, {"defaults", "calendar", "jobs"}, f"{path}")
    defaults = dict(tree.get("defaults", {}))
    _only(defaults, _DEFAULT_KEYS, f"{path} [defaults]")
    calendar_tree = dict(tree.get("calendar", {}))
    _only(calendar_tree, {"non_working_weekdays", "non_working_dates"}, f"{path} [calendar]")
    calendar = WorkingCalendar.parse(calendar_tree.get("non_working_weekdays", []),
                                     calendar_tree.get("non_working_dates", []))
    timezone = _timezone(defaults.get("timezone", "UTC"), f"{path} [defaults] timezone")
    jobs: dict[str, JobSpec] = {}
    for name, job in dict(tree.get("jobs", {})).items():
        where = f"{path} [jobs.{name}]"
        if not isinstance(job, Mapping):
            raise ConfigError(f"{where} must be a table")
        if not _NAME.match(name):
            raise ConfigError(f"{where}: job names are lower case letters, digits, - and _")
        _only(job, _JOB_KEYS, where)
        if job.get("enabled", True):
            jobs[name] = _job(name, {**defaults, **job}, timezone, calendar, settings, where)
    return Schedule(path=path, timezone=timezone, jobs=jobs)


def _job(name: str, job: Mapping[str, Any], timezone: str, calendar: WorkingCalendar, settings: Settings,
         where: str) -> JobSpec:
    bot = job.get("bot")
    if not isinstance(bot, str) or not bot:
        raise ConfigError(f"{where}: bot = \"<name>\" is required")
    queue = job.get("queue")
    if queue is not None and (job.get("inbox") or job.get("processed") or job.get("failed")):
        raise ConfigError(f"{where}: a job reads either a queue or an inbox folder, not both")
    inbox = None if queue else InboxSpec(
        folder=_folder(settings, job.get("inbox", f"inbox/{name}")),
        processed=_folder(settings, job.get("processed", f"processed/{name}")),
        failed=_folder(settings, job.get("failed", f"failed/{name}")),
        settle=_seconds(job.get("settle_s", 5), f"{where} settle_s"),
    )
    return JobSpec(
        name=name, bot=bot, trigger=_trigger(job, _timezone(job.get("timezone", timezone), f"{where} timezone"),
                                            where),
        inbox=inbox, queue=str(queue) if queue is not None else None,
        target=str(job["target"]) if job.get("target") else None,
        retry=_retry(job.get("retry", {}), f"{where} retry"),
        workers=_count(job.get("workers", 1), f"{where} workers"),
        timeout=_seconds(job.get("timeout_s", 3600), f"{where} timeout_s", positive=True),
        stop_grace=_seconds(job.get("stop_grace_s", 60), f"{where} stop_grace_s"),
        misfire_grace_time=_seconds(job.get("misfire_grace_time_s", 3600), f"{where} misfire_grace_time_s",
                                    positive=True),
        coalesce=_flag(job.get("coalesce", True), f"{where} coalesce"),
        calendar=calendar if _flag(job.get("calendar", True), f"{where} calendar") else None,
    )


def _trigger(job: Mapping[str, Any], timezone: str, where: str) -> CronSpec | IntervalSpec:
    if ("cron" in job) == ("interval_s" in job):
        raise ConfigError(f"{where}: give exactly one trigger: cron = \"m h dom mon dow\" or interval_s = N")
    if "interval_s" in job:
        return IntervalSpec(every=_seconds(job["interval_s"], f"{where} interval_s", positive=True),
                            timezone=timezone)
    expression = str(job["cron"]).strip()
    fields = expression.split()
    if len(fields) != 5:
        raise ConfigError(f"{where}: cron {expression!r} needs 5 fields (minute hour day month weekday)")
    for token in re.split(r"[,-]", fields[4].lower()):
        if token != "*" and token not in WEEKDAYS:
            # crontab counts Sunday as 0, APScheduler 3 counts Monday as 0: names are unambiguous
            raise ConfigError(f"{where}: cron weekday {fields[4]!r}: use names ({', '.join(WEEKDAYS)}), "
                              "ranges of names (mon-fri) or *")
    return CronSpec(expression=expression, timezone=timezone)


def _retry(tree: Any, where: str) -> RetrySpec:
    if not isinstance(tree, Mapping):
        raise ConfigError(f"{where} must be a table, e.g. {{ attempts = 3, runs = 2 }}")
    _only(tree, _RETRY_KEYS, where)
    attempts = tree.get("attempts")
    runs = tree.get("runs", 1)
    for key, value in (("attempts", attempts), ("runs", runs)):
        if value is not None:
            _count(value, f"{where} {key}")
    return RetrySpec(
        attempts=attempts, runs=runs,
        wait_initial=_seconds(tree["wait_initial_s"], f"{where} wait_initial_s")
        if "wait_initial_s" in tree else None,
        wait_max=_seconds(tree["wait_max_s"], f"{where} wait_max_s") if "wait_max_s" in tree else None,
    )


def _count(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where} must be a whole number of at least 1, got {value!r}")
    return value


def _only(tree: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(tree) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")


def _timezone(value: Any, where: str) -> str:
    try:
        zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown time zone {value!r} (use an IANA name, e.g. Europe/Berlin)") from None
    return str(value)


def _seconds(value: Any, where: str, *, positive: bool = False) -> dt.timedelta:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (positive and value == 0):
        raise ConfigError(f"{where} must be a {'positive ' if positive else ''}number of seconds, got {value!r}")
    return dt.timedelta(seconds=value)


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, got {value!r}")
    return value


def _folder(settings: Settings, value: Any) -> Path:
    path = Path(str(value))
    return path if path.is_absolute() else settings.data_dir / path
