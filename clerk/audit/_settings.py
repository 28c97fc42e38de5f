"""The ``[audit]`` section of the configuration.

    [audit]
    traces = "retries"     # Playwright trace of each item: "retries" (recorded only from an item's second
                           # attempt; kept if it failed), "failed" (every attempt; kept for failed items),
                           # "all" or "off"
    retention_days = 90    # what ``clerk audit prune`` deletes without --older-than
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, cast

from clerk._config import Settings
from clerk._errors import ConfigError

TracePolicy = Literal["failed", "all", "off", "retries"]
_POLICIES = ("failed", "all", "off", "retries")


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditSettings:
    traces: TracePolicy = "retries"
    retention: dt.timedelta | None = dt.timedelta(days=90)  # None: keep everything

    @classmethod
    def of(cls, settings: Settings) -> AuditSettings:
        """Read and check ``settings.audit``.

        Raises:
            ConfigError: a value is not allowed; the message names the key.

        Example:
            AuditSettings.of(load_settings()).traces  # "retries"
        """
        raw = dict(getattr(settings, "audit", {}) or {})
        unknown = set(raw) - {"traces", "retention_days"}
        if unknown:
            raise ConfigError(f"unknown key(s) in [audit]: {', '.join(sorted(unknown))}")
        traces = raw.get("traces", "retries")
        if traces not in _POLICIES:
            raise ConfigError(f"audit.traces must be one of {', '.join(_POLICIES)}, got {traces!r}")
        days = raw.get("retention_days", 90)
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ConfigError(f"audit.retention_days must be a whole number of days (0: keep forever), got {days!r}")
        return cls(traces=cast(TracePolicy, traces), retention=dt.timedelta(days=days) if days else None)
