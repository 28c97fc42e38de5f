"""The unattended runner: APScheduler decides when each bot runs (``runner.py``, ``clerk schedule``).

Jobs come from ``config/schedule.toml`` (_spec.py); APScheduler 3.11 is used only in
_apscheduler.py; each run happens in a child process (_launch.py, _child.py) that the
runner can always stop; inbox folders (_inbox.py), the non-working-day calendar
(_calendar.py), the one-runner-per-data-directory lock (_lock.py), the journal
(_journal.py), alerts (_alerts.py) and the status views (_status.py) are one module each.
"""

from __future__ import annotations

from clerk.scheduler._runner import run_runner
from clerk.scheduler._spec import JobSpec, Schedule, default_schedule_path, load_schedule

__all__ = ["JobSpec", "Schedule", "default_schedule_path", "load_schedule", "run_runner"]
