"""config/schedule.toml: jobs, triggers with time zones, retry policies, refused mistakes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clerk._config import Settings, load_settings
from clerk._errors import ConfigError
from clerk.scheduler import load_schedule
from clerk.scheduler._spec import CronSpec, IntervalSpec

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(project_dir=tmp_path, data_dir=tmp_path / "var", recordings_dir=tmp_path / "rec",
                    selectors_dir=tmp_path / "selectors")


def schedule_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "schedule.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_projects_own_schedule_loads() -> None:
    settings = load_settings(PROJECT, environ={})
    schedule = load_schedule(PROJECT / "config" / "schedule.toml", settings)
    invoices = schedule.jobs["invoice_entry"]
    assert isinstance(invoices.trigger, CronSpec) and invoices.trigger.timezone == "Europe/Berlin"
    assert invoices.inbox is not None and invoices.inbox.folder == settings.data_dir / "inbox" / "invoice_entry"
    assert invoices.calendar is not None and dt.date(2026, 12, 25) in invoices.calendar.closed_dates
    assert schedule.jobs["plan_change"].overrides()["bots.plan_change.queue"] == "PlanChanges"


def test_defaults_apply_and_jobs_override_them(tmp_path: Path, settings: Settings) -> None:
    schedule = load_schedule(schedule_file(tmp_path, """
[defaults]
timezone = "America/New_York"
misfire_grace_time_s = 120
coalesce = false
timeout_s = 600
[jobs.nightly]
bot = "invoice_entry"
cron = "0 2 * * mon-fri"
coalesce = true
retry = { attempts = 5, wait_initial_s = 0.5, runs = 2 }
[jobs.queue]
bot = "plan_change"
interval_s = 30
queue = "PlanChanges"
timezone = "UTC"
calendar = false
[jobs.off]
bot = "invoice_entry"
cron = "0 3 * * *"
enabled = false
"""), settings)
    assert set(schedule.jobs) == {"nightly", "queue"}
    nightly, queue = schedule.jobs["nightly"], schedule.jobs["queue"]
    assert nightly.trigger == CronSpec(expression="0 2 * * mon-fri", timezone="America/New_York")
    assert (nightly.coalesce, nightly.misfire_grace_time, nightly.timeout) == (
        True, dt.timedelta(seconds=120), dt.timedelta(seconds=600))
    assert nightly.retry.overrides() == {"retry.attempts": 5, "retry.wait_initial_s": 0.5, "retry.wait_max_s": None}
    assert nightly.retry.runs == 2
    assert queue.trigger == IntervalSpec(every=dt.timedelta(seconds=30), timezone="UTC")
    assert queue.inbox is None and queue.calendar is None and queue.coalesce is False


def test_the_trigger_digest_changes_only_with_what_decides_fire_times(tmp_path: Path, settings: Settings) -> None:
    base = '[jobs.a]\nbot = "invoice_entry"\ncron = "0 2 * * *"\n'
    first = load_schedule(schedule_file(tmp_path, base), settings).jobs["a"].trigger_digest()
    same = load_schedule(schedule_file(tmp_path, base + "timeout_s = 5\n"), settings).jobs["a"].trigger_digest()
    other = load_schedule(schedule_file(tmp_path, base + "coalesce = false\n"), settings).jobs["a"].trigger_digest()
    assert first == same != other


@pytest.mark.parametrize(("text", "message"), [
    ('[jobs.a]\nbot = "x"\ncron = "0 2 * * 1-5"\n', "use names"),
    ('[jobs.a]\nbot = "x"\ncron = "0 2 * *"\n', "needs 5 fields"),
    ('[jobs.a]\nbot = "x"\ncron = "0 2 * * *"\ninterval_s = 5\n', "exactly one trigger"),
    ('[jobs.a]\nbot = "x"\n', "exactly one trigger"),
    ('[jobs.a]\ncron = "0 2 * * *"\n', "bot = "),
    ('[jobs.a]\nbot = "x"\ncron = "0 2 * * *"\ntimezone = "Mars/Olympus"\n', "unknown time zone"),
    ('[jobs.a]\nbot = "x"\ncron = "0 2 * * *"\ncolaesce = true\n', "unknown key(s) colaesce"),
    ('[jobs.a]\nbot = "x"\ninterval_s = 0\n', "positive number"),
    ('[jobs.a]\nbot = "x"\ninterval_s = 5\nqueue = "Q"\ninbox = "in"\n', "not both"),
    ('[jobs.a]\nbot = "x"\ninterval_s = 5\nretry = { runs = 0 }\n', "at least 1"),
    ('[calendar]\nnon_working_weekdays = ["caturday"]\n', "not a weekday"),
    ('[calendar]\nnon_working_dates = ["2026-13-01"]\n', "not a date"),
    ('[jobs.A]\nbot = "x"\ninterval_s = 5\n', "lower case"),
])
def test_mistakes_are_refused_with_the_job_and_key(tmp_path: Path, settings: Settings, text: str,
                                                    message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_schedule(schedule_file(tmp_path, text), settings)


def test_a_missing_schedule_file_is_a_config_error(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(ConfigError, match="schedule file not found"):
        load_schedule(tmp_path / "nope.toml", settings)
