"""The unattended runner: APScheduler decides when each bot runs (``runner.py``, ``clerk schedule``).

Jobs come from ``config/schedule.toml`` (_spec.py); APScheduler 3.11 is used only in
_apscheduler.py; each run happens in a child process (_launch.py, _child.py) that the
runner can always stop; inbox folders (_inbox.py), the non-working-day calendar
(_calendar.py), the one-runner-per-data-directory lock (_lock.py), the journal
(_journal.py), alerts (_alerts.py) and the status views (_status.py) are one module each.

The names are imported on first use (PEP 562): `clerk --help` and `clerk run` need none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clerk._lazy import lazy_names

if TYPE_CHECKING:
    from clerk.scheduler._runner import run_runner
    from clerk.scheduler._spec import JobSpec, Schedule, default_schedule_path, load_schedule

_LAZY = {
    "run_runner": "clerk.scheduler._runner",
    "JobSpec": "clerk.scheduler._spec",
    "Schedule": "clerk.scheduler._spec",
    "default_schedule_path": "clerk.scheduler._spec",
    "load_schedule": "clerk.scheduler._spec",
}

__all__ = ["JobSpec", "Schedule", "default_schedule_path", "load_schedule", "run_runner"]


__getattr__ = lazy_names(__name__, _LAZY)
