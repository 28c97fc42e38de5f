"""Many robots across machines on Celery 5: `clerk worker` and `clerk run BOT --on celery`.

A run (the coordinator) validates and preflights its input as always, then puts each item
on a Celery queue; `clerk worker` processes, on any machine that reaches the broker, the
shared ledger and the shared recordings folder, enter them with sessions they keep logged
in, and send back each item's outcome and events; the coordinator writes the results
workbook and seals the recording. Celery is imported only by runs and workers that use it
(``clerk.fleet._dispatch``, ``clerk.fleet._worker``), not by this package.
"""

from __future__ import annotations

from clerk.fleet._settings import FleetSettings, load_fleet_settings

__all__ = ["FleetSettings", "load_fleet_settings"]
