"""What every request handler reaches (``app.state.console``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from clerk._config import Settings
from clerk.scheduler._pauses import JobPauses
from clerk.scheduler._spec import Schedule
from clerk.webconsole._accounts import Accounts
from clerk.webconsole._actions import Operations
from clerk.webconsole._alive import WorkersWatch
from clerk.webconsole._queries import Reads
from clerk.webconsole._throttle import LoginThrottle
from clerk.webconsole._verdicts import Verdicts


@dataclass(slots=True, kw_only=True)
class Console:
    """Everything a request handler reaches: app.state.console."""

    settings: Settings
    schedule: Schedule | None
    accounts: Accounts
    reads: Reads
    pauses: JobPauses
    operations: Operations
    throttle: LoginThrottle
    workers: WorkersWatch
    verdicts: Verdicts = field(default_factory=Verdicts)  # runs' verification, kept while unchanged

    @property
    def recordings(self) -> Path:
        return self.settings.recordings_dir
