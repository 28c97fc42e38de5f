"""The overview: last night's failures first, then the runner and the Celery workers, alive
or not, each with when it was last seen."""

from __future__ import annotations

from pathlib import Path

from clerk._config import load_settings
from clerk.fleet._settings import FleetSettings
from clerk.fleet._status import FleetState, WorkerState, heartbeat_folder
from clerk.scheduler._journal import Event, Journal, journal_path
from clerk.webconsole._alive import WorkersWatch
from tests.console.conftest import Seeded, sign_in

ANSWERING = WorkerState(name="clerk-4101@bot-a", host="bot-a", pid=4101, working=("run R row 7 (globex|DEMO-7)",),
                        last_seen="2026-11-29T06:00:05+00:00", answering=True)
SILENT = WorkerState(name="clerk-977@bot-b", host="bot-b", pid=977, working=(),
                     last_seen="2026-11-28T23:41:10+00:00", answering=False)


class _Readings:
    """Stands in for the heartbeats and the broker (the real reading is tests/e2e/console's)."""

    def __init__(self) -> None:
        self.asked = 0

    def __call__(self, fleet: FleetSettings, heartbeats: Path) -> FleetState:
        self.asked += 1
        return FleetState(queue=fleet.queue, waiting=3, workers=[ANSWERING, SILENT])


def _row(html: str, starts: str) -> str:
    return html.split(starts, 1)[1].split("</tr>", 1)[0]


def test_failures_come_first_then_the_runner_and_each_worker_alive_or_not_with_last_seen(seeded: Seeded) -> None:
    settings = load_settings(seeded.project)
    Journal(journal_path(settings.data_dir)).record("runner", Event.RUNNER_STOPPED, "SIGTERM")
    stopped_at = Journal(journal_path(settings.data_dir)).entries(limit=1)[0].at
    heartbeat_folder(settings.recordings_dir).mkdir(parents=True)
    (heartbeat_folder(settings.recordings_dir) / "clerk-977@bot-b.json").write_text("{}")  # a worker was here
    readings = _Readings()
    seeded.console.workers = WorkersWatch(settings, read=readings)
    sign_in(seeded.client, "aud1")
    overview = seeded.client.get("/").text
    assert overview.index(seeded.run_id) < overview.index("Runner and workers") < overview.index("<h2>Jobs</h2>")
    runner = _row(overview, "<tr><td>runner</td>")
    assert "not running" in runner and stopped_at in runner
    answering = _row(overview, "<tr><td>worker clerk-4101@bot-a</td>")
    assert "bot-a" in answering and ">alive<" in answering and "globex|DEMO-7" in answering
    assert ANSWERING.last_seen in answering
    silent = _row(overview, "<tr><td>worker clerk-977@bot-b</td>")
    assert ">gone<" in silent and SILENT.last_seen in silent
    assert "3 item(s) waiting" in overview
    seeded.client.get("/")
    assert readings.asked == 1  # one reading serves the overviews opened soon after


def test_no_workers_are_asked_for_where_the_project_has_none(seeded: Seeded) -> None:
    readings = _Readings()
    seeded.console.workers = WorkersWatch(load_settings(seeded.project), read=readings)
    sign_in(seeded.client, "aud1")
    overview = seeded.client.get("/").text
    assert "<tr><td>runner</td>" in overview and "worker clerk-" not in overview and readings.asked == 0
