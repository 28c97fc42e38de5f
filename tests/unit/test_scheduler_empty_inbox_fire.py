"""Jobs of one bot firing at the same minute: a job whose inbox is empty does not hold the
bot's lock, so it cannot make a job with a file skip its fire (seen with 20 jobs of
invoice_entry on "* * * * *": the file waited a whole period)."""

from __future__ import annotations

import threading
from pathlib import Path

from clerk._config import Settings
from clerk.scheduler import load_schedule
from clerk.scheduler._alerts import Alerter
from clerk.scheduler._jobs import JobWorker
from clerk.scheduler._journal import Event, Journal, journal_path
from clerk.scheduler._settings import AlertSettings

SCHEDULE = """
[defaults]
timezone = "UTC"
calendar = false
settle_s = 0
[jobs.quiet]
bot = "invoice_entry"
cron = "* * * * *"
[jobs.busy]
bot = "invoice_entry"
cron = "* * * * *"
"""


class _Launcher:
    def __init__(self) -> None:
        self.inputs: list[str] = []

    def run(self, _spec: object, working: Path | None) -> None:
        self.inputs.append(working.name if working else "-")
        raise RuntimeError("no real run in this test")


class _HeldJournal(Journal):
    """Holds the quiet job at its "fired" entry, as a loaded machine may, until released."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.quiet_reached, self.release = threading.Event(), threading.Event()

    def record(self, job: str, event: Event, detail: str = "", **kwargs: str | None) -> int:
        if job == "quiet" and event is Event.FIRED:
            self.quiet_reached.set()
            self.release.wait(30)
        return super().record(job, event, detail, **kwargs)


def test_an_empty_inbox_job_does_not_make_a_sibling_with_a_file_skip(tmp_path: Path) -> None:
    settings = Settings(project_dir=tmp_path, data_dir=tmp_path / "var", recordings_dir=tmp_path / "rec",
                        selectors_dir=tmp_path / "selectors")
    (tmp_path / "schedule.toml").write_text(SCHEDULE, encoding="utf-8")
    schedule = load_schedule(tmp_path / "schedule.toml", settings)
    journal = _HeldJournal(journal_path(settings.data_dir))
    launcher = _Launcher()
    worker = JobWorker(schedule=schedule, settings=settings, bots={}, journal=journal,
                       alerter=Alerter(AlertSettings()), launcher=launcher,  # type: ignore[arg-type]
                       stopping=threading.Event())
    busy_inbox = schedule.jobs["busy"].inbox
    assert busy_inbox is not None
    (busy_inbox.folder / "march.csv").write_text("vendor,invoice_number\nGlobex,DEMO-9\n")

    def fire_quiet() -> None:
        try:
            worker.fire("quiet")
        finally:
            journal.quiet_reached.set()

    quiet = threading.Thread(target=fire_quiet)
    quiet.start()
    try:
        assert journal.quiet_reached.wait(30)
        worker.fire("busy")
    finally:
        journal.release.set()
        quiet.join(30)
    skipped = journal.last("busy", Event.SKIPPED)
    assert skipped is None, skipped.detail
    assert launcher.inputs == ["march.csv"]
    assert journal.last("quiet", Event.FIRED, Event.SKIPPED) is None  # an empty inbox leaves no entry, as before
